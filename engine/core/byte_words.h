#pragma once

// Eight bytes of text at a time, for the scans that pass over every byte of a report or a log
// line: a word loaded in place (the first byte of the text in its lowest byte, on the
// little-endian machines pgward is built for), and the lanes where a byte is zero.

#include <bit>
#include <cstdint>
#include <cstring>

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

}  // namespace pgward
