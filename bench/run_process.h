#pragma once

// A whole process as the benchmarks time it (pgward, or the peer): its wall time, peak resident
// memory and exit code.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
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

}  // namespace pgward::bench
