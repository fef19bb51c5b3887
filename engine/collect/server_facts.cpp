#include "engine/collect/server_facts.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "engine/collect/queries.h"
#include "engine/model/fact_format.h"

namespace pgward::collect {

std::optional<bool> ParseBool(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  if (*text == "t" || *text == "true" || *text == "on") return true;
  if (*text == "f" || *text == "false" || *text == "off") return false;
  return std::nullopt;
}

namespace {

std::optional<std::int64_t> ParseInteger(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [pointer, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || pointer != end) return std::nullopt;
  return value;
}

consteval size_t ServerField(std::string_view name) { return FieldOf<FactKind::kServer>(name); }

std::optional<std::string> Setting(const ServerRows& rows, const std::string& name) {
  const auto found = rows.settings.find(name);
  if (found == rows.settings.end()) return std::nullopt;
  return found->second;
}

// log_connections is a boolean up to 17 and a list of aspects from 18 ('' is off).
std::optional<bool> ParseLogConnections(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  if (std::optional<bool> flag = ParseBool(text)) return flag;
  return !text->empty();
}

void AddServerFact(const ServerRows& rows, FactSet& facts) {
  FactTable& table = facts.table(FactKind::kServer);
  const size_t row = table.AppendRow();
  table.SetString(row, FieldOf<FactKind::kServer>("server"), rows.name);
  table.SetString(row, FieldOf<FactKind::kServer>("host"), rows.scanner.host);
  table.SetInteger(row, FieldOf<FactKind::kServer>("port"), rows.scanner.port);
  table.SetInteger(row, FieldOf<FactKind::kServer>("version"), rows.version);
  if (std::optional<bool> ssl = ParseBool(Setting(rows, "ssl"))) {
    table.SetBool(row, FieldOf<FactKind::kServer>("ssl"), *ssl);
  }
  if (rows.version < 120000) {
    // No setting before 12: those servers take every version OpenSSL enables (they only
    // disable SSLv2 and SSLv3), so the effective minimum is TLSv1.
    table.SetTlsVersion(row, FieldOf<FactKind::kServer>("ssl_min_protocol_version"),
                        TlsVersion::kTls1_0);
  }
  // Fields named after the setting they hold.
  auto setting = [&](size_t field) {
    return Setting(rows, std::string(FactType(FactKind::kServer).fields[field].name));
  };
  for (const size_t field :
       {ServerField("ssl_min_protocol_version"), ServerField("ssl_max_protocol_version")}) {
    if (const std::optional<std::string> text = setting(field)) {
      if (std::optional<TlsVersion> version = ParseTlsVersion(*text)) {
        table.SetTlsVersion(row, field, *version);
      }
    }
  }
  for (const size_t field :
       {ServerField("ssl_ciphers"), ServerField("ssl_tls13_ciphers"), ServerField("ssl_cert_file"),
        ServerField("ssl_ca_file"), ServerField("ssl_crl_file"), ServerField("ssl_crl_dir"),
        ServerField("listen_addresses"), ServerField("hba_file")}) {
    if (const std::optional<std::string> text = setting(field)) {
      table.SetString(row, field, *text);
    }
  }
  AddSettingsImpliedByVersion(table, row, rows.version);
  if (const std::optional<std::string> ciphers = Setting(rows, "ssl_ciphers")) {
    table.SetStringList(row, FieldOf<FactKind::kServer>("ssl_ciphers_expanded"),
                        ExpandCipherList(*ciphers));
  }
  if (const std::optional<std::string> groups =
          Setting(rows, rows.version >= 180000 ? "ssl_groups" : "ssl_ecdh_curve")) {
    table.SetStringList(row, FieldOf<FactKind::kServer>("ssl_groups"), KeyExchangeGroups(*groups));
  }
  if (std::optional<std::string> encryption = Setting(rows, "password_encryption")) {
    // Before 10 the setting is a boolean: on stores MD5 hashes.
    if (*encryption == "on") encryption = "md5";
    table.SetString(row, FieldOf<FactKind::kServer>("password_encryption"), *encryption);
  }
  if (rows.md5_password_roles) {
    table.SetStringList(row, FieldOf<FactKind::kServer>("md5_password_roles"),
                        *rows.md5_password_roles);
  }
  for (const size_t field : {ServerField("log_connections"), ServerField("log_disconnections")}) {
    if (std::optional<bool> flag = ParseLogConnections(setting(field))) {
      table.SetBool(row, field, *flag);
    }
  }
  table.SetBool(row, FieldOf<FactKind::kServer>("scanner_ssl"), rows.scanner.ssl);
  if (std::optional<TlsVersion> version = ParseTlsVersion(rows.scanner.tls_version)) {
    table.SetTlsVersion(row, FieldOf<FactKind::kServer>("scanner_tls_version"), *version);
  }
  table.SetBool(row, FieldOf<FactKind::kServer>("scanner_verified"), rows.scanner.verified);
  table.SetBool(row, FieldOf<FactKind::kServer>("scanner_password"), rows.scanner.password);
  if (!rows.scanner.channel_binding.empty()) {
    table.SetString(row, FieldOf<FactKind::kServer>("scanner_channel_binding"),
                    rows.scanner.channel_binding);
  }
  if (rows.scanner.require_auth) {
    table.SetString(row, FieldOf<FactKind::kServer>("scanner_require_auth"),
                    *rows.scanner.require_auth);
  }
  table.SetBool(row, FieldOf<FactKind::kServer>("require_direct_tls"), rows.require_direct_tls);
}

std::vector<std::string> ExpandWithOpenSsl(const std::string& ssl_ciphers) {
  std::vector<std::string> names;
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_method()),
                                                                  SSL_CTX_free);
  if (!context || SSL_CTX_set_cipher_list(context.get(), ssl_ciphers.c_str()) != 1) return names;
  const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), SSL_free);
  if (!ssl) return names;
  const STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    // TLS 1.3 suites are always in the list (ssl_ciphers does not govern them).
    if (std::string_view(SSL_CIPHER_get_version(cipher)) == "TLSv1.3") continue;
    names.emplace_back(SSL_CIPHER_get_name(cipher));
  }
  return names;
}

