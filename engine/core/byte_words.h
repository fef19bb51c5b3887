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

// The high bit of every lane whose byte is no ASCII digit: exact in every lane, as no carry
// crosses one (a byte xored with '0' is its digit's value, or 10 and more for any other byte).
inline std::uint64_t NonDigitBytes(std::uint64_t word) {
  const std::uint64_t values = word ^ (kEachByte * '0');
  return (((values & ~kHighBits) + kEachByte * 0x76) | values) & kHighBits;
}

// Whether `size` bytes at `a` and at `b` are the same: a word at a time in place, the last word
// first (a timestamp differs from the one before it in its last digits), without a call to
// memcmp, which costs more than comparing the few dozen bytes this is used for.
inline bool SameBytes(const char* a, const char* b, std::size_t size) {
  if (size < 8) {
    for (std::size_t i = 0; i < size; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  if (Load8(a + size - 8) != Load8(b + size - 8)) return false;
  for (std::size_t at = 0; at + 8 < size; at += 8) {
    if (Load8(a + at) != Load8(b + at)) return false;
  }
  return true;
}

// Where a needle whose first byte is `first` starts first in `text`, from `from` to `last` (where
// it can start last: from <= last < text.size(), which the caller checks), as `matches_at(at)`
// confirms; npos if nowhere. The first byte is looked for eight bytes at a time, in place: the
// texts searched (a log message, a value before a prefix's literal) are a few dozen bytes,
// shorter than a call to memchr pays for.
template <typename MatchesAt>
std::size_t FindFirstByte(std::string_view text, char first, std::size_t from, std::size_t last,
                          MatchesAt&& matches_at) {
  const std::uint64_t pattern = kEachByte * static_cast<unsigned char>(first);
  std::size_t at = from;
  for (; text.size() - at >= 8; at += 8) {
    // A high bit for each byte equal to `first`, and maybe for bytes after one: checked.
    for (std::uint64_t equal = ZeroBytes(Load8(text.data() + at) ^ pattern); equal != 0;
         equal &= equal - 1) {
      const std::size_t candidate = at + static_cast<std::size_t>(std::countr_zero(equal) / 8);
      if (candidate > last) return std::string_view::npos;
      if (text[candidate] == first && matches_at(candidate)) return candidate;
    }
  }
  for (; at <= last; ++at) {
    if (text[at] == first && matches_at(at)) return at;
  }
  return std::string_view::npos;
}

// text.find(needle, from), for the few dozen bytes of a log message: libstdc++ calls memchr and
// then memcmp at each candidate, calls that cost more than such short texts.
inline std::size_t FindText(std::string_view text, std::string_view needle, std::size_t from = 0) {
  if (from > text.size() || text.size() - from < needle.size()) return std::string_view::npos;
  if (needle.empty()) return from;
  const std::size_t size = needle.size();
  return FindFirstByte(text, needle[0], from, text.size() - size, [&](std::size_t at) {
    // A needle of 8 bytes or more (" application_name=") a word at a time: a byte at a time
    // costs more than the search.
    if (size >= 8) return SameBytes(text.data() + at, needle.data(), size);
    for (std::size_t i = 1; i < size; ++i) {
      if (text[at + i] != needle[i]) return false;
    }
    return true;
  });
}

}  // namespace pgward
