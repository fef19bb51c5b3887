#pragma once

// HOST[:PORT] as `pgward probe` takes it.

#include <string>
#include <string_view>

#include "engine/probe/error.h"

namespace pgward::probe {

inline constexpr int kDefaultPostgresqlPort = 5432;

struct Endpoint {
  std::string host;  // a name or an IP literal, IPv6 without its brackets
  int port = kDefaultPostgresqlPort;
};

// True for an IPv4 or IPv6 address literal (IPv6 without brackets).
bool IsIpAddress(const std::string& text);

// "db.example.com", "db.example.com:6432", "192.0.2.7:5432", "[::1]:5432", "[::1]" and a bare
// IPv6 literal ("::1", which cannot carry a port). Errors are kInvalidArgument.
Expected<Endpoint> ParseEndpoint(std::string_view text);

}  // namespace pgward::probe
