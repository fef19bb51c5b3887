#pragma once

// Reads pg_hba.conf with the semantics of a given PostgreSQL major version (hba.c:
// tokenize_auth_file + parse_hba_line), following @file references and, from 16 on, the
// include, include_if_exists and include_dir directives.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hba/model.h"

namespace pgward::hba {

constexpr int kOldestPgVersion = 13;
constexpr int kNewestPgVersion = 18;
constexpr int kDefaultPgVersion = 17;

// The hba dialect of a server reporting `server_version_num` (150004 reads as 15), within the
// versions pgward knows; kDefaultPgVersion when the version is unknown (0).
constexpr int PgVersionOf(int server_version_num) {
  if (server_version_num <= 0) return kDefaultPgVersion;
  const int major = server_version_num / 10000;
  return major < kOldestPgVersion   ? kOldestPgVersion
         : major > kNewestPgVersion ? kNewestPgVersion
                                    : major;
}

// How much one pg_hba.conf may make pgward read, with everything it includes. Past a limit the
// parse stops with HbaFile::input_error: a clear error instead of a hang or an exhausted memory.
struct ReadLimits {
  // Any one file.
  std::size_t max_file_bytes = std::size_t{16} << 20;
  // All reads together, a file read twice counted twice.
  std::size_t max_total_bytes = std::size_t{64} << 20;
  // File and directory reads: an include_dir loop makes many (three files that each list their
  // directory make 118,000 for PostgreSQL's nesting depth of 10).
  std::size_t max_files = 200000;
  // Rows, including those includes multiply: each costs up to a few kilobytes once analysed and
  // reported (a hostile loop of includes made a kilobyte of files into 944,771 rows and 4 GB),
  // so this bounds a run to about a gigabyte; pgward's benchmark file is 100,000 rows.
  std::size_t max_records = 200000;
};

// An absolute path prefix the server sees, and where that tree lies here (a checkout):
// /etc/postgresql/15/main -> db reviews `include /etc/postgresql/15/main/conf.d/x.conf` as
// db/conf.d/x.conf.
struct PathMapping {
  std::string from;
  std::string to;
};

// What a pg_hba.conf may make pgward open. In a pre-merge check the file and everything it
// names come from the pull request's author while the runner holds secrets, so every file it
// names must lie under `include_root`, both as written (after `..` is folded) and after symlinks
// are followed; a reference outside is refused without being opened (an error row and
// HbaFile::refused), so that nothing of it reaches a report. Only regular files (and, for
// includes, directories, which the server reads as empty) are opened.
struct FileAccess {
  // Empty: the directory of the top-level file. "/" reads whatever the server would.
  std::string include_root;
  std::vector<PathMapping> path_map;  // applied in order, the first match wins
  ReadLimits limits;
};

// What the server was compiled with (configure's --with-gssapi, --with-pam, --with-ldap): a
// method the build lacks is an error on its lines, and hostgssenc lines cannot match without
// GSSAPI. The PGDG and Debian builds have all three (and SSL; SSPI and BSD are never built on
// Linux); the @embedded-postgres builds none of the three.
struct ServerBuild {
  bool gssapi = true;
  bool pam = true;
  bool ldap = true;
};

// Server settings that change what parse_hba_line reports.
struct ParseOptions {
  int pg_version = kDefaultPgVersion;  // 13..18
  ServerBuild build;
  // The server's `ssl` setting. When false, hostssl rows carry "hostssl record cannot match
  // because SSL is disabled"; when unknown (offline scan), no such error is reported.
  std::optional<bool> ssl_enabled;
  // radiusservers entries go through getaddrinfo() with DNS, as in the server. Offline scans
  // can turn the lookups off; every name is then taken as resolvable.
  bool resolve_radius_servers = true;
  // The server's oauth_validator_libraries (PostgreSQL 18). Empty, as by default, makes every
  // oauth rule an error.
  std::vector<std::string> oauth_validator_libraries;
  FileAccess access;
};

// Parses the file at `path` ("-": standard input, includes relative to the working directory)
// and everything it includes. A top-level file that cannot be read gives HbaFile::read_error
// and no rules; a device or a limit gives HbaFile::input_error; any other problem is an error row.
HbaFile ParseHbaFile(const std::string& path, const ParseOptions& options = {});

// Rules as the parser hands them out, in file order, up to kRuleBatch at a time: the sink may
// take them (move the vector out).
inline constexpr std::size_t kRuleBatch = 512;
using RuleBatchSink = std::function<void(std::vector<HbaRule>& rules)>;

// ParseHbaFile for a listing of any size: the rules go to `sink` as they are parsed instead of
// being kept, so that they can be used while the parse goes on; the file returned has everything
// else. When it is unreadable or stopped at a limit (UnreadableReason), the rules handed out
// are incomplete: the listing must say so.
HbaFile StreamHbaFile(const std::string& path, const ParseOptions& options,
                      const RuleBatchSink& sink);

// Parses `contents` as if it were the file at `path` (relative includes resolve against the
// directory of `path`).
HbaFile ParseHbaText(std::string_view contents, const std::string& path,
                     const ParseOptions& options = {});

// Why `file` gave no rows at all (read_error or input_error), for an error message; nullopt
// when it was read.
std::optional<std::string> UnreadableReason(const HbaFile& file);

// "FILE:LINE: refused to read ...": the evidence a refused reference leaves missing.
std::string RefusalMessage(const RefusedReference& refused);

// Why another file a confined input names (an inventory's server log) is refused: it lies outside
// `access`'s include root (which must be set), as written or after symlinks; nullopt when not.
// Nothing is opened.
std::optional<std::string> RefusedByIncludeRoot(const FileAccess& access, const std::string& path);

}  // namespace pgward::hba
