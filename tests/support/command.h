#pragma once

#include <string>
#include <vector>

namespace pgward::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when the process was killed by a signal
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::string cwd;  // empty: the test's own
  std::string stdin_path = "/dev/null";
  std::string stdout_path;  // empty: captured in CommandResult::out
  // A watchdog, not a timing assertion: past it the child gets SIGALRM (exit code 142), so a
  // hang fails its test instead of stalling the suite. 0: none.
  unsigned timeout_seconds = 0;
};

// Runs a program (no shell) with the given arguments and captures both output streams.
CommandResult RunCommand(const std::vector<std::string>& argv, const CommandOptions& options = {});

// Runs the pgward binary under test.
CommandResult RunPgward(const std::vector<std::string>& arguments,
                        const CommandOptions& options = {});

// Whether RunPgwardAsPostgres can run here: as root, with a postgres user.
bool CanLimitThreads();

// Runs the pgward binary under test as the postgres user (which the sandboxes run as), or, when
// `limited`, as that user with RLIMIT_NPROC at 1, so that no thread can be started (a CI
// runner's or container's limit reached). The limit binds only a user that is not root.
CommandResult RunPgwardAsPostgres(bool limited, const std::vector<std::string>& arguments,
                                  const CommandOptions& options = {});

}  // namespace pgward::testing
