#pragma once

#include <string>
#include <vector>

namespace pgward::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when the process was killed by a signal
  std::string out;
  std::string err;
};

// Runs a program (no shell) with the given arguments and captures both output streams.
CommandResult RunCommand(const std::vector<std::string>& argv);

// Runs the pgward binary under test.
CommandResult RunPgward(const std::vector<std::string>& arguments);

}  // namespace pgward::testing
