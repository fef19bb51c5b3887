#pragma once

// Reads pg_hba.conf with the semantics of a given PostgreSQL major version (hba.c:
// tokenize_auth_file + parse_hba_line), following @file references and, from 16 on, the
// include, include_if_exists and include_dir directives.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hba/model.h"

namespace pgward::hba {

constexpr int kOldestPgVersion = 13;
constexpr int kNewestPgVersion = 18;
constexpr int kDefaultPgVersion = 17;

// Server settings that change what parse_hba_line reports. The build is assumed to be the
// PGDG/Debian one: GSSAPI, PAM, LDAP (OpenLDAP) and SSL compiled in; SSPI and BSD not.
struct ParseOptions {
  int pg_version = kDefaultPgVersion;  // 13..18
  // The server's `ssl` setting. When false, hostssl rows carry "hostssl record cannot match
  // because SSL is disabled"; when unknown (offline scan), no such error is reported.
  std::optional<bool> ssl_enabled;
  // radiusservers entries go through getaddrinfo() with DNS, as in the server. Offline scans
  // can turn the lookups off; every name is then taken as resolvable.
  bool resolve_radius_servers = true;
  // The server's oauth_validator_libraries (PostgreSQL 18). Empty, as by default, makes every
  // oauth rule an error.
  std::vector<std::string> oauth_validator_libraries;
};

// Parses the file at `path` and everything it includes. A top-level file that cannot be read
// gives HbaFile::read_error and no rules; any other problem is an error row.
HbaFile ParseHbaFile(const std::string& path, const ParseOptions& options = {});

// Parses `contents` as if it were the file at `path` (relative includes resolve against the
// directory of `path`).
HbaFile ParseHbaText(std::string_view contents, const std::string& path,
                     const ParseOptions& options = {});

}  // namespace pgward::hba
