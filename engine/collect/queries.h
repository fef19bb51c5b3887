#pragma once

// The fixed SQL pgward sends to a live server, by server version (9.6 to 18). Nothing in it
// comes from user input: the only parameter is a number pgward formats itself.
//
// A fresh backend pays for every catalog it touches (relcache and syscache entries, view rules,
// planner statistics), and that is most of what a query costs it: the queries read
// pg_stat_get_activity() itself rather than the pg_stat_activity, pg_stat_ssl and
// pg_stat_gssapi views built on it, and settings with current_setting() rather than through
// pg_settings, whenever the answer is the same.

#include <optional>
#include <span>
#include <string>

namespace pgward::collect {

inline constexpr int kOldestSupportedVersion = 90600;

// Columns of the connection query, in order. The CSV import maps `psql --csv` output of the
// documented audit query onto the same columns.
enum ConnectionColumn {
  kPid,
  kUser,
  kDatabase,
  kApplicationName,
  kClientAddr,
  kSsl,
  kTlsVersion,
  kCipher,
  kBits,
  kCompression,
  kClientDn,
  kClientSerial,
  kIssuerDn,
  kGssAuthenticated,
  kGssPrincipal,
  kGssEncrypted,
  kSuperuser,
  kReplication,
  // pg_stat_activity.backend_type: 'client backend' or 'walsender'; NULL (a CSV without the
  // column) stands for a client backend, the only kind the documented audit query lists.
  kBackendType,
  // pg_stat_replication.state of a walsender: startup, catchup, streaming, backup or stopping.
  kReplicationState,
  kConnectionColumnCount,
};

// Columns of the replication links query: the server's own connections to the servers it
// replicates from.
enum ReplicationLinkColumn {
  kLinkKind,      // standby (its WAL receiver) or subscription
  kLinkName,      // the subscription's name
  kLinkDatabase,  // the subscription's database
  kLinkEnabled,   // the subscription is enabled
  // The connection string: pg_stat_wal_receiver.conninfo (the server masks its password; NULL
  // without pg_read_all_stats) or pg_subscription.subconninfo (with its password: superusers
  // only, unless granted). Never kept: only the parameters below are taken from it.
  kLinkConninfo,
  kLinkColumnCount,
};

// The queries pgward sends; each gives one result set.
enum class Query {
  // One row: current_user, stats_visible (other sessions' client_addr and TLS state are
  // visible), hba_readable (pg_hba_file_rules is), settings_visible (every setting is),
  // subscription_conninfo_readable (pg_subscription.subconninfo is), in_recovery (a standby),
  // primary_conninfo_set (12+, with settings_visible; NULL otherwise), ident_readable
  // (pg_ident_file_mappings is, 15+), password_verifiers_readable (pg_authid's rolname and
  // rolpassword are).
  kPrivileges,
  // One row, a column named after each of the CollectedSettings() the server has; no row
  // without settings_visible, since reading a setting the role may not see is an error.
  kSettings,
  // name, setting rows of the same from pg_settings, which leaves out the settings the role
  // may not see.
  kSettingsView,
  // The other client sessions and replication senders (walsenders: standbys, base backups,
  // subscriptions), ConnectionColumn order, in no particular order.
  kConnections,
  // ReplicationLinkColumn rows: the WAL receiver of a standby (no row when none runs), then
  // the subscriptions (10+) without their connection strings, which the role may not read.
  kReplicationLinks,
  // The subscriptions again, with their connection strings: only with
  // subscription_conninfo_readable.
  kSubscriptions,
  // pg_hba_file_rules (PostgreSQL 10+; an error without hba_readable) with the arrays as JSON:
  // [rule_number, file_name (16+),] line_number, type, database, user_name, address, netmask,
  // auth_method, options, error.
  kHbaRules,
  // name, member_of (a JSON array) of each privileged role that may log in
  // (engine/model/privileged_roles.h), by name.
  kPrivilegedRoles,
  // pg_ident_file_mappings (15+): map_number, file_name (NULL before 16), line_number, map_name,
  // sys_name, pg_username, error. An error when the role may not, or the file cannot be opened.
  kIdentMappings,
  // rolname of the roles whose stored password is no SCRAM-SHA-256 verifier, by name: only with
  // password_verifiers_readable.
  kMd5PasswordRoles,
};

// One round trip: `queries` in one read-only transaction (one statistics snapshot), their
// result sets in the same order, then `guarded` (when given) in a transaction of its own: a role
// without the privilege it needs gets an error for it, which ends only that transaction. A
// multi-statement simple query: no round trip per query.
std::string Batch(std::span<const Query> queries, std::optional<Query> guarded, int server_version);

// To send in front of the first batch: the session's statement_timeout, and
// default_transaction_read_only, so that every transaction of the session is read-only (the
// guarded query's included).
std::string SessionSettings(int timeout_ms);

// Settings pgward reads, the version that introduced each, and the one that renamed it.
struct SettingSpec {
  const char* name;
  int since_version;
  int until_version = 0;  // the first version without it, 0 for none

  bool In(int version) const {
    return since_version <= version && (until_version == 0 || version < until_version);
  }
};
std::span<const SettingSpec> CollectedSettings();

}  // namespace pgward::collect
