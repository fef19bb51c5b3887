#pragma once

// UTF-8 decoding for text that may hold any bytes (names a server returns, files under review).

#include <cstddef>
#include <cstdint>

#include <string_view>
#include "engine/core/byte_words.h"

namespace pgward {

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

struct Utf8Char {
  char32_t code_point = 0;  // when valid
  std::size_t length = 1;   // bytes taken, at least one
  bool valid = false;
};

// The character at `text[i]`. A sequence that is not well-formed (overlong forms, surrogates,
// values past U+10FFFF, a truncated sequence) is invalid and takes its maximal subpart: the
// longest prefix of a well-formed sequence, at least one byte (Unicode 15, section 3.9, D93b).
// Each invalid sequence stands for one U+FFFD, as nlohmann::json's replace handler counts them.
Utf8Char NextUtf8(std::string_view text, std::size_t i);

// Whether the eight bytes of `word` are all printable ASCII (0x20 to 0x7E) other than the bytes
// of `stops` and `other_stops` (a byte times kEachByte).
inline bool PrintableWord(std::uint64_t word, std::uint64_t stops, std::uint64_t other_stops) {
  // The high bit of a byte's lane is set by a byte below 0x20 (a borrow, which only such a byte
  // starts), one above 0x7E (a carry, or its own high bit) or a stop byte.
  const std::uint64_t outside =
      (((word - kEachByte * 0x20) & ~word) | (word + kEachByte) | word) & kHighBits;
  return (outside | ZeroBytes(word ^ stops) | ZeroBytes(word ^ other_stops)) == 0;
}

// Where the run of printable ASCII (0x20 to 0x7E) that starts at `text[i]` ends, stopping also at
// `stop` and `other_stop` (bytes a format escapes). Reports pass over every byte of their text, and
// most of it is such runs: they are passed eight bytes at a time.
inline std::size_t PrintableAsciiEnd(std::string_view text, std::size_t i, char stop = '\0',
                                     char other_stop = '\0') {
  const std::uint64_t stops = kEachByte * static_cast<unsigned char>(stop);
  const std::uint64_t other_stops = kEachByte * static_cast<unsigned char>(other_stop);
  for (; i + 8 <= text.size(); i += 8) {
    if (!PrintableWord(Load8(text.data() + i), stops, other_stops)) break;
  }
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < 0x20 || c > 0x7E || c == stop || c == other_stop) break;
  }
  return i;
}

}  // namespace pgward
