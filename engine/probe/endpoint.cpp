#include "engine/probe/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace pgward::probe {
namespace {

Error Invalid(std::string_view text, std::string_view why) {
  return {ErrorKind::kInvalidArgument,
          "invalid target '" + std::string(text) + "': " + std::string(why)};
}

bool IsIpv6Literal(const std::string& text) {
  in6_addr ignored;
  return inet_pton(AF_INET6, text.c_str(), &ignored) == 1;
}

}  // namespace

bool IsIpAddress(const std::string& text) {
  in_addr ignored;
  return inet_pton(AF_INET, text.c_str(), &ignored) == 1 || IsIpv6Literal(text);
}

Expected<Endpoint> ParseEndpoint(std::string_view text) {
  Endpoint endpoint;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid(text, "missing ']'");
    endpoint.host = std::string(text.substr(1, close - 1));
    if (!IsIpv6Literal(endpoint.host)) return Invalid(text, "not an IPv6 address in brackets");
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return Invalid(text, "expected ':PORT' after ']'");
      port = rest.substr(1);
      if (port.empty()) return Invalid(text, "empty port");
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    endpoint.host = std::string(text);
    if (!IsIpv6Literal(endpoint.host)) {
      return Invalid(text, "an IPv6 address with a port is written [ADDRESS]:PORT");
    }
  } else {
    const std::size_t colon = text.find(':');
    endpoint.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return Invalid(text, "empty port");
    }
  }
  if (endpoint.host.empty()) return Invalid(text, "empty host");
  if (std::any_of(endpoint.host.begin(), endpoint.host.end(),
                  [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
    return Invalid(text, "blank or control character in the host");
  }
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return Invalid(text, "the port must be a number from 1 to 65535");
    }
    endpoint.port = std::stoi(std::string(port));
    if (endpoint.port < 1 || endpoint.port > 65535) {
      return Invalid(text, "the port must be a number from 1 to 65535");
    }
  }
  return endpoint;
}

}  // namespace pgward::probe
