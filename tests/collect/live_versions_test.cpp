// Live collection against real servers of every supported major version: the npm builds of 13,
// 14, 16, 17 and 18 (Debian's 15 is LiveCollectTest's). On each, with clients of every kind
// connected, the collector's sessions are what the server's statistics views show, its settings
// what pg_settings shows, and the server's own pg_hba_file_rules give the findings that the same
// file parsed offline with that version and build gives.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "engine/collect/queries.h"
#include "engine/collect/server_facts.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"
#include "engine/scan/gather.h"
#include "tests/collect/collect_test_util.h"
#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::collect {
namespace {

using sandbox::Sandbox;
using testing::Collect;
using testing::DescribeFacts;
using testing::ErrorText;
using testing::PlantClients;
using testing::ServerFactsFromPgSettings;
using testing::SessionFacts;
using testing::StatisticsViewsQuery;
using testing::TargetFor;

// Rule, status, severity, line and message of every pg_hba.conf finding, the server's name taken
// off the file names of its own rules.
std::vector<std::string> HbaFindings(const FactSet& facts, const std::string& server) {
  policy::LoadResult baseline = policy::LoadBuiltinPack("baseline");
  EXPECT_TRUE(baseline.policy);
  const policy::Evaluation evaluation =
      policy::Evaluate({&*baseline.policy},
                       std::shared_ptr<const FactSet>(std::shared_ptr<const FactSet>(), &facts));
  std::vector<std::string> findings;
  for (const Finding& finding : evaluation.findings) {
    if (!finding.rule_id.starts_with("PGW-HBA-") && !finding.rule_id.starts_with("PGW-COV-") &&
        !finding.rule_id.starts_with("PGW-IDENT-")) {
      continue;
    }
    std::string message = finding.message;
    for (size_t at; (at = message.find(server + ":")) != std::string::npos;) {
      message.erase(at, server.size() + 1);
    }
    findings.push_back(finding.rule_id + " " + std::string(FindingStatusName(finding.status)) +
                       " " + std::string(SeverityName(finding.severity)) + " line " +
                       std::to_string(finding.location ? finding.location->line : 0) + " " +
                       message);
  }
  return findings;
}

class LiveAcrossVersionsTest : public ::testing::TestWithParam<int> {};

TEST_P(LiveAcrossVersionsTest, CollectionAgreesWithTheServersOwnViews) {
  const int major = GetParam();
  sandbox::SandboxOptions options;
  options.major = major;
  Sandbox server(options);
  server.GrantScannerHbaFileRules();
  if (major >= 15) server.GrantScannerIdentFileMappings();
  // An md5 line no planted client matches: PostgreSQL 18 deprecates MD5 passwords, and
  // PGW-HBA-004 says so there, at a higher severity.
  int md5_line = 1;
  {
    std::ifstream hba(server.hba_file());
    for (std::string line; std::getline(hba, line);) ++md5_line;
  }
  std::ofstream(server.hba_file(), std::ios::app) << "host all legacy_app 10.0.0.0/8 md5\n";
  server.Reload();
  const std::vector<sandbox::LiveClient> clients = PlantClients(server);
  std::set<std::int64_t> planted;
  for (const sandbox::LiveClient& client : clients) planted.insert(client.backend_pid());

  FactSet live;
  const Evidence evidence = Collect({TargetFor("db", server.tls_dsn(sandbox::kScannerRole))}, live);
  ASSERT_EQ(evidence.servers.size(), 1u);
  EXPECT_EQ(ErrorText(evidence), "");
  ASSERT_TRUE(evidence.servers[0].version.has_value());
  EXPECT_EQ(*evidence.servers[0].version / 10000, major);

  // Sessions: as the statistics views show them.
  std::vector<Row> rows;
  for (Row& row : server.Query(StatisticsViewsQuery(major))) {
    if (planted.contains(std::stoll(*row[kPid]))) rows.push_back(std::move(row));
  }
  ASSERT_EQ(rows.size(), clients.size());
  FactSet views;
  std::vector<EvidenceError> errors;
  AddConnectionFacts("db", sandbox::kScannerRole, true, rows, views, errors);
  EXPECT_EQ(SessionFacts(live, "db", planted), SessionFacts(views, "db", planted));

  // Settings: as pg_settings shows them to a superuser.
  EXPECT_EQ(DescribeFacts(live, FactKind::kServer),
            ServerFactsFromPgSettings(server, *evidence.servers[0].version));

  // pg_hba.conf: the server's own rows judge as the file does, read as this version and build.
  FactSet from_file;
  scan::ScanInputs inputs;
  inputs.hba_files = {server.hba_file().string()};
  inputs.pg_version = major;
  inputs.server_build = {.gssapi = false, .pam = false, .ldap = false};
  const scan::Gathered gathered = scan::Gather(inputs, from_file);
  ASSERT_FALSE(gathered.input_error);
  EXPECT_TRUE(gathered.errors.empty());
  const std::vector<std::string> file_findings = HbaFindings(from_file, "db");
  EXPECT_FALSE(file_findings.empty());
  EXPECT_EQ(HbaFindings(live, "db"), file_findings);
  const std::string md5 =
      major >= 18 ? "PGW-HBA-004 fail high line " + std::to_string(md5_line) +
                        " host line for legacy_app uses md5, deprecated since PostgreSQL 18: MD5 "
                        "passwords will stop working in a future release"
                  : "PGW-HBA-004 fail medium line " + std::to_string(md5_line) +
                        " host line for legacy_app uses md5";
  EXPECT_EQ(std::ranges::count(file_findings, md5), 1) << md5;
}

INSTANTIATE_TEST_SUITE_P(NpmBuilds, LiveAcrossVersionsTest, ::testing::Values(13, 14, 16, 17, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pgward::collect
