#include "engine/core/byte_words.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace pgward {
namespace {

// FindText against std::string_view::find, on texts and needles made of a few letters so that
// partial matches, overlapping ones and first bytes with no match after them are common, at every
// start and across the eight-byte words it reads (values 0x01 above a match, where a word's
// borrow can flag a byte that is not the needle's first, included).
TEST(FindTextTest, AgreesWithStringViewFind) {
  std::uint32_t state = 7;
  const auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return (state >> 8) & 0xffffff;
  };
  constexpr char kLetters[] = {'a', 'b', ',', ' ', '\x01', '\x00'};
  for (int round = 0; round < 20000; ++round) {
    std::string text(next() % 40, ' '), needle(next() % 5, ' ');
    for (char& c : text) c = kLetters[next() % std::size(kLetters)];
    for (char& c : needle) c = kLetters[next() % std::size(kLetters)];
    const std::size_t from = next() % (text.size() + 3);
    ASSERT_EQ(FindText(text, needle, from), std::string_view(text).find(needle, from))
        << "text of " << text.size() << " bytes, needle of " << needle.size() << ", from " << from;
  }
}

TEST(FindTextTest, FindsTheFirstOfRepeatedNeedles) {
  const std::string_view text = "user=a user=b database=c database=d";
  EXPECT_EQ(FindText(text, " database="), 13u);
  EXPECT_EQ(FindText(text, " database=", 14), 24u);
  EXPECT_EQ(FindText(text, "user=", 1), 7u);
  EXPECT_EQ(FindText(text, "cipher="), std::string_view::npos);
}

}  // namespace
}  // namespace pgward
