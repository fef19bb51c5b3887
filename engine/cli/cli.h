#pragma once

namespace pgward::cli {

// Parses the command line, runs the chosen command, and returns the process exit code
// (see engine/core/exit_code.h). Never throws.
int Run(int argc, char** argv);

}  // namespace pgward::cli
