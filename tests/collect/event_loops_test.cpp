#include "engine/collect/event_loops.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>

namespace pgward::collect {
namespace {

// A loop that throws on a thread of its own (no memory left) does not end the process: the
// caller gets the exception once every loop has returned.
TEST(EventLoopsTest, WhatALoopThrowsReachesTheCaller) {
  for (std::size_t thrower = 0; thrower < 3; ++thrower) {
    std::atomic<int> returned = 0;
    EXPECT_THROW(RunLoops(3,
                          [&](std::size_t number, std::size_t loops) {
                            EXPECT_EQ(loops, 3u);
                            if (number == thrower) throw std::bad_alloc();
                            ++returned;
                          }),
                 std::bad_alloc)
        << thrower;
    EXPECT_EQ(returned, 2);
  }
}

}  // namespace
}  // namespace pgward::collect
