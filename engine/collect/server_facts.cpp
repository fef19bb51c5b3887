#include "engine/collect/server_facts.h"

#include <openssl/ssl.h>

#include <charconv>
#include <map>
#include <memory>
#include <mutex>

#include "engine/collect/queries.h"

namespace pgward::collect {
namespace {

std::optional<bool> ParseBool(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  if (*text == "t" || *text == "true" || *text == "on") return true;
  if (*text == "f" || *text == "false" || *text == "off") return false;
  return std::nullopt;
}

std::optional<std::int64_t> ParseInteger(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [pointer, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || pointer != end) return std::nullopt;
  return value;
}

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
  table.SetString(row, table.Field("server"), rows.name);
  table.SetString(row, table.Field("host"), rows.scanner.host);
  table.SetInteger(row, table.Field("port"), rows.scanner.port);
  table.SetInteger(row, table.Field("version"), rows.version);
  if (std::optional<bool> ssl = ParseBool(Setting(rows, "ssl"))) {
    table.SetBool(row, table.Field("ssl"), *ssl);
  }
  if (rows.version < 120000) {
    // No setting before 12: those servers take every version OpenSSL enables (they only
    // disable SSLv2 and SSLv3), so the effective minimum is TLSv1.
    table.SetTlsVersion(row, table.Field("ssl_min_protocol_version"), TlsVersion::kTls1_0);
  }
  for (const char* name : {"ssl_min_protocol_version", "ssl_max_protocol_version"}) {
    if (const std::optional<std::string> text = Setting(rows, name)) {
      if (std::optional<TlsVersion> version = ParseTlsVersion(*text)) {
        table.SetTlsVersion(row, table.Field(name), *version);
      }
    }
  }
  for (const char* name : {"ssl_ciphers", "ssl_cert_file", "ssl_ca_file", "ssl_crl_file",
                           "listen_addresses", "hba_file"}) {
    if (const std::optional<std::string> text = Setting(rows, name)) {
      table.SetString(row, table.Field(name), *text);
    }
  }
  if (const std::optional<std::string> ciphers = Setting(rows, "ssl_ciphers")) {
    const std::vector<std::string> expanded = ExpandCipherList(*ciphers);
    const std::vector<std::string_view> views(expanded.begin(), expanded.end());
    table.SetStringList(row, table.Field("ssl_ciphers_expanded"), views);
  }
  if (std::optional<std::string> encryption = Setting(rows, "password_encryption")) {
    // Before 10 the setting is a boolean: on stores MD5 hashes.
    if (*encryption == "on") encryption = "md5";
    table.SetString(row, table.Field("password_encryption"), *encryption);
  }
  for (const char* name : {"log_connections", "log_disconnections"}) {
    if (std::optional<bool> flag = ParseLogConnections(Setting(rows, name))) {
      table.SetBool(row, table.Field(name), *flag);
    }
  }
  table.SetBool(row, table.Field("scanner_ssl"), rows.scanner.ssl);
  if (std::optional<TlsVersion> version = ParseTlsVersion(rows.scanner.tls_version)) {
    table.SetTlsVersion(row, table.Field("scanner_tls_version"), *version);
  }
  table.SetBool(row, table.Field("scanner_verified"), rows.scanner.verified);
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
    if (setting.since_version > rows.version || rows.settings.contains(setting.name)) continue;
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
  const size_t f_server = table.Field("server"), f_pid = table.Field("pid"),
               f_user = table.Field("user"), f_database = table.Field("database"),
               f_application = table.Field("application_name"),
               f_client_addr = table.Field("client_addr"), f_local = table.Field("local"),
               f_ssl = table.Field("ssl"), f_version = table.Field("tls_version"),
               f_cipher = table.Field("cipher"), f_bits = table.Field("bits"),
               f_compression = table.Field("compression"), f_client_dn = table.Field("client_dn"),
               f_client_serial = table.Field("client_serial"),
               f_issuer_dn = table.Field("issuer_dn"),
               f_gss_authenticated = table.Field("gss_authenticated"),
               f_gss_encrypted = table.Field("gss_encrypted"),
               f_gss_principal = table.Field("gss_principal"),
               f_encrypted = table.Field("encrypted"), f_superuser = table.Field("superuser"),
               f_replication = table.Field("replication");
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
  }
  if (hidden > 0) {
    errors.push_back({std::string(server),
                      std::to_string(hidden) + " session(s) hidden from " +
                          (role.empty() ? "the exporting role" : "role " + std::string(role)) +
                          " (TLS state NULL): GRANT pg_monitor TO " + grantee,
                      std::nullopt});
  }
}

void AddServerFacts(const ServerRows& rows, FactSet& facts, ServerEvidence& server) {
  server.host = rows.scanner.host;
  server.port = rows.scanner.port;
  server.version = rows.version;
  if (!rows.scanner.root_cert.empty()) server.root_cert = rows.scanner.root_cert;
  AddServerFact(rows, facts);
  CheckSettingsVisible(rows, server.errors);
  AddConnectionFacts(rows.name, rows.role, rows.stats_visible, rows.connections, facts,
                     server.errors);
}

}  // namespace pgward::collect
