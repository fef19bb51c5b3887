#pragma once

// Work handed, in order, from the thread that makes it to a thread of its own that consumes it,
// so that making and consuming run side by side. At most `most_pending` items wait, so memory
// stays bounded whatever the input; consumed items come back to the maker as spares, to be
// filled again with the memory they hold. Where no thread can be started (a limit on
// processes), each item is consumed on the maker's thread as it is handed over: slower, never
// cut short. An exception the consumer throws reaches the maker, from its next Give or Finish,
// as it would without a thread; the items after it are dropped.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace pgward {

template <typename Item>
class Handoff {
 public:
  // `consume` is called with each item in turn; the item it leaves is the spare given back.
  // `most_pending` is at least 1.
  Handoff(std::function<void(Item&)> consume, std::size_t most_pending)
      : consume_(std::move(consume)), most_pending_(std::max<std::size_t>(most_pending, 1)) {
    spares_.reserve(most_pending_ + 1);  // the consuming thread never allocates
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error&) {
    }
  }
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;
  // What was not consumed yet is dropped.
  ~Handoff() { Stop(/*abandon=*/true); }

  // Hands `item` over, waiting while `most_pending` items wait, and returns a spare (an item
  // consumed before, or a new one) to fill next.
  Item Give(Item item) {
    if (!thread_.joinable()) {
      consume_(item);
      return item;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return pending_.size() < most_pending_ || failure_; });
    if (failure_) std::rethrow_exception(failure_);
    pending_.push_back(std::move(item));
    changed_.notify_all();
    if (spares_.empty()) return Item();
    Item spare = std::move(spares_.back());
    spares_.pop_back();
    return spare;
  }

  // Returns once every item handed over is consumed.
  void Finish() {
    Stop(/*abandon=*/false);
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  void Stop(bool abandon) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      if (abandon) pending_.clear();
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return closed_ || !pending_.empty(); });
      if (pending_.empty()) return;
      Item item = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      try {
        consume_(item);
      } catch (...) {
        lock.lock();
        failure_ = std::current_exception();
        pending_.clear();
        changed_.notify_all();
        return;
      }
      lock.lock();
      if (spares_.size() <= most_pending_) spares_.push_back(std::move(item));
      changed_.notify_all();
    }
  }

  std::function<void(Item&)> consume_;
  const std::size_t most_pending_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> pending_;
  std::vector<Item> spares_;
  bool closed_ = false;
  std::exception_ptr failure_;  // what the consumer threw, if it did
  std::thread thread_;
};

}  // namespace pgward
