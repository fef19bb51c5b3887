#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgward {

enum class IpFamily : std::uint8_t { kV4 = 4, kV6 = 6 };

// An IPv4 or IPv6 address. IPv4 addresses use the first 4 bytes; families never mix (the
// server does not match an IPv4 rule against ::ffff:a.b.c.d, and neither does pgward).
struct IpAddress {
  IpFamily family = IpFamily::kV4;
  std::array<std::uint8_t, 16> bytes{};

  size_t size() const { return family == IpFamily::kV4 ? 4 : 16; }
  auto operator<=>(const IpAddress&) const = default;
};

// An inclusive range of addresses of one family: what a CIDR, an address + netmask with a
// contiguous mask, or a piece of the access map covers.
struct IpRange {
  IpAddress first;
  IpAddress last;

  bool Contains(const IpAddress& address) const;
  bool Contains(const IpRange& other) const;
  bool Overlaps(const IpRange& other) const;
  auto operator<=>(const IpRange&) const = default;
};

// An address as a number, its family's bits the lowest: ranges as spans of numbers (the access
// map's sweep) and CIDR blocks as bit masks.
using IpNumber = unsigned __int128;
IpNumber ToIpNumber(const IpAddress& address);
IpAddress FromIpNumber(IpNumber value, IpFamily family);

// Strictly numeric parsing (inet_pton): "10.0.0.1", "::1". No host names, no inet_aton forms.
std::optional<IpAddress> ParseIpAddress(std::string_view text);
// "10.0.0.0/8", "2001:db8::/32", or a single address (a /32 or /128 range).
std::optional<IpRange> ParseIpRange(std::string_view text);
// What FormatIpRange writes: a CIDR block, or "first-last".
std::optional<IpRange> ParseFormattedIpRange(std::string_view text);
// The range of `address` under a prefix length (bits beyond it cleared / set).
IpRange PrefixRange(const IpAddress& address, int prefix_length);
// The prefix length when the mask is contiguous (ones then zeros), else nullopt.
std::optional<int> MaskPrefixLength(const IpAddress& mask);

// The address after / before `address` in its family; nullopt past the ends.
std::optional<IpAddress> NextAddress(IpAddress address);
std::optional<IpAddress> PreviousAddress(IpAddress address);
// The fewest CIDR blocks that make up `range`, in order.
std::vector<IpRange> CidrBlocks(const IpRange& range);
// The parts of `range` outside every range of `allowed` (of any family), in order.
std::vector<IpRange> Outside(const IpRange& range, std::vector<IpRange> allowed);

// inet_ntop text: IPv6 compressed and lower case.
std::string FormatIpAddress(const IpAddress& address);
// The same text written at `out`, which has room for kIpAddressTextBytes (INET6_ADDRSTRLEN);
// returns its end. The bytes after the end, within that room, may be overwritten.
inline constexpr std::size_t kIpAddressTextBytes = 46;
char* WriteIpAddress(const IpAddress& address, char* out);
// "10.0.0.0/8" when the range is a CIDR block, otherwise "first-last".
std::string FormatIpRange(const IpRange& range);

}  // namespace pgward
