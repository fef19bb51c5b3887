// pg_ident.conf (parse_ident_line) by version, and who a client certificate can log in as
// through pg_hba.conf and its maps (CheckCertAuth, check_usermap). The version differences are
// those the transport-surface research brief recorded on real 13 to 18 servers; the 15 rows
// are also checked against the server by tests/differential (IdentViewDifferentialTest).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/hba/certificate_names.h"
#include "engine/hba/ident.h"
#include "engine/hba/ident_view.h"
#include "tests/hba/hba_test_util.h"

namespace pgward::hba {
namespace {

using testing::Column;
using ::testing::ElementsAre;
using testing::ForVersion;
using ::testing::IsEmpty;
using testing::TempDir;

// "map_number|file_name|line|map|sys|pg|error" as psql prints the 16+ view.
std::vector<std::string> Rows(const IdentFile& file, int pg_version) {
  std::vector<std::string> rows;
  for (const IdentMappingRow& row : RenderIdentMappings(file, pg_version)) {
    rows.push_back((row.map_number ? std::to_string(*row.map_number) : "<NULL>") + "|" +
                   Column(row.file_name) + "|" + std::to_string(row.line_number) + "|" +
                   Column(row.map_name) + "|" + Column(row.sys_name) + "|" +
                   Column(row.pg_username) + "|" + Column(row.error));
  }
  return rows;
}

std::vector<std::string> Rows(std::string_view text, int pg_version) {
  return Rows(ParseIdentText(text, "/d/pg_ident.conf", ForVersion(pg_version)), pg_version);
}

TEST(IdentParserTest, ThreeFieldsTheRestIgnoredAndOneTokenEach) {
  EXPECT_THAT(
      Rows("m a b\nm16 a b c d\nm2 a\nm3\nm4 a,b c\n\"quoted name\" \"/^x$\" \"u\"\n", 16),
      ElementsAre("1|/d/pg_ident.conf|1|m|a|b|<NULL>", "2|/d/pg_ident.conf|2|m16|a|b|<NULL>",
                  "<NULL>|/d/pg_ident.conf|3|<NULL>|<NULL>|<NULL>|missing entry at end of line",
                  "<NULL>|/d/pg_ident.conf|4|<NULL>|<NULL>|<NULL>|missing entry at end of line",
                  "<NULL>|/d/pg_ident.conf|5|<NULL>|<NULL>|<NULL>|multiple values in ident field",
                  "3|/d/pg_ident.conf|6|quoted name|/^x$|u|<NULL>"));
  // Before 16 the view has neither column.
  EXPECT_THAT(Rows("m a b\n", 15), ElementsAre("<NULL>|<NULL>|1|m|a|b|<NULL>"));
}

TEST(IdentParserTest, ARoleStartingWithASlashIsARegularExpressionFrom16) {
  EXPECT_THAT(Rows("a sys /[bad\n", 15), ElementsAre("<NULL>|<NULL>|1|a|sys|/[bad|<NULL>"));
  EXPECT_THAT(Rows("a sys /[bad\n", 16),
              ElementsAre("<NULL>|/d/pg_ident.conf|1|<NULL>|<NULL>|<NULL>|invalid regular "
                          "expression \"[bad\": brackets [] not balanced"));
  // The system user is one in every version, quoted or not: only its first byte counts.
  for (int version : {13, 15, 18}) {
    EXPECT_THAT(Rows("b \"/[bad\" x\n", version),
                ElementsAre(::testing::EndsWith("|invalid regular expression \"[bad\": brackets "
                                                "[] not balanced")))
        << version;
  }
  const IdentFile file = ParseIdentText("m /^(.*)$ /^pg\nm sys \"all\"\n", "f", ForVersion(16));
  ASSERT_EQ(file.mappings.size(), 2u);
  EXPECT_TRUE(file.mappings[0].system_user.regex);
  EXPECT_TRUE(file.mappings[0].pg_user.regex);
  EXPECT_TRUE(file.mappings[1].pg_user.quoted);
  EXPECT_FALSE(file.HasErrors());
}

TEST(IdentParserTest, IncludeDirectivesFrom16AndContinuationLinesFrom14) {
  const TempDir dir;
  dir.Write("extra.conf", "ex1 e1 e2\n");
  const std::string main = dir.Write("pg_ident.conf",
                                     "m1 a b\ninclude extra.conf\ninclude_if_exists missing.conf\n"
                                     "include a b\nm2 a \\\n  b\n");
  EXPECT_THAT(Rows(ParseIdentFile(main, ForVersion(15)), 15),
              ElementsAre("<NULL>|<NULL>|1|m1|a|b|<NULL>",
                          "<NULL>|<NULL>|2|<NULL>|<NULL>|<NULL>|missing entry at end of line",
                          "<NULL>|<NULL>|3|<NULL>|<NULL>|<NULL>|missing entry at end of line",
                          "<NULL>|<NULL>|4|include|a|b|<NULL>", "<NULL>|<NULL>|5|m2|a|b|<NULL>"));
  EXPECT_THAT(Rows(ParseIdentFile(main, ForVersion(16)), 16),
              ElementsAre("1|" + main + "|1|m1|a|b|<NULL>",
                          "2|" + dir.path() + "/extra.conf|1|ex1|e1|e2|<NULL>",
                          "3|" + main + "|4|include|a|b|<NULL>", "4|" + main + "|5|m2|a|b|<NULL>"));
  // 13 has no continuation lines: the backslash is the role, and the next line a map alone.
  EXPECT_THAT(Rows(ParseIdentFile(main, ForVersion(13)), 13),
              ::testing::Contains("<NULL>|<NULL>|5|m2|a|\\|<NULL>"));
}

TEST(IdentParserTest, UnreadableAndRefusedFiles) {
  const TempDir dir;
  const IdentFile missing = ParseIdentFile(dir.path() + "/none.conf");
  ASSERT_TRUE(missing.read_error.has_value());
  EXPECT_THAT(missing.mappings, IsEmpty());
  EXPECT_NE(UnreadableReason(missing)->find("No such file"), std::string::npos);

  const TempDir outside;
  outside.Write("secret", "stolen map line\n");
  const std::string main =
      dir.Write("pg_ident.conf", "m1 a b\nm2 sys @" + outside.path() + "/secret\n");
  const IdentFile file = ParseIdentFile(main, ForVersion(15));
  ASSERT_EQ(file.refused.size(), 1u);
  ASSERT_EQ(file.mappings.size(), 2u);
  EXPECT_TRUE(file.mappings[1].error.has_value());
  for (const IdentMapping& mapping : file.mappings) {
    EXPECT_EQ(mapping.pg_user.text.find("stolen"), std::string::npos);
    EXPECT_EQ(mapping.error.value_or("").find("stolen"), std::string::npos);
  }
}

TEST(IdentParserTest, TheViewReadBackIsTheParsedFile) {
  const IdentFile parsed = ParseIdentText("m1 /^(.*)$ postgres\nbad\nm2 sys /^app\n",
                                          "/d/pg_ident.conf", ForVersion(16));
  const IdentFile back =
      IdentFileFromView(RenderIdentMappings(parsed, 16), "server:/d/pg_ident.conf", 16);
  EXPECT_EQ(Rows(back, 16), Rows(parsed, 16));
  EXPECT_TRUE(back.HasErrors());
  EXPECT_TRUE(back.mappings[2].pg_user.regex);
  // 15's rows have no file name: the server's ident_file names them.
  const IdentFile fifteen = IdentFileFromView(RenderIdentMappings(parsed, 15), "server:x", 15);
  EXPECT_EQ(*fifteen.mappings[0].location.file, "server:x");
  EXPECT_FALSE(fifteen.mappings[2].pg_user.regex);
}

// ---- Who a certificate logs in as ---------------------------------------------------------

PrivilegedRole Role(std::string name, std::vector<std::string> member_of = {}) {
  return {std::move(name), std::move(member_of)};
}

std::vector<std::optional<CertificateNameCheck>> Check(std::string_view hba,
                                                       std::optional<std::string_view> ident,
                                                       int pg_version,
                                                       const PrivilegedRoles& roles) {
  const HbaFile file = ParseHbaText(hba, "/d/pg_hba.conf", ForVersion(pg_version));
  std::optional<IdentFile> maps;
  if (ident) maps = ParseIdentText(*ident, "/d/pg_ident.conf", ForVersion(pg_version));
  return CheckCertificateNames(file, maps ? &*maps : nullptr, roles, pg_version);
}

// What the single cert line with map m reaches through `ident`.
CertificateNameCheck ThroughMap(std::string_view ident, int pg_version = 16,
                                const PrivilegedRoles& roles = {Role("postgres")},
                                std::string_view hba = "hostssl all all 10.0.0.0/8 cert map=m\n") {
  const auto checks = Check(hba, ident, pg_version, roles);
  EXPECT_TRUE(checks.at(0).has_value());
  EXPECT_EQ(checks.at(0)->map, "m");
  return checks.at(0).value_or(CertificateNameCheck{});
}

// The roles a certificate of any name reaches through the single line's map.
std::optional<std::vector<std::string>> AnyName(std::string_view ident, int pg_version = 16,
                                                const PrivilegedRoles& roles = {Role("postgres")}) {
  return ThroughMap(ident, pg_version, roles).any_name_roles;
}

TEST(CertificateNamesTest, AMapThatTakesNamesNobodyChoseReachesItsRole) {
  for (const char* system : {"/^(.*)$", "/^(.+)$", "/.", "/", "/^[A-Za-z0-9]+$", "/@"}) {
    EXPECT_THAT(*AnyName(std::string("m ") + system + " postgres\n"),
                ElementsAre("postgres (/d/pg_ident.conf:1)"))
        << system;
  }
  EXPECT_THAT(*AnyName("m /.* postgres\n", 13), ElementsAre("postgres (/d/pg_ident.conf:1)"));
  // A \1 whose group takes nothing makes every name the same role.
  EXPECT_THAT(*AnyName("m /^.*(x?)$ postgres\\1\n"), ElementsAre("postgres (/d/pg_ident.conf:1)"));
  // An expression RE2 cannot read (a back reference) may match anything: it counts.
  EXPECT_THAT(*AnyName("m /^(a*)\\1$ postgres\n"), ElementsAre("postgres (/d/pg_ident.conf:1)"));
}

TEST(CertificateNamesTest, StrictMapsAndNamesTakenFromTheCertificateDoNot) {
  EXPECT_THAT(*AnyName("m /^dba-[a-z]+@example\\.com$ postgres\n"), IsEmpty());
  EXPECT_THAT(*AnyName("m alice postgres\n"), IsEmpty());
  // ARE's directors and word boundaries, read as the server reads them (RE2 alone cannot).
  EXPECT_THAT(*AnyName("m \"/***=CN=alice,O=corp\" postgres\n"), IsEmpty());
  EXPECT_THAT(*AnyName("m /^\\mbob\\M$ postgres\n"), IsEmpty());
  // \1 makes the role the certificate's own name: never any name's, but a certificate named
  // after the role gets in (PGW-IDENT-002).
  for (const char* line : {"m /^(.*)$ \\1\n", "m /^(.*)@example\\.com$ \\1\n"}) {
    const CertificateNameCheck check = ThroughMap(line);
    EXPECT_THAT(*check.any_name_roles, IsEmpty()) << line;
    EXPECT_THAT(*check.own_name_roles, ElementsAre("postgres (/d/pg_ident.conf:1)")) << line;
  }
  // Not when the role cannot be made of the name, or there is no group to take it.
  EXPECT_THAT(*ThroughMap("m /^(.*)$ app_\\1\n").own_name_roles, IsEmpty());
  EXPECT_THAT(*ThroughMap("m /^x$ \\1\n").own_name_roles, IsEmpty());
  // Only the roles the pg_hba.conf line admits can be asked for through it.
  const CertificateNameCheck app_only =
      ThroughMap("m /^(.*)$ postgres\nm /^(.*)$ \\1\n", 16, {Role("postgres")},
                 "hostssl all app 10.0.0.0/8 cert map=m\n");
  EXPECT_THAT(*app_only.any_name_roles, IsEmpty());
  EXPECT_THAT(*app_only.own_name_roles, IsEmpty());
  // Map names are compared byte for byte.
  EXPECT_THAT(*AnyName("M /^(.*)$ postgres\n"), IsEmpty());
  EXPECT_THAT(*AnyName("mm /^(.*)$ postgres\n"), IsEmpty());
}

TEST(CertificateNamesTest, AllGroupsAndExpressionsAreKeywordsFrom16) {
  const PrivilegedRoles roles = {Role("postgres"), Role("dba", {"admins"}), Role("replicator")};
  EXPECT_THAT(*AnyName("m /.* all\n", 16, roles),
              ElementsAre("postgres (/d/pg_ident.conf:1)", "dba (/d/pg_ident.conf:1)",
                          "replicator (/d/pg_ident.conf:1)"));
  EXPECT_THAT(*AnyName("m /.* all\n", 15, roles), IsEmpty());
  // A superuser is not a member of every group.
  EXPECT_THAT(*AnyName("m /.* +admins\n", 16, roles), ElementsAre("dba (/d/pg_ident.conf:1)"));
  EXPECT_THAT(*AnyName("m /.* +admins\n", 15, roles), IsEmpty());
  EXPECT_THAT(*AnyName("m /.* /^(post|repl)\n", 16, roles),
              ElementsAre("postgres (/d/pg_ident.conf:1)", "replicator (/d/pg_ident.conf:1)"));
  // Quoted, they are names.
  EXPECT_THAT(*AnyName("m /.* \"all\"\n", 16, roles), IsEmpty());
  EXPECT_THAT(*AnyName("m /.* \"+admins\"\n", 16, roles), IsEmpty());
  // Each role once, at the first line of the map that lets it in.
  EXPECT_THAT(*AnyName("m /.* postgres\nm /^(.*)$ all\n", 16, roles),
              ElementsAre("postgres (/d/pg_ident.conf:1)", "dba (/d/pg_ident.conf:2)",
                          "replicator (/d/pg_ident.conf:2)"));
}

TEST(CertificateNamesTest, MapsNotKnownAreNotJudged) {
  EXPECT_FALSE(AnyName("m /^(.*)$ postgres\nbroken line\n").has_value());
  const auto unread =
      Check("hostssl all all 10.0.0.0/8 cert map=m\n", std::nullopt, 16, AssumedPrivilegedRoles());
  ASSERT_TRUE(unread.at(0).has_value());
  EXPECT_FALSE(unread.at(0)->any_name_roles.has_value());
}

TEST(CertificateNamesTest, WhichLinesCheckACertificatesName) {
  const auto checks = Check(
      "hostssl all all 10.0.0.0/8 cert\n"
      "hostssl all all 10.0.0.0/8 gss clientcert=verify-full map=m\n"
      "hostssl all all 10.0.0.0/8 scram-sha-256 clientcert=verify-full\n"
      "hostssl all all 10.0.0.0/8 scram-sha-256 clientcert=verify-ca\n"
      "hostssl all app 10.0.0.0/8 cert\n"
      "hostssl all +admins 10.0.0.0/8 trust clientcert=verify-full\n"
      "hostssl all /^repl 10.0.0.0/8 cert\n"
      "host all all 10.0.0.0/8 scram-sha-256\n",
      "m /^(.*)$ postgres\n", 16, {Role("postgres"), Role("dba", {"admins"}), Role("repl")});
  ASSERT_EQ(checks.size(), 8u);
  ASSERT_TRUE(checks[0] && checks[1] && checks[2] && checks[4] && checks[5] && checks[6]);
  EXPECT_THAT(*checks[0]->own_name_roles, ElementsAre("postgres", "dba", "repl"));
  EXPECT_EQ(checks[1]->map, "m");
  EXPECT_THAT(*checks[1]->any_name_roles, ElementsAre("postgres (/d/pg_ident.conf:1)"));
  // The certificate's name is checked, but a password is asked for as well.
  EXPECT_EQ(checks[2]->map, std::nullopt);
  EXPECT_FALSE(checks[2]->own_name_roles.has_value());
  EXPECT_FALSE(checks[3].has_value());  // verify-ca compares no name
  EXPECT_THAT(*checks[4]->own_name_roles, IsEmpty());
  EXPECT_THAT(*checks[5]->own_name_roles, ElementsAre("dba"));
  EXPECT_THAT(*checks[6]->own_name_roles, ElementsAre("repl"));
  EXPECT_FALSE(checks[7].has_value());
}

// A user field RE2 cannot read may admit anyone (fail closed); a DN is never a plain role name.
TEST(CertificateNamesTest, UnreadableUserFieldsAdmitAndDistinguishedNamesDoNot) {
  const auto checks = Check(
      "hostssl all /^(?!app_) 10.0.0.0/8 cert\n"
      "hostssl all all 10.0.0.0/8 cert clientname=DN\n",
      std::nullopt, 16, AssumedPrivilegedRoles());
  EXPECT_THAT(*checks.at(0)->own_name_roles, ElementsAre("postgres"));
  EXPECT_THAT(*checks.at(1)->own_name_roles, IsEmpty());
}

// Many records over a large map: each map line's expression is compiled once, not once per
// record (this took minutes when it was).
TEST(CertificateNamesTest, ManyRecordsSharingALargeMap) {
  std::string hba, ident;
  for (int i = 0; i < 5000; ++i) {
    hba += "hostssl all all 10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
           "/32 cert map=m\n";
    ident += "m /^user" + std::to_string(i) + "@example\\.com$ app" + std::to_string(i) + "\n";
  }
  ident += "m /^(.*)$ postgres\n";
  const auto checks = Check(hba, ident, 16, AssumedPrivilegedRoles());
  ASSERT_EQ(checks.size(), 5000u);
  for (const auto& check : checks) {
    EXPECT_THAT(*check->any_name_roles, ElementsAre("postgres (/d/pg_ident.conf:5001)"));
  }
}

}  // namespace
}  // namespace pgward::hba
