// Who a client certificate logs in as, on real PostgreSQL 15 to 18 servers: a pg_ident.conf map
// that lets a certificate of any name in as a superuser or replication role is found from the
// server's own pg_hba_file_rules, pg_ident_file_mappings and roles (PGW-IDENT-001), a strict
// map passes, and the findings agree with what a real TLS client with such a certificate can
// do. Without the grant on pg_ident_file_mappings the maps are missing evidence, never a pass.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "tests/collect/collect_test_util.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::collect {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using testing::BaselineFindings;
using testing::Collect;
using testing::ErrorText;
using testing::Messages;
using testing::TargetFor;

constexpr const char* kHba = R"(local    all  all                 trust
hostssl  all  all  127.0.0.1/32    cert map=certs
hostssl  all  all  ::1/128         cert
)";

// The role a TLS client with the certificate `name` (its CN) logs in as when it asks for
// `role`; nullopt when the server refuses it.
std::optional<std::string> LoginWithCertificate(const Sandbox& sandbox, const std::string& name,
                                                const std::string& role) {
  const sandbox::TestPki::Issued issued = sandbox.pki().Issue(name, {.common_name = name});
  const std::string dsn = sandbox.tls_dsn(role) + " sslcert=" + issued.certificate.string() +
                          " sslkey=" + issued.private_key.string();
  const std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(dsn.c_str()),
                                                                &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) return std::nullopt;
  const std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(connection.get(), "SELECT current_user"), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) return std::nullopt;
  return PQgetvalue(result.get(), 0, 0);
}

void WriteMaps(const Sandbox& sandbox, const std::string& maps) {
  std::ofstream(sandbox.ident_file(), std::ios::trunc) << maps;
  sandbox.Reload();
}

// Findings about the server's pg_hba.conf name it as the target's.
std::string HbaTarget(const Sandbox& sandbox) { return "ident:" + sandbox.hba_file().string(); }

std::string IdentLine(const Sandbox& sandbox, int line) {
  return "ident:" + sandbox.ident_file().string() + ":" + std::to_string(line);
}

// On every version with pg_ident_file_mappings: Debian's 15, and the npm builds of 16 (which
// adds map_number, file_name and include directives), 17 and 18.
class IdentLiveVersionsTest : public ::testing::TestWithParam<int> {};

TEST_P(IdentLiveVersionsTest, APermissiveMapIsFoundAndAStrictOnePasses) {
  SandboxOptions options;
  options.major = GetParam();
  options.hba_conf = kHba;
  Sandbox sandbox(options);
  sandbox.GrantScannerHbaFileRules();
  sandbox.GrantScannerIdentFileMappings();
  sandbox.Query("CREATE ROLE replicator LOGIN REPLICATION");
  const Target target = TargetFor("ident", sandbox.socket_dsn(sandbox::kScannerRole));

  WriteMaps(sandbox,
            "certs /^(.*)$ postgres\ncerts /^app-(.*)$ replicator\ncerts /.* replicator\n");
  // What the finding says is what a client can do: any name is postgres, and replicator.
  EXPECT_EQ(LoginWithCertificate(sandbox, "anyone-at-all", "postgres"), "postgres");
  EXPECT_EQ(LoginWithCertificate(sandbox, "someone-else", "replicator"), "replicator");
  FactSet permissive;
  const Evidence permissive_evidence = Collect({target}, permissive);
  EXPECT_EQ(ErrorText(permissive_evidence), "");
  const std::vector<std::string> permissive_findings = BaselineFindings(permissive);
  // The replication role is the server's own: a file read alone knows only postgres.
  EXPECT_EQ(Messages(permissive_findings, "PGW-IDENT-001", HbaTarget(sandbox)),
            std::multiset<std::string>{
                "this hostssl line (cert) lets a client certificate of any name log in through "
                "map certs as postgres (" +
                IdentLine(sandbox, 1) + "), replicator (" + IdentLine(sandbox, 3) + ")"});
  // The line without a map lets a certificate named after a privileged role in as it.
  EXPECT_EQ(Messages(permissive_findings, "PGW-IDENT-002", HbaTarget(sandbox)),
            std::multiset<std::string>{"this hostssl line (cert) lets a client certificate named "
                                       "after postgres, replicator log in as that role"});

  if (GetParam() >= 16) {
    // 16's targets: `all` takes a certificate of any name in as any role the line admits, and
    // +group as any member of the group (is_member_of_role_nosuper: a superuser is no member of
    // a group it was not granted).
    sandbox.Query("CREATE ROLE admins NOLOGIN; GRANT admins TO replicator");
    WriteMaps(sandbox, "certs /^(.*)$ +admins\n");
    EXPECT_EQ(LoginWithCertificate(sandbox, "nobody-in-particular", "replicator"), "replicator");
    EXPECT_EQ(LoginWithCertificate(sandbox, "nobody-in-particular", "postgres"), std::nullopt);
    FactSet group;
    EXPECT_EQ(ErrorText(Collect({target}, group)), "");
    EXPECT_EQ(Messages(BaselineFindings(group), "PGW-IDENT-001", HbaTarget(sandbox)),
              std::multiset<std::string>{
                  "this hostssl line (cert) lets a client certificate of any name log in through "
                  "map certs as replicator (" +
                  IdentLine(sandbox, 1) + ")"});
    WriteMaps(sandbox, "certs /^(.*)$ all\n");
    EXPECT_EQ(LoginWithCertificate(sandbox, "nobody-in-particular", "postgres"), "postgres");
    FactSet all;
    EXPECT_EQ(ErrorText(Collect({target}, all)), "");
    EXPECT_EQ(Messages(BaselineFindings(all), "PGW-IDENT-001", HbaTarget(sandbox)),
              std::multiset<std::string>{
                  "this hostssl line (cert) lets a client certificate of any name log in through "
                  "map certs as postgres (" +
                  IdentLine(sandbox, 1) + "), replicator (" + IdentLine(sandbox, 1) + ")"});
  }

  WriteMaps(sandbox, "certs /^dba@example\\.com$ postgres\n");
  EXPECT_EQ(LoginWithCertificate(sandbox, "anyone-at-all", "postgres"), std::nullopt);
  EXPECT_EQ(LoginWithCertificate(sandbox, "dba@example.com", "postgres"), "postgres");
  FactSet strict;
  const Evidence strict_evidence = Collect({target}, strict);
  EXPECT_EQ(ErrorText(strict_evidence), "");
  EXPECT_TRUE(Messages(BaselineFindings(strict), "PGW-IDENT-001", HbaTarget(sandbox)).empty());

  // A map the server refuses (one bad line) leaves the maps in force unknown: an error, with the
  // line, and evidence missing.
  WriteMaps(sandbox, "certs /^(.*)$ postgres\ncerts /[bad x\n");
  FactSet refused;
  const Evidence refused_evidence = Collect({target}, refused);
  EXPECT_NE(ErrorText(refused_evidence)
                .find(IdentLine(sandbox, 2) + ": invalid regular expression \"[bad\": brackets "
                                              "[] not balanced: the server refuses the whole"),
            std::string::npos)
      << ErrorText(refused_evidence);
  EXPECT_EQ(Messages(BaselineFindings(refused), "PGW-IDENT-001", HbaTarget(sandbox)),
            std::multiset<std::string>{"cannot evaluate PGW-IDENT-001: evidence missing "
                                       "(certificate_map_privileged not collected)"});
}

