// RenderFileRules(): the columns of pg_hba_file_rules by version, numbering, secrets.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/core/redact.h"
#include "tests/hba/hba_test_util.h"

namespace pgward::hba {
namespace {

using testing::Describe;

std::vector<std::string> Render(std::string_view text, int pg_version,
                                SecretDisplay secrets = SecretDisplay::kShow) {
  ParseOptions options;
  options.pg_version = pg_version;
  const HbaFile file = ParseHbaText(text, "/etc/pg_hba.conf", options);
  std::vector<std::string> rows;
  for (const FileRulesRow& row : RenderFileRules(file, pg_version, secrets)) {
    rows.push_back(Describe(row, true));
  }
  return rows;
}

constexpr std::string_view kMixed =
    "local all all trust\n"
    "bogus all all trust\n"
    "host all all all radius radiusservers=127.0.0.1 radiussecrets=s radiusports=x\n"
    "host all all ::1/128 scram-sha-256\n";

TEST(HbaViewTest, PostgreSql16AddsRuleNumberAndFileName) {
  // Error rows are not numbered; the rows hba.c rejects silently are.
  EXPECT_THAT(
      Render(kMixed, 16),
      ::testing::ElementsAre(
          "1|/etc/pg_hba.conf|1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
          "<NULL>|/etc/pg_hba.conf|2|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid "
          "connection type \"bogus\"",
          "2|/etc/pg_hba.conf|3|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>",
          "3|/etc/pg_hba.conf|4|host|{all}|{all}|::1|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|"
          "scram-sha-256|<NULL>|<NULL>"));
}

TEST(HbaViewTest, BeforePostgreSql16ThereIsNoRuleNumberNorFileName) {
  for (int version : {13, 14, 15}) {
    const std::vector<std::string> rows = Render(kMixed, version);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0], "<NULL>|<NULL>|1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
    EXPECT_EQ(rows[2], "<NULL>|<NULL>|3|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>");
  }
  // The model keeps the numbering whatever the version.
  const HbaFile file = ParseHbaText(kMixed, "/etc/pg_hba.conf", testing::ForVersion(15));
  EXPECT_EQ(file.rules[3].rule_number, 3);
}

TEST(HbaViewTest, SecretsAreShownLikeTheServerOrMasked) {
  constexpr std::string_view text =
      "host all all all ldap ldapbasedn=dc=x ldapbindpasswd=s3cret\n"
      "host all all all radius radiusservers=\"127.0.0.1,::1\" radiussecrets=\"a,b\"\n";
  EXPECT_THAT(Render(text, 17),
              ::testing::ElementsAre(
                  "1|/etc/pg_hba.conf|1|host|{all}|{all}|all|<NULL>|ldap|{ldapbasedn=dc=x,"
                  "ldapbindpasswd=s3cret,ldapscope=2}|<NULL>",
                  "2|/etc/pg_hba.conf|2|host|{all}|{all}|all|<NULL>|radius|{\"radiusservers=127.0."
                  "0.1,::1\",\"radiussecrets=a,b\"}|<NULL>"));
  EXPECT_THAT(Render(text, 17, SecretDisplay::kMask),
              ::testing::ElementsAre(
                  "1|/etc/pg_hba.conf|1|host|{all}|{all}|all|<NULL>|ldap|{ldapbasedn=dc=x,"
                  "ldapbindpasswd=********,ldapscope=2}|<NULL>",
                  "2|/etc/pg_hba.conf|2|host|{all}|{all}|all|<NULL>|radius|{\"radiusservers=127.0."
                  "0.1,::1\",radiussecrets=********}|<NULL>"));
  EXPECT_TRUE(IsSecretOption("ldapbindpasswd"));
  EXPECT_TRUE(IsSecretOption("radiussecrets"));
  EXPECT_FALSE(IsSecretOption("ldapbinddn"));
}

TEST(HbaViewTest, FormatsAddressesLikeTheServer) {
  IpAddress address{IpFamily::kV6, {}};
  address.bytes[15] = 1;
  EXPECT_EQ(FormatIpAddress(address), "::1");
  address = IpAddress{IpFamily::kV4, {192, 168, 0, 7}};
  EXPECT_EQ(FormatIpAddress(address), "192.168.0.7");
  address = IpAddress{IpFamily::kV4, {0, 10, 100, 255}};
  EXPECT_EQ(FormatIpAddress(address), "0.10.100.255");
  EXPECT_EQ(testing::OneRow("host all all 2001:DB8:0:0:0::1/64 md5\n"),
            "1|host|{all}|{all}|2001:db8::1|ffff:ffff:ffff:ffff::|md5|<NULL>|<NULL>");
}

}  // namespace
}  // namespace pgward::hba
