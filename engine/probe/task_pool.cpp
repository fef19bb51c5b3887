#include "engine/probe/task_pool.h"

#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace pgward::probe {

void TaskPool::Add(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  changed_.notify_one();
}

void TaskPool::Run(int threads) {
  // This thread works too; without threads to be had (a limit on processes) it does every task.
  std::vector<std::jthread> workers;
  try {
    for (int i = 1; i < threads; ++i) workers.emplace_back([this] { Work(); });
  } catch (const std::system_error&) {
  }
  Work();
}

void TaskPool::Work() {
  std::unique_lock lock(mutex_);
  while (true) {
    // A running task may still add work: idle threads wait for it rather than leave.
    changed_.wait(lock, [this] { return !queue_.empty() || running_ == 0; });
    if (queue_.empty()) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    task();
    lock.lock();
    --running_;
    if (running_ == 0 && queue_.empty()) changed_.notify_all();
  }
}

}  // namespace pgward::probe
