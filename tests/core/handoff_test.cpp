#include "engine/core/handoff.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace pgward {
namespace {

// Items are consumed in the order they were handed over, each once, and come back as spares
// with the memory they held.
TEST(HandoffTest, ConsumesEveryItemInOrderAndGivesSparesBack) {
  std::vector<int> consumed;
  Handoff<std::vector<int>> handoff(
      [&consumed](std::vector<int>& batch) {
        consumed.insert(consumed.end(), batch.begin(), batch.end());
        batch.clear();
      },
      2);
  std::vector<int> batch;
  std::size_t spares_with_room = 0;
  for (int i = 0; i < 1000; ++i) {
    batch.push_back(i);
    if (batch.size() == 10) {
      batch = handoff.Give(std::move(batch));
      EXPECT_TRUE(batch.empty());
      if (batch.capacity() >= 10) ++spares_with_room;
    }
  }
  handoff.Finish();
  ASSERT_EQ(consumed.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(consumed[i], i);
  EXPECT_GT(spares_with_room, 0u);
}

// What the consumer throws is the maker's, as it would be with no thread: at the latest from
// Finish, and nothing after it is consumed.
TEST(HandoffTest, TheConsumersExceptionReachesTheMaker) {
  std::vector<std::string> consumed;
  Handoff<std::string> handoff(
      [&consumed](std::string& item) {
        if (item == "bad") throw std::runtime_error("cannot consume " + item);
        consumed.push_back(item);
      },
      1);
  const auto hand_over = [&] {
    for (const char* item : {"a", "b", "bad", "c", "d", "e"}) handoff.Give(item);
    handoff.Finish();
  };
  EXPECT_THROW(hand_over(), std::runtime_error);
  ASSERT_GE(consumed.size(), 2u);
  EXPECT_EQ(consumed[0], "a");
  EXPECT_EQ(consumed[1], "b");
  EXPECT_EQ(consumed.size(), 2u);
}

}  // namespace
}  // namespace pgward
