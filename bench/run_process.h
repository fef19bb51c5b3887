#pragma once

// A whole process as the benchmarks time it (pgward, or the peer): its wall time, peak resident
// memory and exit code, each process started by a small process of its own (detail::Spawner).

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgward::bench {

struct ProcessRun {
  double seconds = 0;
  // The processor time it took, in its own code and in the kernel's: on a virtual machine, the
  // kernel's share grows when the memory it hands out must first be backed by the host.
  double user_seconds = 0, system_seconds = 0;
  long peak_rss_kib = 0;
  int exit_code = -1;
};

namespace detail {

// To the spawner's socket: a spawner gone is an error here, not a SIGPIPE that ends the benchmark.
inline bool WriteAll(int fd, const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = send(fd, bytes, size, MSG_NOSIGNAL);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

inline bool ReadAll(int fd, void* data, std::size_t size) {
  char* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t got = read(fd, bytes, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    bytes += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

inline bool WriteString(int fd, const std::string& text) {
  const std::uint32_t size = static_cast<std::uint32_t>(text.size());
  return WriteAll(fd, &size, sizeof size) && WriteAll(fd, text.data(), size);
}

inline bool ReadString(int fd, std::string& text) {
  std::uint32_t size = 0;
  if (!ReadAll(fd, &size, sizeof size)) return false;
  text.resize(size);
  return ReadAll(fd, text.data(), size);
}

// Forks, runs the command and waits for it.
inline ProcessRun Spawn(const std::vector<std::string>& argv, const std::string& stdout_path) {
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
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  run.user_seconds = seconds(usage.ru_utime);
  run.system_seconds = seconds(usage.ru_stime);
  run.peak_rss_kib = usage.ru_maxrss;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The process that starts the commands, forked before main while the benchmark is small. A
// process's peak memory (ru_maxrss) counts what it held before its exec, and a child forked by a
// benchmark that has since grown (it parsed a peer's report) begins with the benchmark's pages:
// its peak would be the benchmark's, not the command's.
class Spawner {
 public:
  Spawner() {
    // Close-on-exec: neither the commands nor the servers a benchmark starts hold it open.
    int ends[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(ends[0]);
      Serve(ends[1]);
      _exit(0);
    }
    close(ends[1]);
    if (pid_ < 0) {
      close(ends[0]);
      return;
    }
    socket_ = ends[0];
  }
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;
  ~Spawner() { Close(); }

  // nullopt when there is no spawner (it could not be started, or has gone: then never again).
  std::optional<ProcessRun> Run(const std::vector<std::string>& argv,
                                const std::string& stdout_path) {
    if (socket_ < 0) return std::nullopt;
    std::fflush(stdout);  // the command's output follows what the benchmark printed
    const std::uint32_t count = static_cast<std::uint32_t>(argv.size());
    bool sent = WriteAll(socket_, &count, sizeof count);
    for (const std::string& argument : argv) sent = sent && WriteString(socket_, argument);
    ProcessRun run;
    if (sent && WriteString(socket_, stdout_path) && ReadAll(socket_, &run, sizeof run)) {
      return run;
    }
    std::fprintf(stderr,
                 "benchmark: the process that starts the commands is gone: they are started from "
                 "the benchmark itself, whose memory their peaks then include\n");
    Close();
    return std::nullopt;
  }

 private:
  static void Serve(int socket) {
    for (;;) {
      std::uint32_t count = 0;
      if (!ReadAll(socket, &count, sizeof count)) return;
      std::vector<std::string> argv(count);
      std::string stdout_path;
      for (std::string& argument : argv) {
        if (!ReadString(socket, argument)) return;
      }
      if (!ReadString(socket, stdout_path)) return;
      const ProcessRun run = Spawn(argv, stdout_path);
      if (!WriteAll(socket, &run, sizeof run)) return;
    }
  }

  void Close() {
    if (socket_ < 0) return;
    close(socket_);  // its end of input: the spawner returns
    socket_ = -1;
    waitpid(pid_, nullptr, 0);
  }

  pid_t pid_ = -1;
  int socket_ = -1;
};

inline Spawner spawner;

}  // namespace detail

// Standard output goes to `stdout_path` (the benchmarks that compare answers keep it).
inline ProcessRun RunProcess(const std::vector<std::string>& argv,
                             const std::string& stdout_path = "/dev/null") {
  if (const std::optional<ProcessRun> run = detail::spawner.Run(argv, stdout_path)) return *run;
  return detail::Spawn(argv, stdout_path);
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
