#include "engine/core/suggest.h"

#include <gtest/gtest.h>

#include <array>

namespace pgward {
namespace {

constexpr std::array<std::string_view, 5> kCommands = {"scan", "collect", "probe", "hba", "policy"};

TEST(ClosestMatchTest, SuggestsTheIntendedWordForCommonTypos) {
  EXPECT_EQ(ClosestMatch("scna", kCommands), "scan");       // transposition
  EXPECT_EQ(ClosestMatch("colect", kCommands), "collect");  // deletion
  EXPECT_EQ(ClosestMatch("probes", kCommands), "probe");    // insertion
  EXPECT_EQ(ClosestMatch("polcy", kCommands), "policy");
}

TEST(ClosestMatchTest, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(ClosestMatch("frobnicate", kCommands), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", kCommands), std::nullopt);
  EXPECT_EQ(ClosestMatch("", kCommands), std::nullopt);
}

TEST(ClosestMatchTest, PrefersTheNearestAndThenTheEarliestCandidate) {
  constexpr std::array<std::string_view, 3> names = {"ssl_ciphers", "ssl_cipher", "ssl_ciphe"};
  EXPECT_EQ(ClosestMatch("ssl_cipher", names), "ssl_cipher");
  constexpr std::array<std::string_view, 2> tied = {"abcd", "abce"};
  EXPECT_EQ(ClosestMatch("abcf", tied), "abcd");
}

}  // namespace
}  // namespace pgward
