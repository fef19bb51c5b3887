#include "engine/collect/queries.h"

namespace pgward::collect {

namespace {

constexpr SettingSpec kCollectedSettings[] = {
    {"ssl", 90600},
    {"ssl_min_protocol_version", 120000},
    {"ssl_max_protocol_version", 120000},
    {"ssl_ciphers", 90600},
    {"ssl_cert_file", 90600},
    {"ssl_ca_file", 90600},
    {"ssl_crl_file", 90600},
    {"password_encryption", 90600},
    {"listen_addresses", 90600},
    {"port", 90600},
    {"hba_file", 90600},
    {"log_connections", 90600},
    {"log_disconnections", 90600},
    {"server_version_num", 90600},
};

std::string PrivilegeQuery(int version) {
  // pg_read_all_stats (10+; pg_monitor is a member) is what lifts the NULLs off other
  // sessions' client_addr and TLS state; before 10 only superusers see them.
  const char* stats =
      version >= 100000 ? "pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')" : "r.rolsuper";
  const char* hba = version >= 100000
                        ? "has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT') AND "
                          "has_function_privilege('pg_catalog.pg_hba_file_rules()', 'EXECUTE')"
                        : "false";
  return std::string("SELECT current_user, r.rolsuper, r.rolsuper OR ") + stats + ", " + hba +
         " FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";
}

std::string SettingsQuery() {
  std::string names;
  for (const SettingSpec& setting : kCollectedSettings) {
    if (!names.empty()) names += ", ";
    names += std::string("'") + setting.name + "'";
  }
  return "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN (" + names + ")";
}

std::string ConnectionQuery(int version) {
  const bool v12 = version >= 120000;
  std::string sql =
      "SELECT a.pid, a.usename, a.datname, a.application_name, host(a.client_addr), s.ssl, "
      "s.version, s.cipher, s.bits, ";
  sql += version < 140000 ? "s.compression, " : "NULL::boolean, ";
  sql += v12 ? "s.client_dn, s.client_serial::text, s.issuer_dn, "
             : "s.clientdn, NULL::text, NULL::text, ";
  sql += v12 ? "g.gss_authenticated, g.principal, g.encrypted, "
             : "NULL::boolean, NULL::text, NULL::boolean, ";
  sql +=
      "r.rolsuper, r.rolreplication FROM pg_catalog.pg_stat_activity a "
      "LEFT JOIN pg_catalog.pg_stat_ssl s ON s.pid = a.pid ";
  if (v12) sql += "LEFT JOIN pg_catalog.pg_stat_gssapi g ON g.pid = a.pid ";
  sql += "LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE a.pid <> pg_backend_pid()";
  // Before 10, pg_stat_activity lists client backends only.
  if (version >= 100000) sql += " AND a.backend_type = 'client backend'";
  return sql + " ORDER BY a.pid";
}

}  // namespace

std::span<const SettingSpec> CollectedSettings() { return kCollectedSettings; }

std::string CollectBatch(int server_version, int statement_timeout_ms) {
  return "SET statement_timeout = " + std::to_string(statement_timeout_ms) +
         "; BEGIN TRANSACTION READ ONLY; " + PrivilegeQuery(server_version) + "; " +
         SettingsQuery() + "; " + ConnectionQuery(server_version) + "; COMMIT";
}

std::string HbaRulesBatch(int server_version) {
  std::string columns = server_version >= 160000 ? "rule_number, file_name, " : "";
  columns +=
      "line_number, type, to_json(database)::text, to_json(user_name)::text, address, "
      "netmask, auth_method, to_json(options)::text, error";
  return "BEGIN TRANSACTION READ ONLY; SELECT " + columns +
         " FROM pg_catalog.pg_hba_file_rules; COMMIT";
}

}  // namespace pgward::collect
