#pragma once

// Facts from what a server answered: the rows of the fixed queries (engine/collect/queries.h)
// become connection and server facts (its pg_hba_file_rules rows are the scan's to read). No libpq
// here, so the CSV import and the tests build facts exactly as live collection does.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collect/conninfo.h"
#include "engine/model/collection.h"
#include "engine/model/fact_table.h"
#include "engine/model/file_rules_row.h"
#include "engine/model/ident_mapping_row.h"
#include "engine/model/privileged_roles.h"

namespace pgward::collect {

// One result row as libpq or psql --csv gives it: text, SQL NULL as nullopt.
using Row = std::vector<std::optional<std::string>>;

// A boolean as PostgreSQL prints one (t, f; true, false and on, off from settings); nullopt for
// SQL NULL and any other text.
std::optional<bool> ParseBool(const std::optional<std::string>& text);

// The TLS state of pgward's own connection.
struct ScannerConnection {
  std::string host;
  int port = 0;
  bool ssl = false;
  std::string tls_version;      // "TLSv1.3"; empty without TLS
  bool verified = false;        // sslmode verify-ca or verify-full
  bool password = false;        // the server asked for a password (PQconnectionUsedPassword)
  std::string channel_binding;  // as configured; empty: a libpq before 13, which has none
  std::optional<std::string> require_auth{};  // set in the connection, with a libpq of 16+
  // The sslrootcert libpq used, from wherever it came (connection string, inventory, service
  // file, PGSSLROOTCERT); empty when none was set.
  std::string root_cert{};
};

// A server's connection to a server it replicates from (ReplicationLinkColumn), as pgward keeps
// it: the parameters it judges, never the connection string.
struct ReplicationLinkRow {
  std::string kind;  // standby or subscription
  std::optional<std::string> name;
  std::optional<std::string> database;
  std::optional<bool> enabled;
  // What the connection string says; absent when it could not be read (hidden from the role,
  // or not parsed: conninfo_error says why, secrets masked).
  std::optional<ReplicaConnection> connection;
  std::optional<std::string> conninfo_error;
};

struct ServerRows {
  std::string name;
  int version = 0;             // server_version_num
  std::string role;            // current_user, named in the grants pgward asks for
  bool stats_visible = false;  // superuser or pg_read_all_stats: other sessions are visible
  std::map<std::string, std::string> settings;         // pg_settings rows that were visible
  std::vector<Row> connections;                        // ConnectionColumn order
  std::optional<std::vector<FileRulesRow>> hba_rules;  // absent: not read from the view
  bool ident_readable = false;                         // pg_ident_file_mappings may be read
  // pg_ident_file_mappings; absent: not read, and then why when it was tried (the server's
  // error: a missing file, a privilege).
  std::optional<std::vector<IdentMappingRow>> ident_mappings;
  std::optional<std::string> ident_error;
  std::optional<PrivilegedRoles> privileged_roles;
  std::vector<ReplicationLinkRow> replication_links;
  bool subscription_conninfo_readable = false;
  bool in_recovery = false;  // a standby
  // primary_conninfo is set (12+, where it is a setting; read only with settings_visible).
  std::optional<bool> primary_conninfo_set;
  // The roles whose stored password is no SCRAM verifier; absent when not read: then, where the
  // run asked for them (`md5_password_roles_wanted`), the error names the grant.
  std::optional<std::vector<std::string>> md5_password_roles;
  bool md5_password_roles_wanted = false;
  ScannerConnection scanner;
  bool require_direct_tls = false;  // the inventory's require_direct_tls
};

// Appends the server's server fact, its connection facts and its replication link facts, and
// records in `server.errors` what could not be collected (sessions hidden for lack of a grant,
// settings, subscriptions' connection strings or wanted password verifiers the role may not
// read).
void AddServerFacts(const ServerRows& rows, FactSet& facts, ServerEvidence& server);

// Appends connection facts for `rows` (ConnectionColumn order). Without `stats_visible`, other
// sessions' client_addr reads as NULL and would look like Unix sockets: no connection facts are
// made and the error names the grant. A row whose TLS state is NULL was hidden from the role
// all the same, and is an error too.
void AddConnectionFacts(std::string_view server, std::string_view role, bool stats_visible,
                        const std::vector<Row>& rows, FactSet& facts,
                        std::vector<EvidenceError>& errors);

// The TLS 1.2-and-older suites OpenSSL enables on this machine for an ssl_ciphers string
// (SSL_CTX_set_cipher_list, SSL_get_ciphers), in preference order; empty when none is valid.
std::vector<std::string> ExpandCipherList(const std::string& ssl_ciphers);

// The key-exchange groups of an ssl_groups value (18+) as OpenSSL reads it
// (SSL_CTX_set1_groups_list): names separated by ':' (and '/' between 3.5's preference tuples,
// with spaces around), each perhaps marked '?' (ignored when unknown) or '*' (a key share is
// sent), which are removed, or '-' (removes the group named before); DEFAULT and DEFAULT_SUITE_B
// stand for OpenSSL 3.5's lists. Before 18, ssl_ecdh_curve is one curve's name, read the same.
std::vector<std::string> KeyExchangeGroups(std::string_view setting);

// What a server's version says of settings it does not have: no ssl_crl_dir before 14 (none,
// not unknown). For live collections and for snapshots an older pgward wrote without them.
void AddSettingsImpliedByVersion(FactTable& table, size_t row, int version);

// A role name as GRANT wants it: bare when it is a plain lower-case identifier.
std::string QuoteIdentifier(std::string_view name);

}  // namespace pgward::collect
