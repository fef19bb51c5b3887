#include "tests/support/command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace pgward::testing {
namespace {

// Output goes to unlinked temporary files rather than pipes, so a chatty child can never
// block on a full pipe while we wait for it.
int AnonymousFile() {
  char name[] = "/tmp/pgward-test-output-XXXXXX";
  const int fd = mkstemp(name);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file");
  unlink(name);
  return fd;
}

std::string Slurp(int fd) {
  std::string content;
  lseek(fd, 0, SEEK_SET);
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) content.append(buffer, static_cast<size_t>(n));
  close(fd);
  return content;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv) {
  const int out_fd = AnonymousFile();
  const int err_fd = AnonymousFile();
  std::vector<char*> pointers;
  for (const std::string& argument : argv) pointers.push_back(const_cast<char*>(argument.c_str()));
  pointers.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    execvp(pointers[0], pointers.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = Slurp(out_fd);
  result.err = Slurp(err_fd);
  return result;
}

CommandResult RunPgward(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{PGWARD_BINARY};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return RunCommand(argv);
}

}  // namespace pgward::testing
