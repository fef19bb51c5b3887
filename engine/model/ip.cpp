#include "engine/model/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

namespace pgward {
namespace {

// The number of bits `value` needs: 0 for 0, 128 when its top bit is set.
int BitWidth(IpNumber value) {
  const auto high = static_cast<std::uint64_t>(value >> 64);
  return high != 0 ? 64 + std::bit_width(high)
                   : static_cast<int>(std::bit_width(static_cast<std::uint64_t>(value)));
}

int PopCount(IpNumber value) {
  return std::popcount(static_cast<std::uint64_t>(value >> 64)) +
         std::popcount(static_cast<std::uint64_t>(value));
}

// The lowest `bits` bits set.
IpNumber LowBits(int bits) { return bits == 0 ? 0 : ~IpNumber(0) >> (128 - bits); }

}  // namespace

IpNumber ToIpNumber(const IpAddress& address) {
  IpNumber value = 0;
  for (size_t i = 0; i < address.size(); ++i) value = (value << 8) | address.bytes[i];
  return value;
}

IpAddress FromIpNumber(IpNumber value, IpFamily family) {
  IpAddress address;
  address.family = family;
  for (size_t i = address.size(); i-- > 0;) {
    address.bytes[i] = static_cast<std::uint8_t>(value & 0xff);
    value >>= 8;
  }
  return address;
}

bool IpRange::Contains(const IpAddress& address) const {
  return address.family == first.family && first <= address && address <= last;
}

bool IpRange::Contains(const IpRange& other) const {
  return Contains(other.first) && Contains(other.last);
}

bool IpRange::Overlaps(const IpRange& other) const {
  return first.family == other.first.family && first <= other.last && other.first <= last;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  const std::string terminated(text);
  IpAddress address;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = IpFamily::kV4;
    return address;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = IpFamily::kV6;
    return address;
  }
  return std::nullopt;
}

IpRange PrefixRange(const IpAddress& address, int prefix_length) {
  IpRange range{address, address};
  const int bits = static_cast<int>(address.size()) * 8;
  for (int bit = prefix_length; bit < bits; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    range.first.bytes[bit / 8] &= static_cast<std::uint8_t>(~mask);
    range.last.bytes[bit / 8] |= mask;
  }
  return range;
}

std::optional<IpRange> ParseIpRange(std::string_view text) {
  const size_t slash = text.find('/');
  const std::optional<IpAddress> address = ParseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  const int bits = static_cast<int>(address->size()) * 8;
  if (slash == std::string_view::npos) return PrefixRange(*address, bits);
  const std::string_view digits = text.substr(slash + 1);
  int prefix = -1;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      prefix < 0 || prefix > bits) {
    return std::nullopt;
  }
  return PrefixRange(*address, prefix);
}

std::optional<int> MaskPrefixLength(const IpAddress& mask) {
  const int bits = static_cast<int>(mask.size()) * 8;
  // Contiguous when the bits the mask leaves out are all the lowest ones.
  const IpNumber host = ~ToIpNumber(mask) & LowBits(bits);
  if ((host & (host + 1)) != 0) return std::nullopt;
  return bits - PopCount(host);
}

static_assert(kIpAddressTextBytes == INET6_ADDRSTRLEN);

namespace {

// The decimal text of every byte value, each in four bytes: up to three digits, then the count.
constexpr std::array<std::array<char, 4>, 256> kByteTexts = [] {
  std::array<std::array<char, 4>, 256> texts{};
  for (unsigned value = 0; value < 256; ++value) {
    std::array<char, 4>& text = texts[value];
    const char digits[3] = {static_cast<char>('0' + value / 100),
                            static_cast<char>('0' + value / 10 % 10),
                            static_cast<char>('0' + value % 10)};
    const unsigned count = value >= 100 ? 3 : value >= 10 ? 2 : 1;
    for (unsigned i = 0; i < count; ++i) text[i] = digits[3 - count + i];
    text[3] = static_cast<char>(count);
  }
  return texts;
}();

// Each byte's text copied whole from the table, its count taken: a large listing writes many
// addresses, and std::to_chars divides.
char* WriteIpv4(const std::uint8_t* bytes, char* out) {
  for (size_t i = 0; i < 4; ++i) {
    if (i > 0) *out++ = '.';
    const std::array<char, 4>& text = kByteTexts[bytes[i]];
    std::memcpy(out, text.data(), 3);
    out += text[3];
  }
  return out;
}

}  // namespace

