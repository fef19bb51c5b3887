#pragma once

// Work that may run beside the caller's, on a thread of its own when one can be started: where
// none can (a limit on processes, RLIMIT_NPROC), the work runs on the calling thread instead, and
// the run is slower, never cut short.

#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace pgward {

// Starts `task` on a thread of its own and returns it (joined when it goes out of scope), or
// runs `task` here, before returning an empty thread, when no thread can be started.
template <typename Task>
std::jthread StartOrRun(const Task& task) {
  try {
    return std::jthread(task);
  } catch (const std::system_error&) {
    task();
    return {};
  }
}

// Runs `task` on `threads` threads, the calling one among them, and returns once every one has
// returned: the others are started as far as threads can be had, none at worst.
template <typename Task>
void RunOnThreads(std::size_t threads, const Task& task) {
  std::vector<std::jthread> others;
  try {
    while (others.size() + 1 < threads) others.emplace_back(task);
  } catch (const std::system_error&) {
  }
  task();
}

}  // namespace pgward
