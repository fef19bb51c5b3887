#include "engine/core/side_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

namespace pgward {
namespace {

// What work on a thread of its own throws reaches the caller from Join, as it would have
// without a thread; the process goes on.
TEST(SideThreadTest, WhatTheSideTaskThrowsReachesJoin) {
  std::atomic<bool> ran = false;
  SideTask task = StartOrRun([&] {
    ran = true;
    throw std::bad_alloc();
  });
  EXPECT_THROW(task.Join(), std::bad_alloc);
  EXPECT_TRUE(ran);
  // Thrown once: a second Join has nothing left to throw.
  EXPECT_NO_THROW(task.Join());
  SideTask quiet = StartOrRun([] {});
  EXPECT_NO_THROW(quiet.Join());
}

// The task is the side thread's own copy: the caller's lambda may be gone before it runs.
TEST(SideThreadTest, TheTaskOutlivesTheCallersTemporary) {
  std::atomic<int> value = 0;
  SideTask task = StartOrRun([&value, add = 42] { value += add; });
  task.Join();
  EXPECT_EQ(value, 42);
}

// Whichever of the threads throws, the caller gets the exception once all have returned.
TEST(SideThreadTest, RunOnThreadsThrowsWhatAnyThreadThrew) {
  for (int thrower = 0; thrower < 4; ++thrower) {
    std::atomic<int> started = 0, returned = 0;
    const auto task = [&] {
      const int me = started++;
      if (me == thrower) throw std::runtime_error("thread " + std::to_string(me));
      ++returned;
    };
    EXPECT_THROW(RunOnThreads(4, task), std::runtime_error) << thrower;
    EXPECT_EQ(started, 4);
    EXPECT_EQ(returned, 3);
  }
}

}  // namespace
}  // namespace pgward
