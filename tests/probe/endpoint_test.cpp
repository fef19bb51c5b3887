// HOST[:PORT] parsing for `pgward probe`.
#include "engine/probe/endpoint.h"

#include <gtest/gtest.h>

namespace pgward::probe {
namespace {

struct Parsed {
  std::string host;
  int port;
};

Parsed ParseOrFail(std::string_view text) {
  const Expected<Endpoint> endpoint = ParseEndpoint(text);
  EXPECT_TRUE(endpoint.has_value()) << text << ": " << endpoint.error().message;
  if (!endpoint) return {};
  return {endpoint->host, endpoint->port};
}

TEST(ProbeEndpointTest, HostAloneTakesThePostgresqlPort) {
  const Parsed parsed = ParseOrFail("db.example.com");
  EXPECT_EQ(parsed.host, "db.example.com");
  EXPECT_EQ(parsed.port, 5432);
}

TEST(ProbeEndpointTest, HostAndPort) {
  const Parsed name = ParseOrFail("db.example.com:6432");
  EXPECT_EQ(name.host, "db.example.com");
  EXPECT_EQ(name.port, 6432);
  const Parsed ipv4 = ParseOrFail("192.0.2.7:1");
  EXPECT_EQ(ipv4.host, "192.0.2.7");
  EXPECT_EQ(ipv4.port, 1);
}

TEST(ProbeEndpointTest, Ipv6InBracketsWithOrWithoutPort) {
  const Parsed with_port = ParseOrFail("[::1]:5433");
  EXPECT_EQ(with_port.host, "::1");
  EXPECT_EQ(with_port.port, 5433);
  const Parsed without_port = ParseOrFail("[2001:db8::7]");
  EXPECT_EQ(without_port.host, "2001:db8::7");
  EXPECT_EQ(without_port.port, 5432);
}

TEST(ProbeEndpointTest, BareIpv6LiteralIsAHostWithoutPort) {
  const Parsed parsed = ParseOrFail("fe80::1");
  EXPECT_EQ(parsed.host, "fe80::1");
  EXPECT_EQ(parsed.port, 5432);
}

TEST(ProbeEndpointTest, InvalidTargetsSayWhy) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "empty host"},
      {":5432", "empty host"},
      {"host:", "empty port"},
      {"host:0", "from 1 to 65535"},
      {"host:65536", "from 1 to 65535"},
      {"host:54x", "from 1 to 65535"},
      {"host:-1", "from 1 to 65535"},
      {"host:123456", "from 1 to 65535"},
      {"[::1", "missing ']'"},
      {"[::1]5432", "expected ':PORT'"},
      {"[::1]:", "empty port"},
      {"[db.example.com]:5432", "not an IPv6 address"},
      {"2001:db8::1:5432:x", "[ADDRESS]:PORT"},
      {"a b:5432", "blank or control character"},
  };
  for (const auto& [text, reason] : cases) {
    const Expected<Endpoint> endpoint = ParseEndpoint(text);
    ASSERT_FALSE(endpoint.has_value()) << text;
    EXPECT_EQ(endpoint.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(endpoint.error().message.find(reason), std::string::npos)
        << text << ": " << endpoint.error().message;
  }
}

}  // namespace
}  // namespace pgward::probe
