#include "engine/collect/queries.h"

namespace pgward::collect {

namespace {

// server_version_num is not among them: libpq has it from the connection's start.
constexpr SettingSpec kCollectedSettings[] = {
    {"ssl", 90600},
    {"ssl_min_protocol_version", 120000},
    {"ssl_max_protocol_version", 120000},
    {"ssl_ciphers", 90600},
    {"ssl_tls13_ciphers", 180000},
    {"ssl_cert_file", 90600},
    {"ssl_ca_file", 90600},
    {"ssl_crl_file", 90600},
    {"ssl_crl_dir", 140000},
    // One setting, renamed in 18 (which keeps the old name as an alias pg_settings does not list).
    {"ssl_ecdh_curve", 90600, 180000},
    {"ssl_groups", 180000},
    {"password_encryption", 90600},
    {"listen_addresses", 90600},
    {"port", 90600},
    {"hba_file", 90600},
    {"ident_file", 90600},
    {"log_connections", 90600},
    {"log_disconnections", 90600},
};

constexpr const char* kSuperuser = "current_setting('is_superuser')::boolean";

// Whether every collected setting may be read: pg_settings hides the superuser-only ones
// from roles without pg_read_all_settings (10+; pg_monitor is a member), and before 10 from
// every role but superusers. USAGE (privileges, not mere membership) never claims more than
// the server grants, whichever of the two its version checks.
std::string SettingsVisible(int version) {
  return version >= 100000 ? "pg_has_role('pg_read_all_settings', 'USAGE')" : kSuperuser;
}

std::string PrivilegesQuery(int version) {
  // pg_read_all_stats (10+; pg_monitor is a member) is what lifts the NULLs off other
  // sessions' client_addr and TLS state; before 10 only superusers see them.
  const std::string stats =
      version >= 100000 ? "pg_has_role('pg_read_all_stats', 'USAGE')" : kSuperuser;
  const char* hba = version >= 100000
                        ? "has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT') AND "
                          "has_function_privilege('pg_catalog.pg_hba_file_rules()', 'EXECUTE')"
                        : "false";
  const char* subscriptions =
      version >= 100000
          ? "has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')"
          : "false";
  // Whether primary_conninfo is set, worked out on the server: its value holds a password.
  const std::string primary_conninfo =
      version >= 120000 ? "CASE WHEN " + SettingsVisible(version) +
                              " THEN current_setting('primary_conninfo') <> '' END"
                        : "NULL::boolean";
  const char* ident =
      version >= 150000 ? "has_table_privilege('pg_catalog.pg_ident_file_mappings', 'SELECT') AND "
                          "has_function_privilege('pg_catalog.pg_ident_file_mappings()', 'EXECUTE')"
                        : "false";
  // pg_authid, whose password hashes only superusers read unless its columns are granted.
  const char* verifiers =
      "has_column_privilege('pg_catalog.pg_authid', 'rolname', 'SELECT') AND "
      "has_column_privilege('pg_catalog.pg_authid', 'rolpassword', 'SELECT')";
  return "SELECT current_user, " + stats + ", " + hba + ", " + SettingsVisible(version) + ", " +
         subscriptions + ", pg_catalog.pg_is_in_recovery(), " + primary_conninfo + ", " + ident +
         ", " + verifiers;
}

// The settings this version has, each as `format` makes it, separated by commas.
template <typename Format>
std::string SettingsList(int version, Format format) {
  std::string list;
  for (const SettingSpec& setting : kCollectedSettings) {
    if (!setting.In(version)) continue;
    if (!list.empty()) list += ", ";
    list += format(std::string(setting.name));
  }
  return list;
}

// current_setting() shows what pg_settings.setting does for these settings (none has a unit),
// for a tenth of what pg_settings costs a fresh backend (about 1 ms on PostgreSQL 15, even
// when no row is read). The WHERE clause is evaluated once, before any current_setting().
std::string SettingsQuery(int version) {
  return "SELECT " +
         SettingsList(version,
                      [](const std::string& name) {
                        return "current_setting('" + name + "', true) AS " + name;
                      }) +
         " WHERE " + SettingsVisible(version);
}

std::string SettingsViewQuery(int version) {
  return "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN (" +
         SettingsList(version, [](const std::string& name) { return "'" + name + "'"; }) + ")";
}

// pg_stat_activity, pg_stat_ssl and pg_stat_gssapi are views of pg_stat_get_activity(NULL);
// reading it once, joined to pg_database and pg_roles (pg_authid's rows, readable by every
// role) as pg_stat_activity joins pg_database and pg_authid, gives the same rows for half of
// what the views cost. pg_stat_ssl and pg_stat_gssapi (13+) leave out rows without
// client_port, but a client backend or walsender the role may see always has one (-1 on a Unix
// socket), and without pg_read_all_stats no connection facts are made at all. Walsenders carry
// every row a standby or subscriber receives, so they are sessions too; pg_stat_replication
// (pg_stat_get_wal_senders() joined to the same function) adds their state.
std::string ConnectionQuery(int version) {
  const bool v12 = version >= 120000;
  std::string sql =
      "SELECT a.pid, r.rolname, d.datname, a.application_name, a.client_addr, a.ssl, "
      "a.sslversion, a.sslcipher, a.sslbits, ";
  sql += version < 140000 ? "a.sslcompression, " : "NULL::boolean, ";
  sql += v12 ? "a.ssl_client_dn, a.ssl_client_serial, a.ssl_issuer_dn, "
             : "a.sslclientdn, NULL::numeric, NULL::text, ";
  sql +=
      v12 ? "a.gss_auth, a.gss_princ, a.gss_enc, " : "NULL::boolean, NULL::text, NULL::boolean, ";
  sql += "r.rolsuper, r.rolreplication, ";
  // backend_type is 10's; before, the function lists client backends and walsenders alone, and
  // only walsenders are in pg_stat_get_wal_senders().
  sql += version >= 100000 ? "a.backend_type, "
                           : "CASE WHEN w.pid IS NULL THEN 'client backend' ELSE 'walsender' END, ";
  sql +=
      "w.state FROM pg_catalog.pg_stat_get_activity(NULL) a "
      "LEFT JOIN pg_catalog.pg_database d ON d.oid = a.datid "
      "LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid "
      "LEFT JOIN pg_catalog.pg_stat_get_wal_senders() w ON w.pid = a.pid "
      "WHERE a.pid <> pg_catalog.pg_backend_pid()";
  if (version >= 100000) sql += " AND a.backend_type IN ('client backend', 'walsender')";
  return sql;
}

// Every subscription of the cluster, whichever database it is in: pg_subscription is shared.
std::string SubscriptionsQuery(bool with_conninfo) {
  return std::string("SELECT 'subscription', s.subname, d.datname, s.subenabled, ") +
         (with_conninfo ? "s.subconninfo" : "NULL::text") +
         " FROM pg_catalog.pg_subscription s "
         "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.subdbid";
}

std::string ReplicationLinksQuery(int version) {
  std::string sql =
      "SELECT 'standby', NULL::name, NULL::name, NULL::boolean, conninfo "
      "FROM pg_catalog.pg_stat_wal_receiver";
  if (version >= 100000) sql += " UNION ALL " + SubscriptionsQuery(false);
  return sql;
}

std::string HbaRulesQuery(int version) {
  std::string columns = version >= 160000 ? "rule_number, file_name, " : "";
  columns +=
      "line_number, type, to_json(database)::text, to_json(user_name)::text, address, "
      "netmask, auth_method, to_json(options)::text, error";
  return "SELECT " + columns + " FROM pg_catalog.pg_hba_file_rules";
}

// The privileged roles that may log in (engine/model/privileged_roles.h), each with every group
// it is a member of, directly or through other groups (pg_auth_members, readable by every
// role; is_member_of_role_nosuper, which +group tests, does not make a superuser a member of
// every group as pg_has_role would). Both walks start from the few roles that matter, so the
// cost does not grow with the cluster's other memberships.
constexpr const char* kPrivilegedRolesQuery =
    "WITH RECURSIVE powerful(oid) AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolsuper OR "
    "rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files') "
    "UNION SELECT a.member FROM pg_catalog.pg_auth_members a JOIN powerful p ON a.roleid = p.oid), "
    "privileged(oid) AS (SELECT oid FROM powerful UNION SELECT oid FROM pg_catalog.pg_roles "
    "WHERE rolreplication), "
    "groups(member, roleid) AS (SELECT a.member, a.roleid FROM pg_catalog.pg_auth_members a "
    "JOIN privileged p ON a.member = p.oid UNION SELECT g.member, a.roleid FROM groups g "
    "JOIN pg_catalog.pg_auth_members a ON a.member = g.roleid) "
    "SELECT r.rolname, to_json(ARRAY(SELECT o.rolname FROM groups g JOIN pg_catalog.pg_roles o "
    "ON o.oid = g.roleid WHERE g.member = r.oid ORDER BY 1))::text "
    "FROM pg_catalog.pg_roles r JOIN privileged p ON p.oid = r.oid WHERE r.rolcanlogin "
    "ORDER BY 1";

// The roles whose stored password is no SCRAM verifier (an md5 hash, or plain text from before
// 10), by name: the hashes themselves are never sent.
constexpr const char* kMd5PasswordRolesQuery =
    "SELECT rolname FROM pg_catalog.pg_authid WHERE rolpassword IS NOT NULL AND "
    "rolpassword NOT LIKE 'SCRAM-SHA-256$%' ORDER BY 1";

std::string IdentMappingsQuery(int version) {
  const char* file_columns =
      version >= 160000 ? "map_number, file_name, " : "NULL::integer, NULL::text, ";
  return std::string("SELECT ") + file_columns +
         "line_number, map_name, sys_name, pg_username, error "
         "FROM pg_catalog.pg_ident_file_mappings";
}

std::string QuerySql(Query query, int version) {
  switch (query) {
    case Query::kPrivileges:
      return PrivilegesQuery(version);
    case Query::kSettings:
      return SettingsQuery(version);
    case Query::kSettingsView:
      return SettingsViewQuery(version);
    case Query::kConnections:
      return ConnectionQuery(version);
    case Query::kReplicationLinks:
      return ReplicationLinksQuery(version);
    case Query::kSubscriptions:
      return SubscriptionsQuery(true);
    case Query::kHbaRules:
      return HbaRulesQuery(version);
    case Query::kPrivilegedRoles:
      return kPrivilegedRolesQuery;
    case Query::kIdentMappings:
      return IdentMappingsQuery(version);
    case Query::kMd5PasswordRoles:
      return kMd5PasswordRolesQuery;
  }
  return "";
}

}  // namespace

std::span<const SettingSpec> CollectedSettings() { return kCollectedSettings; }

std::string Batch(std::span<const Query> queries, std::optional<Query> guarded,
                  int server_version) {
  std::string sql = "BEGIN TRANSACTION READ ONLY; ";
  for (Query query : queries) sql += QuerySql(query, server_version) + "; ";
  sql += "COMMIT";
  if (guarded.has_value()) sql += "; " + QuerySql(*guarded, server_version);
  return sql;
}

std::string SessionSettings(int timeout_ms) {
  return "SET statement_timeout = " + std::to_string(timeout_ms) +
         "; SET default_transaction_read_only = on; ";
}

}  // namespace pgward::collect
