#include "engine/model/ip.h"

#include <arpa/inet.h>

#include <charconv>

namespace pgward {

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
  int length = 0;
  bool in_zeros = false;
  for (size_t i = 0; i < mask.size() * 8; ++i) {
    const bool one = (mask.bytes[i / 8] & (0x80 >> (i % 8))) != 0;
    if (one && in_zeros) return std::nullopt;
    if (one) ++length;
    in_zeros = in_zeros || !one;
  }
  return length;
}

std::string FormatIpAddress(const IpAddress& address) {
  if (address.family == IpFamily::kV4) {
    // By hand: glibc's inet_ntop() formats IPv4 with sprintf, and every access range is printed.
    char text[16];
    char* end = text;
    for (size_t i = 0; i < 4; ++i) {
      if (i > 0) *end++ = '.';
      end = std::to_chars(end, text + sizeof text, address.bytes[i]).ptr;
    }
    return std::string(text, end);
  }
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop(address.family == IpFamily::kV4 ? AF_INET : AF_INET6, address.bytes.data(), text,
            sizeof text);
  return text;
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
  // ones. One pass over the bits (every range of an access map is formatted).
  const size_t bits = range.first.size() * 8;
  auto bit = [](const IpAddress& address, size_t i) {
    return (address.bytes[i / 8] & (0x80 >> (i % 8))) != 0;
  };
  size_t prefix = 0;
  while (prefix < bits && bit(range.first, prefix) == bit(range.last, prefix)) ++prefix;
  for (size_t i = prefix; i < bits; ++i) {
    if (bit(range.first, i) || !bit(range.last, i)) {
      return FormatIpAddress(range.first) + "-" + FormatIpAddress(range.last);
    }
  }
  return FormatIpAddress(range.first) + "/" + std::to_string(prefix);
}

}  // namespace pgward