void CheckSettingsVisible(const ServerRows& rows, std::vector<EvidenceError>& errors) {
  std::string missing;
  for (const SettingSpec& setting : CollectedSettings()) {
    if (!setting.In(rows.version) || rows.settings.contains(setting.name)) continue;
    if (!missing.empty()) missing += ", ";
    missing += setting.name;
  }
  if (missing.empty()) return;
  const std::string grant = rows.version >= 100000
                                ? "GRANT pg_read_all_settings TO " + QuoteIdentifier(rows.role) +
                                      " (pg_monitor includes it)"
                                : "connect as a superuser (PostgreSQL 9.6)";
  errors.push_back({rows.name,
                    "settings not visible to role " + rows.role + ": " + missing + "; " + grant,
                    std::nullopt});
}

}  // namespace

void AddSettingsImpliedByVersion(FactTable& table, size_t row, int version) {
  // Before 14 there is no CRL directory: known to be none, not unknown.
  const size_t crl_dir = FieldOf<FactKind::kServer>("ssl_crl_dir");
  if (version > 0 && version < 140000 && IsAbsent(table, row, crl_dir)) {
    table.SetString(row, crl_dir, "");
  }
}

std::string QuoteIdentifier(std::string_view name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (plain) return std::string(name);
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

namespace {

// OpenSSL compares group names and keywords without case.
std::string GroupKey(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

// OpenSSL 3.5's keywords (ssl/t1_lib.c), as lists of the groups they stand for.
std::vector<std::string_view> KeywordGroups(std::string_view name) {
  const std::string key = GroupKey(name);
  if (key == "default") {
    return {"X25519MLKEM768", "X25519",    "secp256r1", "X448",
            "secp384r1",      "secp521r1", "ffdhe2048", "ffdhe3072"};
  }
  if (key == "default_suite_b") return {"secp256r1", "secp384r1"};
  return {name};
}

// A walsender serves physical replication without a database (a standby, pg_basebackup) and
// logical replication in one. The query and the CSV import keep client backends besides, and a
// CSV without the column lists client backends alone (the audit query's).
std::string_view SessionKind(const Row& row) {
  if (row[kBackendType] != "walsender") return "client";
  return row[kDatabase] ? "logical_replication" : "physical_replication";
}

}  // namespace

std::vector<std::string> KeyExchangeGroups(std::string_view setting) {
  // In the order listed; a group listed again, or removed, leaves an empty place behind, so
  // that a setting of any length is read in linear time (the server's text decides its length).
  std::vector<std::optional<std::string>> listed;
  std::unordered_map<std::string, std::size_t> place;
  std::size_t start = 0;
  while (start <= setting.size()) {
    const std::size_t end = std::min(setting.find_first_of(":/", start), setting.size());
    std::string_view name = setting.substr(start, end - start);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    // '?', '*' and '-' may each come once, in any order; '-' removes the group listed before.
    bool removed = false;
    while (!name.empty() && (name.front() == '?' || name.front() == '*' || name.front() == '-')) {
      removed = removed || name.front() == '-';
      name.remove_prefix(1);
    }
    for (const std::string_view group : KeywordGroups(name)) {
      if (group.empty()) continue;
      std::string key = GroupKey(group);
      if (const auto found = place.find(key); found != place.end()) {
        listed[found->second].reset();
        place.erase(found);
      }
      if (!removed) {
        place.emplace(std::move(key), listed.size());
        listed.emplace_back(group);
      }
    }
    start = end + 1;
  }
  std::vector<std::string> groups;
  for (std::optional<std::string>& group : listed) {
    if (group) groups.push_back(std::move(*group));
  }
  return groups;
}

std::vector<std::string> ExpandCipherList(const std::string& ssl_ciphers) {
  // The answer depends on the string and this process's OpenSSL alone, and a fleet's servers
  // share a few strings: an SSL_CTX per server cost more than the rest of its facts together.
  static std::mutex mutex;
  static std::map<std::string, std::vector<std::string>> expanded;
  const std::lock_guard lock(mutex);
  const auto [found, inserted] = expanded.try_emplace(ssl_ciphers);
  if (inserted) found->second = ExpandWithOpenSsl(ssl_ciphers);
  return found->second;
}

void AddConnectionFacts(std::string_view server, std::string_view role, bool stats_visible,
                        const std::vector<Row>& rows, FactSet& facts,
                        std::vector<EvidenceError>& errors) {
  const std::string grantee = role.empty() ? "<role>" : QuoteIdentifier(role);
  if (!stats_visible) {
    errors.push_back(
        {std::string(server),
         "role " + std::string(role) +
             " cannot see other sessions' client addresses and TLS state (they read as NULL "
             "and would look like Unix-socket sessions); connections not collected: GRANT "
             "pg_monitor TO " +
             grantee + " (or pg_read_all_stats)",
         std::nullopt});
    return;
  }
  FactTable& table = facts.table(FactKind::kConnection);
  const size_t f_server = FieldOf<FactKind::kConnection>("server"),
               f_pid = FieldOf<FactKind::kConnection>("pid"),
               f_user = FieldOf<FactKind::kConnection>("user"),
               f_database = FieldOf<FactKind::kConnection>("database"),
               f_application = FieldOf<FactKind::kConnection>("application_name"),
               f_client_addr = FieldOf<FactKind::kConnection>("client_addr"),
               f_local = FieldOf<FactKind::kConnection>("local"),
               f_ssl = FieldOf<FactKind::kConnection>("ssl"),
               f_version = FieldOf<FactKind::kConnection>("tls_version"),
               f_cipher = FieldOf<FactKind::kConnection>("cipher"),
               f_bits = FieldOf<FactKind::kConnection>("bits"),
               f_compression = FieldOf<FactKind::kConnection>("compression"),
               f_client_dn = FieldOf<FactKind::kConnection>("client_dn"),
               f_client_serial = FieldOf<FactKind::kConnection>("client_serial"),
               f_issuer_dn = FieldOf<FactKind::kConnection>("issuer_dn"),
               f_gss_authenticated = FieldOf<FactKind::kConnection>("gss_authenticated"),
               f_gss_encrypted = FieldOf<FactKind::kConnection>("gss_encrypted"),
               f_gss_principal = FieldOf<FactKind::kConnection>("gss_principal"),
               f_encrypted = FieldOf<FactKind::kConnection>("encrypted"),
               f_superuser = FieldOf<FactKind::kConnection>("superuser"),
               f_replication = FieldOf<FactKind::kConnection>("replication"),
               f_session_kind = FieldOf<FactKind::kConnection>("session_kind"),
               f_replication_state = FieldOf<FactKind::kConnection>("replication_state");
  size_t hidden = 0;
  for (const Row& row : rows) {
    const std::optional<bool> ssl = ParseBool(row[kSsl]);
    // pg_stat_ssl.ssl is never NULL for a session the role may see.
    if (!ssl) {
      ++hidden;
      continue;
    }
    const size_t fact = table.AppendRow();
    table.SetString(fact, f_server, server);
    if (std::optional<std::int64_t> pid = ParseInteger(row[kPid])) {
      table.SetInteger(fact, f_pid, *pid);
    }
    if (row[kUser]) table.SetString(fact, f_user, *row[kUser]);
    if (row[kDatabase]) table.SetString(fact, f_database, *row[kDatabase]);
    if (row[kApplicationName]) table.SetString(fact, f_application, *row[kApplicationName]);
    if (row[kClientAddr]) {
      if (std::optional<IpAddress> address = ParseIpAddress(*row[kClientAddr])) {
        table.SetAddress(fact, f_client_addr, *address);
      }
    }
    table.SetBool(fact, f_local, !row[kClientAddr].has_value());
    table.SetBool(fact, f_ssl, *ssl);
    if (row[kTlsVersion]) {
      if (std::optional<TlsVersion> version = ParseTlsVersion(*row[kTlsVersion])) {
        table.SetTlsVersion(fact, f_version, *version);
      }
    }
    if (row[kCipher]) table.SetString(fact, f_cipher, *row[kCipher]);
    if (std::optional<std::int64_t> bits = ParseInteger(row[kBits])) {
      table.SetInteger(fact, f_bits, *bits);
    }
    if (std::optional<bool> compression = ParseBool(row[kCompression])) {
      table.SetBool(fact, f_compression, *compression);
    }
    if (row[kClientDn]) table.SetString(fact, f_client_dn, *row[kClientDn]);
    if (row[kClientSerial]) table.SetString(fact, f_client_serial, *row[kClientSerial]);
    if (row[kIssuerDn]) table.SetString(fact, f_issuer_dn, *row[kIssuerDn]);
    const std::optional<bool> gss_encrypted = ParseBool(row[kGssEncrypted]);
    if (std::optional<bool> gss = ParseBool(row[kGssAuthenticated])) {
      table.SetBool(fact, f_gss_authenticated, *gss);
    }
    if (gss_encrypted) table.SetBool(fact, f_gss_encrypted, *gss_encrypted);
    if (row[kGssPrincipal]) table.SetString(fact, f_gss_principal, *row[kGssPrincipal]);
    // GSSAPI encryption exists from 12; before, a NULL here means no.
    table.SetBool(fact, f_encrypted, *ssl || gss_encrypted.value_or(false));
    if (std::optional<bool> superuser = ParseBool(row[kSuperuser])) {
      table.SetBool(fact, f_superuser, *superuser);
    }
    if (std::optional<bool> replication = ParseBool(row[kReplication])) {
      table.SetBool(fact, f_replication, *replication);
    }
    const std::string_view session_kind = SessionKind(row);
    table.SetString(fact, f_session_kind, session_kind);
    if (session_kind != "client" && row[kReplicationState]) {
      table.SetString(fact, f_replication_state, *row[kReplicationState]);
    }
  }
  if (hidden > 0) {
    errors.push_back({std::string(server),
                      std::to_string(hidden) + " session(s) hidden from " +
                          (role.empty() ? "the exporting role" : "role " + std::string(role)) +
                          " (TLS state NULL): GRANT pg_monitor TO " + grantee,
                      std::nullopt});
  }
}

namespace {

void AddReplicationLinkFacts(const ServerRows& rows, FactSet& facts,
                             std::vector<EvidenceError>& errors) {
  FactTable& table = facts.table(FactKind::kReplicationLink);
  constexpr auto kServer = FieldOf<FactKind::kReplicationLink>("server");
  constexpr auto kKind = FieldOf<FactKind::kReplicationLink>("kind");
  constexpr auto kName = FieldOf<FactKind::kReplicationLink>("name");
  constexpr auto kDatabase = FieldOf<FactKind::kReplicationLink>("database");
  constexpr auto kEnabled = FieldOf<FactKind::kReplicationLink>("enabled");
  constexpr auto kHost = FieldOf<FactKind::kReplicationLink>("host");
  constexpr auto kPort = FieldOf<FactKind::kReplicationLink>("port");
  constexpr auto kSslMode = FieldOf<FactKind::kReplicationLink>("sslmode");
  constexpr auto kChannelBinding = FieldOf<FactKind::kReplicationLink>("channel_binding");
  constexpr auto kRequireAuth = FieldOf<FactKind::kReplicationLink>("require_auth");
  const auto add = [&](std::string_view kind, std::string_view name) {
    const size_t row = table.AppendRow();
    table.SetString(row, kServer, rows.name);
    table.SetString(row, kKind, kind);
    table.SetString(row, kName, name);
    return row;
  };
  size_t unread_subscriptions = 0;
  bool standby_seen = false;
  for (const ReplicationLinkRow& link : rows.replication_links) {
    const bool standby = link.kind == "standby";
    standby_seen = standby_seen || standby;
    const std::string name = standby ? "primary_conninfo" : link.name.value_or("");
    const size_t row = add(link.kind, name);
    if (link.database) table.SetString(row, kDatabase, *link.database);
    if (link.enabled) table.SetBool(row, kEnabled, *link.enabled);
    if (link.conninfo_error) {
      errors.push_back({rows.name,
                        "the connection string of " + link.kind + " " + name + " cannot be read: " +
                            *link.conninfo_error + "; its sslmode is not known",
                        std::nullopt});
    }
    if (!link.connection) {
      // A standby's is hidden with the other sessions' state, which is an error already.
      unread_subscriptions += !standby && !link.conninfo_error;
      continue;
    }
    const ReplicaConnection& connection = *link.connection;
    if (connection.host) table.SetString(row, kHost, *connection.host);
    if (connection.port) table.SetString(row, kPort, *connection.port);
    if (connection.sslmode) table.SetString(row, kSslMode, *connection.sslmode);
    if (connection.channel_binding) {
      table.SetString(row, kChannelBinding, *connection.channel_binding);
    }
    if (connection.require_auth) table.SetString(row, kRequireAuth, *connection.require_auth);
  }
  // A standby whose WAL receiver is not connected (down, reconnecting, failing its handshake)
  // has no row, but its primary_conninfo still says how it will connect: not a pass.
  if (rows.in_recovery && rows.primary_conninfo_set == true && !standby_seen) {
    add("standby", "primary_conninfo");
    errors.push_back({rows.name,
                      "the standby's WAL receiver is not connected (pg_stat_wal_receiver has no "
                      "row): the sslmode of its primary_conninfo is not known",
                      std::nullopt});
  }
  if (unread_subscriptions == 0) return;
  errors.push_back(
      {rows.name,
       "role " + rows.role + " cannot read pg_subscription.subconninfo (superusers only): " +
           std::to_string(unread_subscriptions) +
           " subscription(s)' sslmode not collected: GRANT SELECT (subconninfo) ON "
           "pg_catalog.pg_subscription TO " +
           QuoteIdentifier(rows.role) + " (the role then reads the subscriptions' passwords)",
       std::nullopt});
}

}  // namespace

void AddServerFacts(const ServerRows& rows, FactSet& facts, ServerEvidence& server) {
  server.host = rows.scanner.host;
  server.port = rows.scanner.port;
  server.version = rows.version;
  if (!rows.scanner.root_cert.empty()) server.root_cert = rows.scanner.root_cert;
  AddServerFact(rows, facts);
  CheckSettingsVisible(rows, server.errors);
  AddConnectionFacts(rows.name, rows.role, rows.stats_visible, rows.connections, facts,
                     server.errors);
  AddReplicationLinkFacts(rows, facts, server.errors);
  if (rows.md5_password_roles_wanted && !rows.md5_password_roles) {
    server.errors.push_back(
        {rows.name,
         "role " + rows.role +
             " cannot read pg_authid.rolpassword (superusers only): which roles store md5 "
             "passwords is not collected: scan as a superuser, or GRANT SELECT (rolname, "
             "rolpassword) ON pg_catalog.pg_authid TO " +
             QuoteIdentifier(rows.role) + " (the role then reads the password hashes)",
         std::nullopt});
  }
}

}  // namespace pgward::collect
