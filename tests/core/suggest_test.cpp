#include "engine/core/suggest.h"

#include <gtest/gtest.h>

#include <array>

namespace pgward {
namespace {

constexpr std::array<std::string_view, 5> kCommands = {"scan", "collect", "probe", "hba", "policy"};

TEST(ClosestMatchTest, SuggestsTheIntendedWordForCommonTypos) {
  EXPECT_EQ(closest_match("scna", kCommands), "scan");       // transposition
  EXPECT_EQ(closest_match("colect", kCommands), "collect");  // deletion
  EXPECT_EQ(closest_match("probes", kCommands), "probe");    // insertion
  EXPECT_EQ(closest_match("polcy", kCommands), "policy");
}

TEST(ClosestMatchTest, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(closest_match("frobnicate", kCommands), std::nullopt);
  EXPECT_EQ(closest_match("x", kCommands), std::nullopt);
  EXPECT_EQ(closest_match("", kCommands), std::nullopt);
}

TEST(ClosestMatchTest, PrefersTheNearestAndThenTheEarliestCandidate) {
  constexpr std::array<std::string_view, 3> names = {"ssl_ciphers", "ssl_cipher", "ssl_ciphe"};
  EXPECT_EQ(closest_match("ssl_cipher", names), "ssl_cipher");
  constexpr std::array<std::string_view, 2> tied = {"abcd", "abce"};
  EXPECT_EQ(closest_match("abcf", tied), "abcd");
}

}  // namespace
}  // namespace pgward
