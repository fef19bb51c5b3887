#include <csignal>

#include "engine/cli/cli.h"

int main(int argc, char** argv) {
  // A closed pipe on standard output is a write error to report (exit 2), not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
  return pgward::cli::Run(argc, argv);
}
