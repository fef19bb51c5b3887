#include "engine/probe/task_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>

namespace pgward::probe {
namespace {

// Tasks that add tasks all run, on every thread.
TEST(TaskPoolTest, RunsEveryTaskAndThoseTheyAdd) {
  TaskPool pool;
  std::atomic<int> ran = 0;
  for (int i = 0; i < 10; ++i) {
    pool.Add([&] {
      ++ran;
      for (int j = 0; j < 10; ++j) pool.Add([&] { ++ran; });
    });
  }
  pool.Run(4);
  EXPECT_EQ(ran, 110);
}

// A task that throws (no memory left) ends the run, on whichever thread it ran: the exception
// reaches the caller, and no thread waits for ever for the tasks it would have added.
TEST(TaskPoolTest, WhatATaskThrowsEndsTheRunAndReachesTheCaller) {
  for (const int threads : {1, 2, 8}) {
    TaskPool pool;
    std::atomic<int> ran = 0;
    for (int i = 0; i < 20; ++i) {
      pool.Add([&, i] {
        ++ran;
        if (i == 5) throw std::bad_alloc();
        pool.Add([&] { ++ran; });
      });
    }
    EXPECT_THROW(pool.Run(threads), std::bad_alloc) << threads;
    EXPECT_LT(ran, 40) << threads;
  }
}

}  // namespace
}  // namespace pgward::probe
