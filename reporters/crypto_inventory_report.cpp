#include "reporters/crypto_inventory_report.h"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reporters/json_writer.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

std::string Csv(std::string_view text) {
  // Valid UTF-8 without control characters: a certificate's names are whoever issued it's text.
  const std::string value = Printable(text);
  std::string cell;
  // A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): a
  // certificate's subject is whatever its issuer wrote.
  if (!value.empty() &&
      std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    cell = "'";
  }
  cell.append(value);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (const char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string Text(const std::optional<bool>& value) {
  return value ? (*value ? "true" : "false") : "";
}

std::string Text(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "";
}

std::string Joined(const std::vector<std::string>& values) {
  std::string joined;
  for (const std::string& value : values) joined += (joined.empty() ? "" : " ") + value;
  return joined;
}

}  // namespace

void WriteCryptoInventoryJson(const CryptoInventory& inventory, std::ostream& out) {
  JsonWriter json(out);
  json.BeginObject();
  json.Key("incomplete");
  json.Strings(inventory.incomplete);
  json.Key("servers");
  json.BeginArray();
  for (const InventoryServer& server : inventory.servers) {
    json.BeginObject();
    json.Member("server", server.server);
    json.Key("endpoint");
    json.StringOrNull(server.endpoint);
    json.Key("configured");
    json.BeginObject();
    json.Key("ssl");
    json.StringOrNull(server.ssl);
    json.Key("ssl_min_protocol_version");
    json.StringOrNull(server.ssl_min_protocol_version);
    json.Key("ssl_max_protocol_version");
    json.StringOrNull(server.ssl_max_protocol_version);
    json.Key("ssl_ciphers");
    json.StringOrNull(server.ssl_ciphers);
    json.Key("ssl_groups");
    if (server.ssl_groups) {
      json.Strings(*server.ssl_groups);
    } else {
      json.Null();
    }
    json.EndObject();
    json.Key("protocols");
    json.BeginArray();
    for (const InventoryProtocol& protocol : server.protocols) {
      json.BeginObject();
      json.Member("version", protocol.version);
      json.Key("configured");
      json.OptionalBool(protocol.configured);
      json.Key("accepted");
      json.OptionalBool(protocol.accepted);
      json.EndObject();
    }
    json.EndArray();
    json.Key("suites");
    json.BeginArray();
    for (const InventorySuite& suite : server.suites) {
      json.BeginObject();
      json.Member("protocol", suite.protocol);
      json.Member("cipher", suite.cipher);
      json.Key("bits");
      json.OptionalInt(suite.bits);
      json.Key("accepted");
      json.Bool(suite.accepted);
      json.IntMember("sessions", static_cast<std::int64_t>(suite.sessions));
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  json.Key("certificates");
  json.BeginArray();
  for (const InventoryCertificate& certificate : inventory.certificates) {
    json.BeginObject();
    json.Member("server", certificate.server);
    json.Key("endpoint");
    json.StringOrNull(certificate.endpoint);
    json.Member("role", certificate.role);
    json.Key("depth");
    json.OptionalInt(certificate.depth);
    json.Member("subject", certificate.subject);
    json.Member("issuer", certificate.issuer);
    json.Member("serial", certificate.serial);
    json.Key("not_before");
    json.StringOrNull(certificate.not_before);
    json.Key("not_after");
    json.StringOrNull(certificate.not_after);
    json.Key("key_type");
    json.StringOrNull(certificate.key_type);
    json.Key("key_bits");
    json.OptionalInt(certificate.key_bits);
    json.Key("signature_algorithm");
    json.StringOrNull(certificate.signature_algorithm);
    json.Key("sans");
    json.Strings(certificate.sans);
    json.Member("trust", certificate.trust);
    json.Key("hostname_match");
    json.OptionalBool(certificate.hostname_match);
    json.IntMember("sessions", static_cast<std::int64_t>(certificate.sessions));
    json.Key("note");
    json.StringOrNull(certificate.note);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  out << "\n";
}

void WriteCryptoInventoryCsv(const CryptoInventory& inventory, std::ostream& out) {
  const auto row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) line += (i > 0 ? "," : "") + Csv(cells[i]);
    out << line << "\r\n";
  };
  row({"kind", "server", "endpoint", "name", "issuer", "serial", "not_before", "not_after",
       "key_type", "key_bits", "signature_algorithm", "sans", "trust", "configured", "accepted",
       "sessions", "note"});
  for (const std::string& server : inventory.incomplete) {
    row({"incomplete", server, "", "evidence incomplete: see the reports' errors", "", "", "", "",
         "", "", "", "", "", "", "", "", ""});
  }
  for (const InventoryServer& server : inventory.servers) {
    for (const InventoryProtocol& protocol : server.protocols) {
      row({"protocol", server.server, server.endpoint, protocol.version, "", "", "", "", "", "", "",
           "", "", Text(protocol.configured), Text(protocol.accepted), "", ""});
    }
    for (const InventorySuite& suite : server.suites) {
      row({"suite", server.server, server.endpoint, suite.protocol + " " + suite.cipher, "", "", "",
           "", "", Text(suite.bits), "", "", "", "", suite.accepted ? "true" : "false",
           std::to_string(suite.sessions), ""});
    }
  }
  for (const InventoryCertificate& certificate : inventory.certificates) {
    row({certificate.role + " certificate", certificate.server, certificate.endpoint,
         certificate.subject, certificate.issuer, certificate.serial, certificate.not_before,
         certificate.not_after, certificate.key_type, Text(certificate.key_bits),
         certificate.signature_algorithm, Joined(certificate.sans), certificate.trust, "", "",
         std::to_string(certificate.sessions), certificate.note});
  }
}

}  // namespace pgward::reporters
