// crypto-inventory.csv: RFC 4180, and no cell a spreadsheet would run as a formula.
#include "reporters/crypto_inventory_report.h"

#include <gtest/gtest.h>

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
            "accepted by the server,,,2\r\n");
}

}  // namespace
}  // namespace pgward
