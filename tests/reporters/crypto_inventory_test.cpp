// crypto-inventory.csv: RFC 4180, and no cell a spreadsheet would run as a formula.
#include "reporters/crypto_inventory_report.h"

#include "engine/model/fact_schema.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

namespace pgward {
namespace {

TEST(CryptoInventoryCsvTest, ASubjectCannotBecomeAFormulaOrAnotherCell) {
  CryptoInventory inventory;
  InventoryCertificate certificate;
  certificate.server = "db1";
  certificate.role = "client";
  certificate.subject = "=HYPERLINK(\"http://x\",\"y\"),CN=a";
  certificate.trust = "accepted by the server";
  certificate.sessions = 2;
  inventory.certificates.push_back(certificate);
  std::ostringstream out;
  reporters::WriteCryptoInventoryCsv(inventory, out);
  const std::string csv = out.str();
  const std::string row = csv.substr(csv.find("\r\n") + 2);
  EXPECT_EQ(row,
            "client certificate,db1,,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\"),CN=a\",,,,,,,,,"
            "accepted by the server,,,2,\r\n");
}

TEST(CryptoInventoryCsvTest, ControlCharactersNeverReachTheFile) {
  CryptoInventory inventory;
  InventoryCertificate certificate;
  certificate.server = "db1";
  certificate.role = "client";
  certificate.subject = "CN=a\x1b]0;pwned\x07";
  inventory.certificates.push_back(certificate);
  std::ostringstream out;
  reporters::WriteCryptoInventoryCsv(inventory, out);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
  EXPECT_NE(out.str().find("CN=a?]0;pwned?"), std::string::npos) << out.str();
}

// Serials in one notation (the probe's hexadecimal), and a server the probe did not try listed
// with the versions its settings admit.
TEST(CryptoInventoryTest, ClientSerialsAreHexAndUnprobedServersShowTheirSettings) {
  FactSet facts;
  FactTable& connections = facts.table(FactKind::kConnection);
  const size_t session = connections.AppendRow();
  connections.SetString(session, FieldOf<FactKind::kConnection>("server"), "db1");
  connections.SetString(session, FieldOf<FactKind::kConnection>("client_dn"), "/CN=app");
  connections.SetString(session, FieldOf<FactKind::kConnection>("client_serial"),
                        "340282366920938463463374607431768211455");
  FactTable& servers = facts.table(FactKind::kServer);
  const size_t server = servers.AppendRow();
  servers.SetString(server, FieldOf<FactKind::kServer>("server"), "db1");
  servers.SetBool(server, FieldOf<FactKind::kServer>("ssl"), true);
  servers.SetTlsVersion(server, FieldOf<FactKind::kServer>("ssl_min_protocol_version"),
                        TlsVersion::kTls1_2);
  const CryptoInventory inventory = BuildCryptoInventory(facts);
  ASSERT_EQ(inventory.certificates.size(), 1u);
  EXPECT_EQ(inventory.certificates[0].serial, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
  ASSERT_EQ(inventory.servers.size(), 1u);
  std::string admitted;
  for (const InventoryProtocol& protocol : inventory.servers[0].protocols) {
    admitted += protocol.version + (protocol.configured.value_or(false) ? "+ " : "- ");
    EXPECT_FALSE(protocol.accepted);
  }
  EXPECT_EQ(admitted, "TLSv1- TLSv1.1- TLSv1.2+ TLSv1.3+ ");
  EXPECT_EQ(inventory.certificates[0].note, "");
}

// PCI DSS 12.3.3 inventories the key exchange too: the groups a server offers, or that they
// could not be read.
TEST(CryptoInventoryTest, KeyExchangeGroupsAreListedOrSaidToBeUnknown) {
  FactSet facts;
  FactTable& servers = facts.table(FactKind::kServer);
  const size_t known = servers.AppendRow();
  servers.SetString(known, FieldOf<FactKind::kServer>("server"), "db1");
  const std::vector<std::string_view> groups = {"X25519MLKEM768", "X25519", "secp256r1"};
  servers.SetStringList(known, FieldOf<FactKind::kServer>("ssl_groups"), groups);
  const size_t hidden = servers.AppendRow();
  servers.SetString(hidden, FieldOf<FactKind::kServer>("server"), "db2");
  const CryptoInventory inventory = BuildCryptoInventory(facts);
  ASSERT_EQ(inventory.servers.size(), 2u);
  EXPECT_EQ(inventory.servers[0].ssl_groups,
            (std::vector<std::string>{"X25519MLKEM768", "X25519", "secp256r1"}));
  EXPECT_EQ(inventory.servers[1].ssl_groups, std::nullopt);
  std::ostringstream json;
  reporters::WriteCryptoInventoryJson(inventory, json);
  const nlohmann::json written = nlohmann::json::parse(json.str());
  EXPECT_EQ(written["servers"][0]["configured"]["ssl_groups"],
            nlohmann::json({"X25519MLKEM768", "X25519", "secp256r1"}));
  EXPECT_TRUE(written["servers"][1]["configured"]["ssl_groups"].is_null());
}

// PostgreSQL keeps NAMEDATALEN - 1 bytes of a client's distinguished names in pg_stat_ssl: a
// name that long may be cut, and the inventory says so rather than present it as whole.
TEST(CryptoInventoryTest, AClientNameAsLongAsPgStatSslKeepsMayBeCut) {
  FactSet facts;
  FactTable& connections = facts.table(FactKind::kConnection);
  const size_t session = connections.AppendRow();
  connections.SetString(session, FieldOf<FactKind::kConnection>("server"), "db1");
  const std::string cut = "/O=pgward sandbox/OU=a rather long organisational unit/CN=appli";
  ASSERT_EQ(cut.size(), 63u);
  connections.SetString(session, FieldOf<FactKind::kConnection>("client_dn"), cut);
  const CryptoInventory inventory = BuildCryptoInventory(facts);
  ASSERT_EQ(inventory.certificates.size(), 1u);
  EXPECT_NE(inventory.certificates[0].note.find("63 bytes"), std::string::npos);
  std::ostringstream csv;
  reporters::WriteCryptoInventoryCsv(inventory, csv);
  EXPECT_NE(csv.str().find("may be cut"), std::string::npos) << csv.str();
}

}  // namespace
}  // namespace pgward
