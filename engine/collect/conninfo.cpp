#include "engine/collect/conninfo.h"

#include <algorithm>

namespace pgward::collect {
namespace {

constexpr std::string_view kReplicaKeywords[] = {
    "host", "hostaddr", "port", "sslmode", "channel_binding", "require_auth", "service"};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

bool IsReplicaKeyword(std::string_view keyword) {
  return std::ranges::find(kReplicaKeywords, keyword) != std::end(kReplicaKeywords);
}

bool IsConninfoUri(std::string_view conninfo) {
  return conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://");
}

std::optional<std::map<std::string, std::string, std::less<>>> ParseKeywordConninfo(
    std::string_view conninfo) {
  if (IsConninfoUri(conninfo)) return std::nullopt;
  std::map<std::string, std::string, std::less<>> keywords;
  std::string keyword, value;
  size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < conninfo.size() && IsSpace(conninfo[i])) ++i;
  };
  // A value is kept once it is whole (at the next keyword or the end), not after every bare
  // word: a string of many bare words costs its length, not its square.
  const auto keep = [&] {
    if (IsReplicaKeyword(keyword)) keywords[keyword] = value;
  };
  while (true) {
    skip_spaces();
    if (i == conninfo.size()) break;
    std::string word;
    while (i < conninfo.size() && conninfo[i] != '=' && !IsSpace(conninfo[i])) {
      word += conninfo[i++];
    }
    skip_spaces();
    if (i == conninfo.size() || conninfo[i] != '=') {
      // A bare word: the rest of an unquoted value with spaces.
      value += ' ' + word;
      continue;
    }
    ++i;  // '='
    skip_spaces();
    keep();
    keyword = word;
    value.clear();
    const bool quoted = i < conninfo.size() && conninfo[i] == '\'';
    i += quoted;
    while (true) {
      if (i == conninfo.size()) {
        if (quoted) return std::nullopt;
        break;
      }
      const char c = conninfo[i];
      if (quoted ? c == '\'' : IsSpace(c)) {
        i += quoted;
        break;
      }
      ++i;
      value += c == '\\' && i < conninfo.size() ? conninfo[i++] : c;
    }
  }
  keep();
  return keywords;
}

ReplicaConnection ReadReplicaConnection(
    const std::map<std::string, std::string, std::less<>>& keywords, int server_version) {
  const auto given = [&](std::string_view keyword) -> std::optional<std::string> {
    const auto found = keywords.find(keyword);
    if (found == keywords.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
  ReplicaConnection connection;
  connection.host = given("host");
  if (!connection.host) connection.host = given("hostaddr");
  if (connection.host && connection.host->find('@') != std::string::npos) connection.host.reset();
  connection.port = given("port");
  if (connection.port && !std::ranges::all_of(*connection.port, [](char c) {
        return (c >= '0' && c <= '9') || c == ',';
      })) {
    connection.port.reset();
  }
  const bool service = given("service").has_value();
  connection.sslmode = given("sslmode");
  if (!connection.sslmode && !service) connection.sslmode = "prefer";
  connection.channel_binding = given("channel_binding");
  if (!connection.channel_binding && !service) {
    connection.channel_binding = server_version >= 130000 ? "prefer" : "disable";
  }
  connection.require_auth = given("require_auth");
  return connection;
}

}  // namespace pgward::collect
