#pragma once

// Live collection through libpq: event loops (PQconnectStartParams, PQconnectPoll,
// PQsendQuery, poll()), one per core, share the targets, at most `concurrency` at a time, each
// under its own deadline. A target that fails (unreachable, authentication, timeout, restart)
// becomes an EvidenceError of that target; the others go on.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collect/target.h"
#include "engine/model/collection.h"
#include "engine/model/fact_table.h"
#include "engine/model/file_rules_row.h"
#include "engine/model/ident_mapping_row.h"
#include "engine/model/privileged_roles.h"

namespace pgward::collect {

struct Progress {
  size_t done = 0;
  size_t total = 0;
  size_t failed = 0;  // targets with at least one error
};

struct CollectOptions {
  std::vector<Target> targets;
  int concurrency = 64;
  // Transient connection failures (refused while a server restarts, no free connection slot,
  // the server starting up or shutting down) are retried this many times, after 250 ms and then
  // twice as long each time, within the target's timeout.
  int retries = 2;
  // The whole collection's time (--deadline): targets not started by then are not collected,
  // and none runs past it. Zero: none.
  std::chrono::milliseconds deadline{0};
  // Called after each target completes (progress on a terminal), one call at a time but from
  // the thread of the loop that completed it; may be empty.
  std::function<void(const Progress&)> on_progress;
  // Whether a server's pg_ident_file_mappings are worth a second round trip, given its
  // pg_hba_file_rules rows (nullopt: not read, as for a target with an inventory hba_file): the
  // scan's judgement, since collection knows no hba semantics. Empty: never read.
  std::function<bool(const std::optional<std::vector<FileRulesRow>>&)> ident_mappings_needed;
  // Which roles store md5 passwords (pg_authid, in the second round trip, where the role may read
  // it): never; where readable (a snapshot keeps what it can); or required, since a rule judges
  // it (where the role may not read it, an error names the grant).
  enum class Md5PasswordRoles { kNever, kWhereReadable, kRequired };
  Md5PasswordRoles md5_password_roles = Md5PasswordRoles::kNever;
};

// What a server said about its pg_hba.conf, for the scan to make into facts with the server's
// version: collection knows libpq, not hba semantics.
struct ServerHbaAnswer {
  int version = 0;  // server_version_num; 0 when the server was not reached
  // The ssl setting, when visible: a copy of the file is read as this server reads it.
  std::optional<bool> ssl;
  std::optional<std::string> hba_file;                 // the hba_file setting, when visible
  std::optional<std::vector<FileRulesRow>> view_rows;  // pg_hba_file_rules; absent: not read
  std::optional<std::string> ident_file;               // the ident_file setting, when visible
  // pg_ident_file_mappings; absent: not read, and why (for the targets without an ident_file).
  std::optional<std::vector<IdentMappingRow>> ident_rows;
  std::optional<std::string> ident_unread;
  // The server's privileged roles (engine/model/privileged_roles.h); absent when not read.
  std::optional<PrivilegedRoles> roles;
};

struct LiveCollection {
  // One ServerEvidence per target, in target order, with collected_at and the collector
  // version set. Error messages are redacted.
  Evidence evidence;
  std::vector<ServerHbaAnswer> hba;  // by target
};

// Appends the targets' connection and server facts to `facts`.
LiveCollection CollectLive(const CollectOptions& options, FactSet& facts);

// A name for a target given as a connection string or URI, from what libpq parses out of it:
// [service=NAME ][user@]host[:port][/dbname] (never the password, whatever the syntax), or
// nullopt when libpq cannot parse it.
std::optional<std::string> NameForDsn(const std::string& dsn);

// A libpq or server message made safe to print: secrets redacted (RedactSecrets), one line (line
// feeds and carriage returns become spaces), at most kMostMessageBytes of it: a server decides
// how long its error texts are.
inline constexpr std::size_t kMostMessageBytes = 4096;
std::string SanitizeLibpqMessage(std::string_view message);

}  // namespace pgward::collect
