#include "engine/findings/crypto_inventory.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/model/fact_format.h"
#include "engine/model/fact_schema.h"
#include "engine/model/tls_version.h"

namespace pgward {
namespace {

std::string Text(const FactTable& table, size_t row, size_t field) {
  return IsAbsent(table, row, field) ? std::string() : FormatField(table, row, field);
}

// A string list field's values, each as it is.
std::vector<std::string> List(const FactTable& table, size_t row, size_t field) {
  struct Collect : FieldVisitor {
    std::vector<std::string> values;
    void Absent() override {}
    void Text(std::string_view) override {}
    void Integer(std::int64_t) override {}
    void Bool(bool) override {}
    void List(std::span<const ValueId> strings, const ValuePool& pool) override {
      for (const ValueId id : strings) values.emplace_back(pool.String(id));
    }
  } collect;
  VisitField(table, row, field, collect);
  return collect.values;
}

// pg_stat_ssl's client_serial is a decimal number; the probe writes serials in hexadecimal (as
// OpenSSL prints them): one notation in the inventory. Empty when `decimal` is not a number.
std::string DecimalToHex(std::string_view decimal) {
  std::vector<int> digits;
  for (const char c : decimal) {
    if (c < '0' || c > '9') return "";
    digits.push_back(c - '0');
  }
  std::string hex;
  constexpr char kHex[] = "0123456789ABCDEF";
  while (!digits.empty()) {
    // Divides the decimal digits by 16: the remainder is the next hexadecimal digit.
    std::vector<int> quotient;
    int remainder = 0;
    for (const int digit : digits) {
      remainder = remainder * 10 + digit;
      if (!quotient.empty() || remainder >= 16) quotient.push_back(remainder / 16);
      remainder %= 16;
    }
    hex.insert(hex.begin(), kHex[remainder]);
    digits = std::move(quotient);
  }
  return hex.empty() ? "0" : hex;
}

template <FactKind kind>
std::string ServerOf(const FactTable& table, size_t row) {
  return Text(table, row, FieldOf<kind>("server"));
}

}  // namespace

CryptoInventory BuildCryptoInventory(const FactSet& facts) {
  std::map<std::string, InventoryServer> servers;
  const auto server_named = [&](const std::string& name) -> InventoryServer& {
    InventoryServer& server = servers[name];
    server.server = name;
    return server;
  };
  const FactTable& settings = facts.table(FactKind::kServer);
  for (size_t row = 0; row < settings.size(); ++row) {
    InventoryServer& server = server_named(ServerOf<FactKind::kServer>(settings, row));
    const std::string host = Text(settings, row, FieldOf<FactKind::kServer>("host"));
    const std::string port = Text(settings, row, FieldOf<FactKind::kServer>("port"));
    if (!host.empty()) server.endpoint = host + (port.empty() ? "" : ":" + port);
    server.ssl = Text(settings, row, FieldOf<FactKind::kServer>("ssl"));
    server.ssl_min_protocol_version =
        Text(settings, row, FieldOf<FactKind::kServer>("ssl_min_protocol_version"));
    server.ssl_max_protocol_version =
        Text(settings, row, FieldOf<FactKind::kServer>("ssl_max_protocol_version"));
    server.ssl_ciphers = Text(settings, row, FieldOf<FactKind::kServer>("ssl_ciphers"));
    constexpr auto kGroups = FieldOf<FactKind::kServer>("ssl_groups");
    if (const ValueId groups = settings.Id(row, kGroups); groups != kAbsent) {
      server.ssl_groups.emplace();
      for (const ValueId group : facts.pool().List(groups)) {
        server.ssl_groups->emplace_back(facts.pool().String(group));
      }
    }
  }
  const FactTable& protocols = facts.table(FactKind::kProbeProtocol);
  for (size_t row = 0; row < protocols.size(); ++row) {
    server_named(ServerOf<FactKind::kProbeProtocol>(protocols, row))
        .protocols.push_back({Text(protocols, row, FieldOf<FactKind::kProbeProtocol>("version")),
                              protocols.Bool(row, FieldOf<FactKind::kProbeProtocol>("configured")),
                              protocols.Bool(row, FieldOf<FactKind::kProbeProtocol>("accepted"))});
  }
  // Suites: those the probe saw accepted and those sessions use, one entry each.
  std::map<std::tuple<std::string, std::string, std::string>, InventorySuite> suites;
  const FactTable& ciphers = facts.table(FactKind::kProbeCipher);
  for (size_t row = 0; row < ciphers.size(); ++row) {
    const std::string server = ServerOf<FactKind::kProbeCipher>(ciphers, row);
    const std::string version = Text(ciphers, row, FieldOf<FactKind::kProbeCipher>("version"));
    const std::string cipher = Text(ciphers, row, FieldOf<FactKind::kProbeCipher>("cipher"));
    InventorySuite& suite = suites[{server, version, cipher}];
    suite.protocol = version;
    suite.cipher = cipher;
    suite.bits = ciphers.Integer(row, FieldOf<FactKind::kProbeCipher>("bits"));
    suite.accepted = true;
  }
  std::map<std::tuple<std::string, std::string, std::string, std::string>, InventoryCertificate>
      clients;
  const FactTable& connections = facts.table(FactKind::kConnection);
  for (size_t row = 0; row < connections.size(); ++row) {
    const std::string server = ServerOf<FactKind::kConnection>(connections, row);
    server_named(server);
    const std::string version =
        Text(connections, row, FieldOf<FactKind::kConnection>("tls_version"));
    const std::string cipher = Text(connections, row, FieldOf<FactKind::kConnection>("cipher"));
    if (!version.empty() && !cipher.empty()) {
      InventorySuite& suite = suites[{server, version, cipher}];
      suite.protocol = version;
      suite.cipher = cipher;
      if (!suite.bits)
        suite.bits = connections.Integer(row, FieldOf<FactKind::kConnection>("bits"));
      ++suite.sessions;
    }
    const std::string client_dn =
        Text(connections, row, FieldOf<FactKind::kConnection>("client_dn"));
    if (client_dn.empty()) continue;
    const std::string serial =
        DecimalToHex(Text(connections, row, FieldOf<FactKind::kConnection>("client_serial")));
    const std::string issuer = Text(connections, row, FieldOf<FactKind::kConnection>("issuer_dn"));
    InventoryCertificate& client = clients[{server, client_dn, serial, issuer}];
    client.server = server;
    client.role = "client";
    client.subject = client_dn;
    client.serial = serial;
    client.issuer = issuer;
    client.trust = "accepted by the server";
    constexpr std::size_t kStatSslNameBytes = 63;  // NAMEDATALEN - 1
    if (client_dn.size() >= kStatSslNameBytes || issuer.size() >= kStatSslNameBytes) {
      client.note = "the subject or issuer may be cut: pg_stat_ssl keeps 63 bytes of each";
    }
    ++client.sessions;
  }
  for (auto& [key, suite] : suites) {
    server_named(std::get<0>(key)).suites.push_back(std::move(suite));
  }
  // A server the probe did not try: the versions its settings admit, none of them tried.
  for (auto& [name, server] : servers) {
    if (!server.protocols.empty() || server.ssl.empty()) continue;
    const std::optional<TlsVersion> lowest = ParseTlsVersion(server.ssl_min_protocol_version);
    const std::optional<TlsVersion> highest = ParseTlsVersion(server.ssl_max_protocol_version);
    for (const TlsVersion version : kAllTlsVersions) {
      const bool admitted = server.ssl == "true" && (!lowest || version >= *lowest) &&
                            (!highest || version <= *highest);
      server.protocols.push_back({std::string(TlsVersionName(version)), admitted, std::nullopt});
    }
  }
  CryptoInventory inventory;
  const FactTable& certificates = facts.table(FactKind::kCertificate);
  for (size_t row = 0; row < certificates.size(); ++row) {
    const auto field = [&](size_t handle) { return Text(certificates, row, handle); };
    InventoryCertificate certificate;
    certificate.server = ServerOf<FactKind::kCertificate>(certificates, row);
    certificate.depth = certificates.Integer(row, FieldOf<FactKind::kCertificate>("depth"));
    certificate.role = certificate.depth.value_or(0) == 0 ? "server" : "chain";
    certificate.subject = field(FieldOf<FactKind::kCertificate>("subject"));
    certificate.issuer = field(FieldOf<FactKind::kCertificate>("issuer"));
    certificate.serial = field(FieldOf<FactKind::kCertificate>("serial"));
    certificate.not_before = field(FieldOf<FactKind::kCertificate>("not_before"));
    certificate.not_after = field(FieldOf<FactKind::kCertificate>("not_after"));
    certificate.key_type = field(FieldOf<FactKind::kCertificate>("key_type"));
    certificate.key_bits = certificates.Integer(row, FieldOf<FactKind::kCertificate>("key_bits"));
    certificate.signature_algorithm = field(FieldOf<FactKind::kCertificate>("signature_algorithm"));
    certificate.sans = List(certificates, row, FieldOf<FactKind::kCertificate>("sans"));
    const std::optional<bool> verified =
        certificates.Bool(row, FieldOf<FactKind::kCertificate>("chain_verified"));
    const std::optional<bool> self_signed =
        certificates.Bool(row, FieldOf<FactKind::kCertificate>("self_signed"));
    certificate.trust = !verified                     ? "unknown"
                        : *verified                   ? "verified"
                        : self_signed.value_or(false) ? "self-signed"
                                                      : "unverified";
    certificate.hostname_match =
        certificates.Bool(row, FieldOf<FactKind::kCertificate>("hostname_match"));
    inventory.certificates.push_back(std::move(certificate));
  }
  for (auto& [key, client] : clients) inventory.certificates.push_back(std::move(client));
  for (auto& [name, server] : servers) {
    for (InventoryCertificate& certificate : inventory.certificates) {
      if (certificate.server == name) certificate.endpoint = server.endpoint;
    }
    inventory.servers.push_back(std::move(server));
  }
  std::stable_sort(inventory.certificates.begin(), inventory.certificates.end(),
                   [](const InventoryCertificate& a, const InventoryCertificate& b) {
                     return std::tie(a.server, a.role, a.depth, a.subject) <
                            std::tie(b.server, b.role, b.depth, b.subject);
                   });
  return inventory;
}

}  // namespace pgward
