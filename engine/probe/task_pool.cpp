#include "engine/probe/task_pool.h"

#include <algorithm>
#include <utility>

#include "engine/core/side_thread.h"

namespace pgward::probe {

void TaskPool::Add(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (failed_) return;  // the run is ending: nothing more is run
    queue_.push_back(std::move(task));
  }
  changed_.notify_one();
}

void TaskPool::Run(int threads) {
  RunOnThreads(static_cast<std::size_t>(std::max(threads, 1)), [this] { Work(); });
}

void TaskPool::Work() {
  std::unique_lock lock(mutex_);
  while (true) {
    // A running task may still add work: idle threads wait for it rather than leave.
    changed_.wait(lock, [this] { return !queue_.empty() || running_ == 0 || failed_; });
    if (queue_.empty() || failed_) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    try {
      task();
    } catch (...) {
      // The run ends here (RunOnThreads throws it again once every thread has returned): the
      // tasks left are dropped, and the threads waiting for more are told.
      lock.lock();
      --running_;
      failed_ = true;
      queue_.clear();
      changed_.notify_all();
      throw;
    }
    lock.lock();
    --running_;
    if (running_ == 0 && queue_.empty()) changed_.notify_all();
  }
}

}  // namespace pgward::probe