INSTANTIATE_TEST_SUITE_P(WithTheView, IdentLiveVersionsTest, ::testing::Values(15, 16, 17, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

// An inventory's copies of the server's files (hba_file, ident_file) are read with the server's
// roles: the scanner needs no grant on either view.
TEST(IdentLiveTest, AnInventorysCopiesAreJudgedWithTheServersRoles) {
  SandboxOptions options;
  options.hba_conf = kHba;
  Sandbox sandbox(options);
  sandbox.Query("CREATE ROLE replicator LOGIN REPLICATION");
  Target target = TargetFor("copies", sandbox.socket_dsn(sandbox::kScannerRole));
  target.hba_file = (sandbox.directory() / "copy-hba.conf").string();
  target.ident_file = (sandbox.directory() / "copy-ident.conf").string();
  std::ofstream(*target.hba_file) << kHba;
  std::ofstream(*target.ident_file) << "certs /.* replicator\n";
  FactSet facts;
  const Evidence evidence = Collect({target}, facts);
  EXPECT_EQ(ErrorText(evidence), "");
  EXPECT_EQ(Messages(BaselineFindings(facts), "PGW-IDENT-001", *target.hba_file),
            std::multiset<std::string>{"this hostssl line (cert) lets a client certificate of any "
                                       "name log in through map certs as replicator (" +
                                       *target.ident_file + ":1)"});
}

TEST(IdentLiveTest, MapsTheScannerMayNotReadAreMissingEvidence) {
  SandboxOptions options;
  options.hba_conf = kHba;
  Sandbox sandbox(options);
  sandbox.GrantScannerHbaFileRules();
  WriteMaps(sandbox, "certs /^(.*)$ postgres\n");
  FactSet facts;
  const Evidence evidence =
      Collect({TargetFor("ident", sandbox.socket_dsn(sandbox::kScannerRole))}, facts);
  EXPECT_NE(ErrorText(evidence).find("role pgward_scanner cannot read pg_ident_file_mappings: "
                                     "GRANT SELECT ON pg_catalog.pg_ident_file_mappings TO "
                                     "pgward_scanner; GRANT EXECUTE ON FUNCTION "
                                     "pg_catalog.pg_ident_file_mappings() TO pgward_scanner"),
            std::string::npos)
      << ErrorText(evidence);
  EXPECT_EQ(Messages(BaselineFindings(facts), "PGW-IDENT-001", HbaTarget(sandbox)),
            std::multiset<std::string>{"cannot evaluate PGW-IDENT-001: evidence missing "
                                       "(certificate_map_privileged not collected)"});

  // Granted, but the file is gone: the view fails, and the scan says why instead of failing.
  sandbox.GrantScannerIdentFileMappings();
  std::filesystem::remove(sandbox.ident_file());
  FactSet missing;
  const Evidence missing_evidence =
      Collect({TargetFor("ident", sandbox.socket_dsn(sandbox::kScannerRole))}, missing);
  EXPECT_NE(ErrorText(missing_evidence)
                .find("cannot read pg_ident_file_mappings: ERROR:  could not open usermap file"),
            std::string::npos)
      << ErrorText(missing_evidence);
  EXPECT_EQ(missing.table(FactKind::kServer).size(), 1u);
}

}  // namespace
}  // namespace pgward::collect
