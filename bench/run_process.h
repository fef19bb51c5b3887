#pragma once

// A whole process as the benchmarks time it (pgward, or the peer): its wall time, peak resident
// memory and exit code.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgward::bench {

struct ProcessRun {
  double seconds = 0;
  long peak_rss_kib = 0;
  int exit_code = -1;
};

// Standard output goes to `stdout_path` (the benchmarks that compare answers keep it).
inline ProcessRun RunProcess(const std::vector<std::string>& argv,
                             const std::string& stdout_path = "/dev/null") {
  std::fflush(stdout);  // or the child's stdio would print the parent's buffered lines again
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child == 0) {
    std::vector<char*> args;
    for (const std::string& argument : argv) args.push_back(const_cast<char*>(argument.c_str()));
    args.push_back(nullptr);
    std::freopen(stdout_path.c_str(), "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  ProcessRun run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.peak_rss_kib = usage.ru_maxrss;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A command timed several times (BestInTurns): its fastest run, with the largest peak memory of
// all its runs, and the exit code of a run that did not end with `expected_exit`, if one did.
struct TimedCommand {
  explicit TimedCommand(std::vector<std::string> command, std::string output = "/dev/null",
                        int expected = 0)
      : argv(std::move(command)), stdout_path(std::move(output)), expected_exit(expected) {}

  std::vector<std::string> argv;
  std::string stdout_path;
  int expected_exit;
  ProcessRun best;
  std::optional<int> unexpected_exit;
};

// Each command `runs` times, in turns, so that a busy spell of a shared machine (which only ever
// lengthens a run, never shortens it) falls on all of them alike.
inline void BestInTurns(int runs, const std::vector<TimedCommand*>& commands) {
  for (int i = 0; i < runs; ++i) {
    for (TimedCommand* command : commands) {
      const ProcessRun run = RunProcess(command->argv, command->stdout_path);
      if (run.exit_code != command->expected_exit) command->unexpected_exit = run.exit_code;
      const long peak = std::max(command->best.peak_rss_kib, run.peak_rss_kib);
      if (i == 0 || run.seconds < command->best.seconds) command->best = run;
      command->best.peak_rss_kib = peak;
    }
  }
}

}  // namespace pgward::bench
