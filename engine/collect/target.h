#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/evidence.h"

namespace pgward::collect {

inline constexpr int kDefaultTimeoutMs = 10000;

// A server to collect from. The connection is libpq's to make: the DSN (keyword/value string or
// URI) and the service are passed through untouched, so pg_service.conf, .pgpass, PG*
// variables, sslmode and sslrootcert work as they do for psql.
struct Target {
  std::string name;  // names the server in facts, findings and errors (no secrets in it)
  std::string dsn;   // may be empty: then libpq's defaults and PG* variables apply
  std::string service;
  // libpq keywords that override the DSN's (inventory `connect:`), e.g. sslmode.
  std::map<std::string, std::string> connect;
  // A copy of the server's pg_hba.conf to parse offline instead of reading pg_hba_file_rules.
  std::optional<std::string> hba_file;
  // The directory of the inventory that names hba_file and ident_file: what they, and the files
  // they include, may read unless --include-root says otherwise. An inventory is untrusted
  // input like the files it names: `hba_file: /etc/passwd` must not echo a byte of it.
  std::string inventory_directory;
  // A copy of its pg_ident.conf, instead of pg_ident_file_mappings.
  std::optional<std::string> ident_file;
  // The server's log (inventory `server_logs`, rotated files first), read with its own
  // log_line_prefix and format (stderr, csvlog, jsonlog; empty: recognised).
  std::vector<std::string> server_logs;
  std::optional<std::string> log_line_prefix;
  std::string log_format;
  std::vector<std::string> tags;
  // The server must take TLS begun directly (PostgreSQL 17's sslnegotiation=direct, which the
  // fleet's clients use): judged on what the TLS probe saw, since a libpq older than 17, as
  // pgward may run with, negotiates the classic way only.
  bool require_direct_tls = false;
  // The inventory entry the target was read from: where its findings and errors point.
  std::optional<SourceLocation> source;
  // The whole collection from this server: connecting, TLS, authentication and queries
  // (statement_timeout on the server side too).
  int timeout_ms = kDefaultTimeoutMs;
};

}  // namespace pgward::collect
