// The built-in packs' calibration: what each framework's pack fails, held to the framework's
// own thresholds, so that a compliant server is not reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"

namespace pgward::policy {
namespace {

// The findings of `pack`'s PGW-CERT-002 on one server certificate.
std::vector<Finding> WeakKeyFindings(const std::string& pack, const char* key_type, int bits,
                                     const char* signature) {
  const LoadResult loaded = LoadBuiltinPack(pack);
  EXPECT_TRUE(loaded.policy) << pack;
  if (!loaded.policy) return {};
  const auto facts = std::make_shared<FactSet>();
  FactTable& certificates = facts->table(FactKind::kCertificate);
  const size_t row = certificates.AppendRow();
  certificates.SetString(row, FieldOf<FactKind::kCertificate>("server"), "db1");
  certificates.SetInteger(row, FieldOf<FactKind::kCertificate>("depth"), 0);
  certificates.SetString(row, FieldOf<FactKind::kCertificate>("subject"), "CN=db1");
  certificates.SetString(row, FieldOf<FactKind::kCertificate>("key_type"), key_type);
  certificates.SetInteger(row, FieldOf<FactKind::kCertificate>("key_bits"), bits);
  certificates.SetString(row, FieldOf<FactKind::kCertificate>("signature_algorithm"), signature);
  std::vector<Finding> weak;
  for (Finding& finding : Evaluate({&*loaded.policy}, facts).findings) {
    if (finding.rule_id == "PGW-CERT-002") weak.push_back(std::move(finding));
  }
  return weak;
}

// The baseline is every built-in rule but those whose evidence every server hides from the
// recommended scanning role (pg_monitor): PGW-SRV-010 reads pg_authid, and is PCI DSS 8.3.2's.
// The baseline leaves out what only a superuser can evaluate (PGW-SRV-010) and what only a pack
// that asks for it judges (PGW-SRV-011, channel binding of pgward's own login): PCI DSS's has both.
TEST(BuiltinPacksTest, TheBaselineLeavesOutWhatOnlyASuperuserOrAskingPackEvaluates) {
  const LoadResult baseline = LoadBuiltinPack("baseline");
  const LoadResult pci = LoadBuiltinPack("pci-dss-4.0");
  ASSERT_TRUE(baseline.policy && pci.policy);
  std::set<std::string> left_out = BuiltinRuleIds();
  for (const Rule& rule : baseline.policy->rules) left_out.erase(rule.id);
  EXPECT_EQ(left_out, (std::set<std::string>{"PGW-SRV-010", "PGW-SRV-011"}));
  for (const std::string& id : left_out) {
    EXPECT_TRUE(std::ranges::any_of(pci.policy->rules, [&](const Rule& rule) {
      return rule.id == id;
    })) << id;
  }
}

// PCI DSS's strong cryptography is 112 bits of strength (NIST SP 800-57), which RSA 2048 with
// SHA-256 gives: the pack must not fail what the standard accepts.
TEST(BuiltinPacksTest, PciAcceptsRsa2048AndNamesItsThresholdsWhenItFails) {
  EXPECT_TRUE(WeakKeyFindings("pci-dss-4.0", "RSA", 2048, "sha256WithRSAEncryption").empty());
  EXPECT_TRUE(WeakKeyFindings("baseline", "RSA", 2048, "sha256WithRSAEncryption").empty());
  const std::vector<Finding> weak =
      WeakKeyFindings("pci-dss-4.0", "RSA", 1024, "sha256WithRSAEncryption");
  ASSERT_EQ(weak.size(), 1u);
  EXPECT_EQ(weak[0].message,
            "certificate CN=db1 of db1: RSA 1024-bit key, sha256WithRSAEncryption (minimum RSA "
            "2048, EC 256 bits; no SHA-1 or MD5)");
  EXPECT_EQ(WeakKeyFindings("pci-dss-4.0", "RSA", 4096, "sha1WithRSAEncryption").size(), 1u);
}

}  // namespace
}  // namespace pgward::policy
