// AppendJsonString against nlohmann::json, whose dump() with the replace handler fingerprints
// and reports were made with before: the same bytes for any input, invalid UTF-8 included, so a
// fingerprint never changes with the escaper.
#include "engine/core/json_string.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "engine/core/utf8.h"

namespace pgward {
namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

std::string Nlohmann(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonStringTest, InvalidSequencesAreReplacedAsNlohmannReplacesThem) {
  // Truncated sequences, overlong forms, surrogates, values past U+10FFFF, stray continuation
  // bytes, bytes that never start a sequence, and a good byte right after a bad prefix.
  for (const std::string& bytes :
       {std::string("caf\xe9"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("\xf4\x90\x80\x80"), std::string("ok\xe2\x9c"), std::string("\xe2\x82(x"),
        std::string("\xf0\x9f\x98"), std::string("\x80\xbf"), std::string("\xff\xfe"),
        std::string("\xe0\x80\x80"), std::string(1, '\0') + "\xff" + "\x7f\x1b[31m"}) {
    EXPECT_EQ(Escaped(bytes), Nlohmann(bytes))
        << nlohmann::json(bytes).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    EXPECT_TRUE(nlohmann::json::accept(Escaped(bytes)));
  }
}

TEST(JsonStringTest, RandomBytesMatchNlohmann) {
  std::mt19937 random(20261203);
  // Bytes weighted towards the interesting ones: controls, quotes, lead and continuation bytes.
  static constexpr unsigned char kBytes[] = {'a',  '"',  '\\', '\n', '\t', 0x01, 0x1f, 0x7f,
                                             0x80, 0xbf, 0xc2, 0xc0, 0xdf, 0xe0, 0xed, 0xef,
                                             0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x90, 0x8f, 0x9f};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t length = random() % 10;
    for (size_t i = 0; i < length; ++i) {
      text += static_cast<char>(random() % 3 == 0 ? random() % 256
                                                  : kBytes[random() % std::size(kBytes)]);
    }
    ASSERT_EQ(Escaped(text), Nlohmann(text))
        << nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
}

// The eight-bytes-at-a-time scan stops where a byte-by-byte one does: at every offset of strings
// longer than a few words, around the bytes at the edges of the range and the stop bytes.
TEST(Utf8Test, PrintableAsciiEndStopsWhereAByteByByteScanStops) {
  std::mt19937 random(20261205);
  constexpr char kEdges[] = {0x00, 0x1f, 0x20, 0x21, '"', '\\', 0x7e, 0x7f, '\x80', '\xfe', '\xff'};
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 40, 'a');
    for (char& c : text) {
      if (random() % 8 == 0) c = kEdges[random() % std::size(kEdges)];
    }
    const size_t start = text.empty() ? 0 : random() % text.size();
    for (const auto& [stop, other_stop] : {std::pair{'\0', '\0'}, std::pair{'"', '\\'}}) {
      size_t expected = start;
      while (expected < text.size() && text[expected] >= 0x20 && text[expected] <= 0x7e &&
             text[expected] != stop && text[expected] != other_stop) {
        ++expected;
      }
      ASSERT_EQ(PrintableAsciiEnd(text, start, stop, other_stop), expected)
          << testing::PrintToString(text) << " from " << start;
    }
  }
}

TEST(Utf8Test, WellFormedCharactersDecodeToTheirCodePoints) {
  const std::string text = "a\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80";
  const char32_t expected[] = {U'a', U'\u00e9', U'\u2713', U'\U0001F600'};
  size_t i = 0;
  for (const char32_t code_point : expected) {
    const Utf8Char next = NextUtf8(text, i);
    ASSERT_TRUE(next.valid);
    EXPECT_EQ(next.code_point, code_point);
    i += next.length;
  }
  EXPECT_EQ(i, text.size());
}

}  // namespace
}  // namespace pgward
