#pragma once

// UTF-8 decoding for text that may hold any bytes (names a server returns, files under review).

#include <cstddef>
#include <string_view>

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

}  // namespace pgward
