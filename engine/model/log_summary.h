#pragma once

// What a PostgreSQL server log says about connections over a period: the `log_connections`
// lines and the authentication and TLS failures, counted. Made by engine/logs, rendered by
// reporters/log_summary_report.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgward {

// One value (a user, database, client address or application name) and how often it was seen.
struct LogValueCount {
  std::string value;
  std::uint64_t count = 0;
};

// Who is behind one kind of event, most frequent first: whom to call.
struct LogWho {
  std::vector<LogValueCount> users;
  std::vector<LogValueCount> databases;
  std::vector<LogValueCount> clients;
  std::vector<LogValueCount> applications;
};

// Sessions authorized over TLS with one protocol and suite.
struct LogTlsUse {
  std::string protocol;
  std::string cipher;
  int bits = 0;
  std::uint64_t count = 0;
};

// A pg_hba.conf line named by `connection authenticated` lines (PostgreSQL 14+).
struct LogHbaLineUse {
  std::string file;
  int line = 0;
  std::uint64_t authenticated = 0;
};

// The kinds of failure counted, in the order reports list them.
enum class LogFailure {
  kClientCertificateRequired,  // connection requires a valid client certificate
  kCertificateAuthentication,  // certificate authentication / validation failed for user
  kSslHandshake,               // could not accept SSL connection
  kHbaRejectNoEncryption,      // pg_hba.conf rejects connection ..., no encryption
  kHbaReject,                  // pg_hba.conf rejects connection ..., over TLS or GSS
  kNoHbaEntry,                 // no pg_hba.conf entry for host ...
  kPasswordAuthentication,     // password authentication failed for user
};
inline constexpr int kLogFailureKinds = 7;

// "client_certificate_required", ...: the JSON keys.
const char* LogFailureName(LogFailure failure);

// Authorized sessions that agree on everything but their time, counted: what a scan turns into
// log_session facts.
struct LogSessionGroup {
  std::string transport;  // local, tcp_plaintext, tcp_tls, tcp_gssenc; empty: not known
  bool replication = false;
  std::string tls_version, cipher;  // TLS only
  int bits = 0;
  std::string user, database, client, application;
  std::uint64_t sessions = 0;
  std::optional<std::int64_t> first_seen, last_seen;  // milliseconds UTC, when the zone is known
};

// Failures of one kind that agree on who, counted: log_failure facts.
struct LogFailureGroup {
  LogFailure failure = LogFailure::kSslHandshake;
  std::string user, database, client, application;
  std::string reason;  // ssl_handshake: OpenSSL's reason
  std::uint64_t attempts = 0;
  std::optional<std::int64_t> first_seen, last_seen;
};

// A configuration the server failed to reload (postmaster.c: "SSL configuration was not
// reloaded", "pg_hba.conf was not reloaded", from 16 with the file's path): until a reload
// succeeds or the server starts again, it keeps running the one it had, whatever pg_settings,
// pg_hba_file_rules and the files show. A crash restart keeps it too: only a server start ends it.
struct LogReloadFailure {
  std::string configuration;         // as the server names it
  std::uint64_t failed_reloads = 0;  // in the window
  // True when a reload failed for it and no reload or start has certainly applied it since; false
  // when one has; not known when one that came after may have been written by a client, or its
  // order cannot be told (ReloadTracker).
  std::optional<bool> outdated;
  std::optional<std::int64_t> first_failed, last_failed;  // milliseconds UTC
};

struct LogSummary {
  std::string format;  // stderr, csvlog or jsonlog (the first file's)
  std::uint64_t lines = 0;
  std::uint64_t unparsed_lines = 0;
  // The first and last time of the entries counted: UTC in ISO 8601 when the log's time zone is
  // known (UTC, GMT or a numeric offset), otherwise as the log wrote it.
  std::optional<std::string> first;
  std::optional<std::string> last;
  std::optional<std::int64_t> first_ms, last_ms;  // the same, when the zone is known

  struct Connections {
    std::uint64_t received = 0;
    std::uint64_t authorized = 0;
    std::uint64_t local = 0;
    std::uint64_t plaintext_tcp = 0;
    std::uint64_t tls = 0;
    std::uint64_t gss = 0;
    // Authorized sessions without TLS whose client the log does not say (no `connection
    // received` line, no client in the prefix): local or plaintext TCP, pgward cannot tell.
    std::uint64_t unknown_transport = 0;
  } connections;

  std::string min_tls_version;  // what "below the minimum" means in below_minimum_tls
  std::uint64_t below_minimum_tls = 0;
  // Authorized sessions per database (replication ones have none), most first: every database,
  // up to the distinct-value limit.
  std::vector<LogValueCount> authorized_by_database;
  std::vector<LogTlsUse> tls;  // most used first
  std::uint64_t failures[kLogFailureKinds] = {};
  std::vector<LogHbaLineUse> hba_lines;  // by file, then line
  std::uint64_t reloads = 0;             // configuration reloads (SIGHUP) in the window
  // The configurations that failed to reload in the window, or that a previous scheduled run
  // left outdated; by configuration.
  std::vector<LogReloadFailure> reload_failures;

  LogWho plaintext_who;
  LogWho below_minimum_who;
  LogWho failure_who[kLogFailureKinds];
  // Why TLS handshakes failed ("unsupported protocol", ...), most frequent first.
  std::vector<LogValueCount> ssl_handshake_reasons;

  // Every distinct session and failure, up to the distinct-value limit (the rest are counted in
  // groups whose values read "(other)").
  std::vector<LogSessionGroup> session_groups;
  std::vector<LogFailureGroup> failure_groups;

  // What the reader wants its user to know: a time zone it could not convert, values beyond the
  // distinct-value limit, a log in which no connection line was recognised.
  std::vector<std::string> notes;
  // Of the notes, those of lines that read like connection or reload messages but are no entries
  // (where a client can write such lines, so that they are no error): what a scan warns of.
  std::vector<std::string> uncounted_lines;
};

}  // namespace pgward
