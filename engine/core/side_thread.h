#pragma once

// Work that may run beside the caller's, on a thread of its own when one can be started: where
// none can (a limit on processes, RLIMIT_NPROC), the work runs on the calling thread instead, and
// the run is slower, never cut short. What the work throws (no memory left) reaches the caller as
// it would without a thread, rather than ending the process.

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace pgward {

// Work started by StartOrRun. Join waits for it and throws what it threw; the destructor waits
// too, for a caller that leaves on an exception of its own, which is the one that goes on.
class SideTask {
 public:
  SideTask() = default;
  SideTask(std::jthread thread, std::unique_ptr<std::exception_ptr> failure)
      : failure_(std::move(failure)), thread_(std::move(thread)) {}
  SideTask(SideTask&&) noexcept = default;
  // None: assigning over a running task would free the slot its thread writes to, or drop what
  // it threw.
  SideTask& operator=(SideTask&&) = delete;

  void Join() {
    if (thread_.joinable()) thread_.join();
    if (failure_ && *failure_) std::rethrow_exception(std::exchange(*failure_, nullptr));
  }

 private:
  // Where the thread puts what it threw: on the heap, as the task may be moved while it runs.
  std::unique_ptr<std::exception_ptr> failure_;
  std::jthread thread_;  // declared last: joined before `failure_` is freed
};

// Starts `task` on a thread of its own, or runs it here (throwing what it throws) when no thread
// can be started.
template <typename Task>
SideTask StartOrRun(const Task& task) {
  auto failure = std::make_unique<std::exception_ptr>();
  try {
    std::jthread thread([task, slot = failure.get()] {
      try {
        task();
      } catch (...) {
        *slot = std::current_exception();
      }
    });
    return SideTask(std::move(thread), std::move(failure));
  } catch (const std::system_error&) {
    task();
    return {};
  }
}

// Runs `task` on `threads` threads, the calling one among them, and returns once every one has
// returned: the others are started as far as threads can be had, none at worst. What a thread
// throws is thrown here once all have returned (the first, if several threw).
template <typename Task>
void RunOnThreads(std::size_t threads, const Task& task) {
  std::mutex mutex;
  std::exception_ptr failure;
  const auto guarded = [&] {
    try {
      task();
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> others;
    try {
      while (others.size() + 1 < threads) others.emplace_back(guarded);
    } catch (const std::system_error&) {
    }
    guarded();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pgward
