#pragma once

// Work that may run beside the caller's, on a thread of its own when one can be started: where
// none can (a limit on processes, RLIMIT_NPROC), the work runs on the calling thread instead, and
// the run is slower, never cut short.

#include <system_error>
#include <thread>

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

}  // namespace pgward
