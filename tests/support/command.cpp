#include "tests/support/command.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

CommandResult RunCommand(const std::vector<std::string>& argv, const CommandOptions& options) {
  const int out_fd = options.stdout_path.empty()
                         ? AnonymousFile()
                         : open(options.stdout_path.c_str(), O_WRONLY | O_CLOEXEC);
  if (out_fd < 0) throw std::runtime_error("cannot open " + options.stdout_path);
  const int err_fd = AnonymousFile();
  std::vector<char*> pointers;
  for (const std::string& argument : argv) pointers.push_back(const_cast<char*>(argument.c_str()));
  pointers.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int in_fd = open(options.stdin_path.c_str(), O_RDONLY | O_NONBLOCK);
    if (in_fd < 0) _exit(126);
    fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) & ~O_NONBLOCK);
    dup2(in_fd, STDIN_FILENO);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    if (options.timeout_seconds > 0) alarm(options.timeout_seconds);
    execvp(pointers[0], pointers.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (options.stdout_path.empty()) {
    result.out = Slurp(out_fd);
  } else {
    close(out_fd);
  }
  result.err = Slurp(err_fd);
  return result;
}

CommandResult RunPgward(const std::vector<std::string>& arguments, const CommandOptions& options) {
  std::vector<std::string> argv{PGWARD_BINARY};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return RunCommand(argv, options);
}

bool CanLimitThreads() { return geteuid() == 0 && getpwnam("postgres") != nullptr; }

CommandResult RunPgwardAsPostgres(bool limited, const std::vector<std::string>& arguments,
                                  const CommandOptions& options) {
  std::vector<std::string> argv = {"runuser", "-u", "postgres", "--"};
  if (limited) {
    // LeakSanitizer checks at exit from a thread of its own, which the limit refuses, and then
    // fails the run ("LeakSanitizer has encountered a fatal error"); the free run keeps it.
    const char* inherited = std::getenv("ASAN_OPTIONS");
    const std::string sanitizer_options =
        inherited != nullptr && *inherited != '\0' ? std::string(inherited) + ":" : "";
    argv.insert(argv.end(), {"env", "ASAN_OPTIONS=" + sanitizer_options + "detect_leaks=0",
                             "prlimit", "--nproc=1"});
  }
  argv.push_back(PGWARD_BINARY);
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return RunCommand(argv, options);
}

}  // namespace pgward::testing