// By hand, as glibc's inet_ntop() writes it (resolv/inet_ntop.c, inet_ntop6), which formats each
// part with sprintf: a large file lists many addresses.
char* WriteIpAddress(const IpAddress& address, char* out) {
  const std::uint8_t* bytes = address.bytes.data();
  if (address.family == IpFamily::kV4) return WriteIpv4(bytes, out);
  std::array<unsigned, 8> words{};
  for (size_t i = 0; i < 8; ++i) words[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
  // The first of the longest runs of zero words, if two or more long, becomes "::".
  int best_base = -1, best_length = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int end = i;
    while (end < 8 && words[end] == 0) ++end;
    if (end - i > best_length) {
      best_base = i;
      best_length = end - i;
    }
    i = end;
  }
  if (best_length < 2) best_base = -1;
  for (int i = 0; i < 8; ++i) {
    if (best_base != -1 && i >= best_base && i < best_base + best_length) {
      if (i == best_base) *out++ = ':';
      continue;
    }
    if (i != 0) *out++ = ':';
    // An IPv4-compatible (::a.b.c.d) or IPv4-mapped (::ffff:a.b.c.d) address ends in a quad.
    if (i == 6 && best_base == 0 &&
        (best_length == 6 || (best_length == 5 && words[5] == 0xffff))) {
      return WriteIpv4(bytes + 12, out);
    }
    out = std::to_chars(out, out + 4, words[i], 16).ptr;
  }
  if (best_base != -1 && best_base + best_length == 8) *out++ = ':';
  return out;
}

std::string FormatIpAddress(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN];
  return std::string(text, WriteIpAddress(address, text));
}

std::optional<IpRange> ParseFormattedIpRange(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return ParseIpRange(text);
  const std::optional<IpAddress> first = ParseIpAddress(text.substr(0, dash));
  const std::optional<IpAddress> last = ParseIpAddress(text.substr(dash + 1));
  if (!first || !last || first->family != last->family || *last < *first) return std::nullopt;
  return IpRange{*first, *last};
}

std::optional<IpAddress> NextAddress(IpAddress address) {
  for (size_t i = address.size(); i-- > 0;) {
    if (address.bytes[i]++ != 0xff) return address;
  }
  return std::nullopt;
}

std::optional<IpAddress> PreviousAddress(IpAddress address) {
  for (size_t i = address.size(); i-- > 0;) {
    if (address.bytes[i]-- != 0x00) return address;
  }
  return std::nullopt;
}

std::vector<IpRange> CidrBlocks(const IpRange& range) {
  const int bits = static_cast<int>(range.first.size()) * 8;
  std::vector<IpRange> blocks;
  std::optional<IpAddress> cursor = range.first;
  while (cursor && !(range.last < *cursor)) {
    // The widest block that starts at the cursor (its low bits are zero) and ends in range.
    int prefix = bits;
    while (prefix > 0) {
      const IpRange wider = PrefixRange(*cursor, prefix - 1);
      if (wider.first != *cursor || range.last < wider.last) break;
      --prefix;
    }
    const IpRange block = PrefixRange(*cursor, prefix);
    blocks.push_back(block);
    cursor = NextAddress(block.last);
  }
  return blocks;
}

std::string FormatIpRange(const IpRange& range) {
  // A CIDR block: first and last share a prefix, below which first has only zeros and last only
  // ones. Written into one buffer, as every range of an access map is formatted.
  const IpNumber first = ToIpNumber(range.first), last = ToIpNumber(range.last);
  const int host_bits = BitWidth(first ^ last);
  const IpNumber host = LowBits(host_bits);
  char text[2 * INET6_ADDRSTRLEN];
  char* end = WriteIpAddress(range.first, text);
  if ((first & host) == 0 && (last & host) == host) {
    *end++ = '/';
    end =
        std::to_chars(end, text + sizeof text, static_cast<int>(range.first.size()) * 8 - host_bits)
            .ptr;
  } else {
    *end++ = '-';
    end = WriteIpAddress(range.last, end);
  }
  return std::string(text, end);
}

std::vector<IpRange> Outside(const IpRange& range, std::vector<IpRange> allowed) {
  std::sort(allowed.begin(), allowed.end(),
            [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
  std::vector<IpRange> outside;
  std::optional<IpAddress> cursor = range.first;
  for (const IpRange& inside : allowed) {
    if (!cursor || inside.first.family != range.first.family) continue;
    if (inside.last < *cursor || range.last < inside.first) continue;
    if (*cursor < inside.first) outside.push_back({*cursor, *PreviousAddress(inside.first)});
    if (!(inside.last < range.last)) return outside;
    cursor = std::max(*cursor, *NextAddress(inside.last));
  }
  if (cursor) outside.push_back({*cursor, range.last});
  return outside;
}

}  // namespace pgward
