#pragma once

// A measurement run in a forked child: its peak resident memory is then the measured work's
// alone, not the benchmark's (which holds inputs, other rows' results, the peer's output).

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <type_traits>

namespace pgward::bench {

// Runs `work` in a child process and returns its result (which crosses a pipe, so it must be
// trivially copyable) with `peak_rss_kib` set to the child's maximum resident set.
template <typename Work>
auto MeasureInChild(Work work) -> decltype(work()) {
  using Result = decltype(work());
  static_assert(std::is_trivially_copyable_v<Result>);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::abort();
  const pid_t child = fork();
  if (child == 0) {
    close(pipe_fds[0]);
    const Result result = work();
    if (write(pipe_fds[1], &result, sizeof result) != sizeof result) _exit(1);
    _exit(0);
  }
  close(pipe_fds[1]);
  Result result;
  if (read(pipe_fds[0], &result, sizeof result) != sizeof result) std::abort();
  close(pipe_fds[0]);
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  result.peak_rss_kib = usage.ru_maxrss;
  return result;
}

}  // namespace pgward::bench
