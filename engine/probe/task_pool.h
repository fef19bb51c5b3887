#pragma once

// A bounded set of threads for the probe's handshakes, where a task may queue more tasks (an
// enumeration chain splits itself once it knows a version is accepted).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace pgward::probe {

class TaskPool {
 public:
  // Safe to call from a running task.
  void Add(std::function<void()> task);
  // Runs the queued tasks and those they add on `threads` threads, the calling one among them;
  // returns when none is left. What a task throws ends the run (the tasks not started are
  // dropped) and is thrown here once every thread has returned.
  void Run(int threads);

 private:
  void Work();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_;
  int running_ = 0;
  bool failed_ = false;  // a task threw
};

}  // namespace pgward::probe
