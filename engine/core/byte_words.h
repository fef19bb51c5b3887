#pragma once

// Eight bytes of text at a time, for the scans that pass over every byte of a report or a log
// line: a word loaded in place (the first byte of the text in its lowest byte, on the
// little-endian machines pgward is built for), and the lanes where a byte is zero.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace pgward {

static_assert(std::endian::native == std::endian::little);

// 0x01 in every byte: times a byte, that byte in every lane.
inline constexpr std::uint64_t kEachByte = 0x0101010101010101;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080;

inline std::uint64_t Load8(const char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// The high bit of every lane whose byte is zero. A lane above a zero one may be set as well (a
// borrow), never one below the lowest: the lowest set lane is exact.
inline std::uint64_t ZeroBytes(std::uint64_t word) {
  return (word - kEachByte) & ~word & kHighBits;
}

// text.find(needle, from), for the few dozen bytes of a log message: the needle's first byte
// looked for eight bytes at a time in place, and only there the rest compared. libstdc++ calls
// memchr and then memcmp at each candidate, calls that cost more than such short texts.
inline std::size_t FindText(std::string_view text, std::string_view needle, std::size_t from = 0) {
  constexpr std::size_t kNotFound = std::string_view::npos;
  if (from > text.size() || text.size() - from < needle.size()) return kNotFound;
  if (needle.empty()) return from;
  const std::size_t last = text.size() - needle.size();  // where it can start last
  const auto matches_at = [&](std::size_t at) {
    for (std::size_t i = 0; i < needle.size(); ++i) {
      if (text[at + i] != needle[i]) return false;
    }
    return true;
  };
  const std::uint64_t pattern = kEachByte * static_cast<unsigned char>(needle[0]);
  std::size_t at = from;
  for (; text.size() - at >= 8; at += 8) {
    // A high bit for each byte equal to the first, and maybe for bytes after one: checked.
    for (std::uint64_t equal = ZeroBytes(Load8(text.data() + at) ^ pattern); equal != 0;
         equal &= equal - 1) {
      const std::size_t candidate = at + static_cast<std::size_t>(std::countr_zero(equal) / 8);
      if (candidate > last) return kNotFound;
      if (matches_at(candidate)) return candidate;
    }
  }
  for (; at <= last; ++at) {
    if (matches_at(at)) return at;
  }
  return kNotFound;
}

}  // namespace pgward
