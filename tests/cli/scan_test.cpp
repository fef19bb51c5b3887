// `pgward scan --hba`: the pre-merge case, offline, through the real binary.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/command.h"
#include "tests/support/silent_port.h"

namespace pgward {
namespace {

using testing::RunPgward;

const std::string kFixtures = std::string(PGWARD_SOURCE_DIR) + "/fixtures/scan/";

std::set<std::string> RuleIds(const nlohmann::json& report) {
  std::set<std::string> ids;
  for (const auto& finding : report["findings"]) ids.insert(finding["rule_id"].get<std::string>());
  return ids;
}

TEST(ScanTest, InsecureFileFindsEveryHbaProblem) {
  const auto result = RunPgward(
      {"scan", "--hba", kFixtures + "insecure_pg_hba.conf", "--format", "json", "--reproducible"});
  const nlohmann::json report = nlohmann::json::parse(result.out);
  const std::set<std::string> ids = RuleIds(report);
  for (const char* expected :
       {"PGW-HBA-001", "PGW-HBA-002", "PGW-HBA-003", "PGW-HBA-004", "PGW-HBA-005", "PGW-HBA-006",
        "PGW-HBA-007", "PGW-HBA-009", "PGW-HBA-010"}) {
    EXPECT_TRUE(ids.contains(expected)) << expected;
  }
  // Findings sit at their line; HBA-001 names the server's own error text.
  for (const auto& finding : report["findings"]) {
    if (finding["rule_id"] == "PGW-HBA-001") {
      EXPECT_EQ(finding["location"]["line"], 6);
      EXPECT_EQ(finding["message"],
                "the server would refuse this line: invalid authentication method \"trsut\"");
    }
    EXPECT_EQ(finding["fingerprint"].get<std::string>().size(), 32u);
  }
  ASSERT_EQ(report["artifacts"].size(), 1u);
  EXPECT_EQ(report["artifacts"][0]["sha256"].get<std::string>().size(), 64u);
}

// Defaults as distributions write them (fixtures/hba/README.md): a check that fails the stock
// file of the most common distribution gets switched off.
TEST(ScanTest, StockFilesAreJudgedAsADbaWould) {
  const std::string stock = std::string(PGWARD_SOURCE_DIR) + "/fixtures/hba/stock/";
  const auto debian = RunPgward({"scan", "--hba", stock + "debian-12-pg_createcluster-15.conf",
                                 "--pg-version", "15", "--format", "json", "--reproducible"});
  EXPECT_EQ(debian.exit_code, 0) << debian.out << debian.err;
  EXPECT_TRUE(nlohmann::json::parse(debian.out)["findings"].empty()) << debian.out;

  const auto docker = RunPgward({"scan", "--hba", stock + "docker-postgres-15.conf", "--pg-version",
                                 "15", "--format", "json", "--reproducible"});
  EXPECT_EQ(docker.exit_code, 1) << docker.err;
  const nlohmann::json report = nlohmann::json::parse(docker.out);
  EXPECT_TRUE(RuleIds(report).contains("PGW-COV-001")) << docker.out;
  std::set<int> host_trust_lines;
  for (const auto& finding : report["findings"]) {
    const int line = finding["location"]["line"];
    // The appended catch-all, not the loopback lines, is what reaches the network.
    if (finding["severity"] == "high" || finding["severity"] == "critical") {
      EXPECT_EQ(line, 100) << finding.dump();
    }
    // initdb's trust lines trust the container's own users, on the socket or on loopback.
    if (finding["rule_id"] == "PGW-HBA-009") host_trust_lines.insert(line);
  }
  EXPECT_EQ(host_trust_lines, (std::set<int>{89, 91, 93, 96, 97, 98})) << docker.out;
}

TEST(ScanTest, ExitCodesFollowTheThresholdAndTheEvidence) {
  const std::string insecure = kFixtures + "insecure_pg_hba.conf";
  const std::string secure = kFixtures + "secure_pg_hba.conf";
  // The CIS pack has no rule needing the access analysis: complete evidence.
  EXPECT_EQ(RunPgward({"scan", "--hba", secure, "--pack", "cis-postgresql"}).exit_code, 0);
  EXPECT_EQ(RunPgward({"scan", "--hba", insecure, "--pack", "cis-postgresql"}).exit_code, 1);
  EXPECT_EQ(RunPgward({"scan", "--hba", secure, "--pack", "cis-postgresql", "--fail-on", "low"})
                .exit_code,
            0);
  // The insecure file's worst CIS finding is critical (trust on TCP).
  EXPECT_EQ(RunPgward({"scan", "--hba", insecure, "--pack", "pci-dss-4.0", "--fail-on", "critical"})
                .exit_code,
            1);
  // A file that cannot be read is missing evidence, named with its path.
  const auto missing = RunPgward({"scan", "--hba", "/nonexistent/pg_hba.conf"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("cannot read /nonexistent/pg_hba.conf: No such file or directory"),
            std::string::npos)
      << missing.err;
}

// A run in which no rule had anything to check passed nothing: the policy's rules are of
// connections and settings, the input an hba file.
TEST(ScanTest, ARunThatCheckedNothingIsMissingEvidence) {
  const std::string directory = ::testing::TempDir() + "/pgward-scan-nothing-checked";
  std::filesystem::create_directories(directory);
  std::ofstream(directory + "/pack.yaml") << "apiVersion: pgward/v1\nkind: Pack\n"
                                             "metadata: {name: sessions, version: \"1\"}\n"
                                             "policy: pgward:catalog.yaml\n"
                                             "rules: [PGW-CONN-001, PGW-SRV-001]\n";
  const auto result = RunPgward(
      {"scan", "--policy", directory + "/pack.yaml", "--hba", kFixtures + "insecure_pg_hba.conf"});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_NE(result.err.find("no rule of the policy had anything to check in what was read: "
                            "nothing was checked"),
            std::string::npos)
      << result.err;
}

// A scheduled evidence run: findings never fail it (a Kubernetes Job that exits non-zero is
// retried), missing evidence still does.
TEST(ScanTest, FailOnNeverLeavesFindingsToTheReportsButNotMissingEvidence) {
  const auto insecure = RunPgward({"scan", "--hba", kFixtures + "insecure_pg_hba.conf", "--fail-on",
                                   "never", "--format", "json", "--reproducible"});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
  const nlohmann::json report = nlohmann::json::parse(insecure.out);
  EXPECT_EQ(report["invocation"]["fail_on"], "never");
  EXPECT_EQ(report["invocation"]["exit_code"], 0);
  EXPECT_FALSE(report["findings"].empty());
  EXPECT_EQ(
      RunPgward({"scan", "--hba", "/nonexistent/pg_hba.conf", "--fail-on", "never"}).exit_code, 3);
}

// The maps a cert line uses: the pg_ident.conf beside the file (the server's default place), or
// the one --ident names; none is missing evidence, and one the server refuses an error.
TEST(ScanTest, PgIdentConfDecidesWhoACertificateLogsInAs) {
  const std::filesystem::path directory =
      std::filesystem::path(::testing::TempDir()) / ("pgward-ident-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  const std::string hba = (directory / "pg_hba.conf").string();
  const std::string beside = (directory / "pg_ident.conf").string();
  const std::string elsewhere = (directory / "strict-maps.conf").string();
  std::ofstream(hba) << "hostssl all all 10.0.0.0/8 cert map=certs\n";
  std::ofstream(elsewhere) << "certs /^dba@example\\.com$ postgres\n";
  // The IDENT findings of a scan, "rule status", and its exit code.
  const auto scan = [&](std::vector<std::string> extra, int expected_exit) {
    // The file has other findings (a wide network): they do not count towards the exit code.
    std::vector<std::string> arguments = {"scan",   "--hba",       hba,         "--format", "json",
                                          "--pack", "pci-dss-4.0", "--fail-on", "critical"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    const auto result = RunPgward(arguments);
    EXPECT_EQ(result.exit_code, expected_exit) << result.err;
    std::multiset<std::string> findings;
    const nlohmann::json report = nlohmann::json::parse(result.out);
    for (const auto& finding : report["findings"]) {
      const std::string rule = finding["rule_id"];
      if (rule.starts_with("PGW-IDENT")) {
        findings.insert(rule + " " + finding["status"].get<std::string>());
      }
    }
    return std::make_pair(findings, result.err);
  };
  using Findings = std::multiset<std::string>;
  EXPECT_EQ(scan({}, 3).first, Findings{"PGW-IDENT-001 error"});
  std::ofstream(beside) << "certs /^(.*)$ postgres\n";
  EXPECT_EQ(scan({}, 0).first, Findings{"PGW-IDENT-001 fail"});
  EXPECT_EQ(scan({"--ident", elsewhere}, 0).first, Findings{});
  std::ofstream(beside) << "certs /^(.*)$ postgres\ncerts /[bad x\n";
  const auto refused = scan({}, 3);
  EXPECT_EQ(refused.first, Findings{"PGW-IDENT-001 error"});
  EXPECT_NE(refused.second.find("pg_ident.conf:2: invalid regular expression \"[bad\": brackets [] "
                                "not balanced: the server refuses the whole pg_ident.conf"),
            std::string::npos)
      << refused.second;
  const auto alone = RunPgward({"scan", "--ident", elsewhere});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--ident is the pg_ident.conf of --hba files"), std::string::npos)
      << alone.err;
  std::filesystem::remove_all(directory);
}

TEST(ScanTest, UsageErrorsExit2WithAHint) {
  const auto nothing = RunPgward({"scan"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("nothing to scan"), std::string::npos);
  const auto pack = RunPgward({"scan", "--hba", kFixtures + "secure_pg_hba.conf", "--pack", "pci"});
  EXPECT_EQ(pack.exit_code, 2);
  EXPECT_NE(pack.err.find("unknown pack 'pci'"), std::string::npos) << pack.err;
  const auto set = RunPgward(
      {"scan", "--hba", kFixtures + "secure_pg_hba.conf", "--set", "min_tls_versoin=TLSv1.3"});
  EXPECT_EQ(set.exit_code, 2);
  EXPECT_NE(set.err.find("did you mean 'min_tls_version'?"), std::string::npos) << set.err;
  const auto twice = RunPgward({"scan", "--hba", kFixtures + "secure_pg_hba.conf", "--pack",
                                "baseline", "--pack", "pci-dss-4.0"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("is in both baseline and pci-dss-4.0"), std::string::npos);
}

TEST(ScanTest, ReproducibleReportsAreByteIdentical) {
  const std::vector<std::string> args = {"scan",     "--hba", kFixtures + "insecure_pg_hba.conf",
                                         "--format", "json",  "--reproducible"};
  const auto first = RunPgward(args);
  const auto second = RunPgward(args);
  EXPECT_EQ(first.out, second.out);
  EXPECT_EQ(nlohmann::json::parse(first.out)["invocation"]["started_at"], nullptr);
}

TEST(ScanTest, SecretsFromTheFileAndTheCommandLineAreNeverPrinted) {
  const std::string directory = ::testing::TempDir() + "/pgward-scan-secrets";
  std::filesystem::create_directories(directory);
  const auto result =
      RunPgward({"scan", "--hba", kFixtures + "insecure_pg_hba.conf", "--format", "text,json",
                 "--output-dir", directory, "--set", "privileged_users=all,postgres",
                 "--reproducible", "--values", "/nonexistent password=hunter3"});
  // The values file does not exist: a usage error, and still no secret in any output.
  for (const std::string& text : {result.out, result.err}) {
    EXPECT_EQ(text.find("hunter3"), std::string::npos) << text;
  }
  const auto written = RunPgward({"scan", "--hba", kFixtures + "insecure_pg_hba.conf", "--format",
                                  "text,json", "--output-dir", directory, "--reproducible"});
  for (const char* name : {"pgward.txt", "pgward.json"}) {
    std::ifstream in(directory + "/" + name);
    std::stringstream content;
    content << in.rdbuf();
    EXPECT_FALSE(content.str().empty()) << name;
    EXPECT_EQ(content.str().find("hunter2"), std::string::npos) << name;
  }
  EXPECT_EQ(written.out.find("hunter2"), std::string::npos);
  // The reports went to files; the terminal gets the counts, the report's last line.
  std::ifstream text(directory + "/pgward.txt");
  std::string line, last;
  while (std::getline(text, line)) last = line;
  EXPECT_NE(last.find(" finding(s); failing: "), std::string::npos) << last;
  EXPECT_EQ(written.out, last + "\n");
}

}  // namespace
}  // namespace pgward

namespace pgward {
namespace {

TEST(ScanWaiversTest, WaivedExpiredAndUnusedWaivers) {
  const auto result =
      testing::RunPgward({"scan", "--hba", kFixtures + "insecure_pg_hba.conf", "--waivers",
                          kFixtures + "waivers.yaml", "--format", "json", "--reproducible"});
  const nlohmann::json report = nlohmann::json::parse(result.out);
  int waived = 0;
  for (const auto& finding : report["findings"]) {
    if (finding["rule_id"] == "PGW-HBA-004") {
      EXPECT_EQ(finding["status"], "waived");
      EXPECT_EQ(finding["waiver"]["owner"], "dba-team@example.com");
      ++waived;
    }
    if (finding["rule_id"] == "PGW-HBA-003") {
      EXPECT_EQ(finding["status"], "fail");
      EXPECT_NE(finding["note"].get<std::string>().find("expired on 2020-01-31"),
                std::string::npos);
    }
  }
  EXPECT_EQ(waived, 1);
  EXPECT_NE(result.err.find("for PGW-HBA-009 matched no finding"), std::string::npos) << result.err;
  // The report keeps the warning too: stderr is often lost in CI.
  ASSERT_EQ(report["warnings"].size(), 1u);
  EXPECT_NE(report["warnings"][0].get<std::string>().find("for PGW-HBA-009 matched no finding"),
            std::string::npos);
}

TEST(ScanWaiversTest, WaivedFindingsNeverFailTheRun) {
  // md5 (medium) is the only finding at or above the threshold, and the waivers waive it.
  const std::string policy = ::testing::TempDir() + "/md5-only.yaml";
  std::ofstream(policy) << "apiVersion: pgward/v1\nkind: Policy\nmetadata: {name: md5}\nrules:\n"
                           "  - id: PGW-HBA-004\n    title: md5\n    severity: medium\n"
                           "    target: hba_rule\n    where: {error: {absent: true}}\n"
                           "    assert: {method: {ne: md5}}\n    message: md5\n"
                           "  - id: PGW-HBA-003\n    title: password\n    severity: low\n"
                           "    target: hba_rule\n    where: {error: {absent: true}}\n"
                           "    assert: {method: {ne: password}}\n    message: password\n"
                           "  - id: PGW-HBA-009\n    title: trust\n    severity: low\n"
                           "    target: hba_rule\n    where: {error: {absent: true}}\n"
                           "    assert: {method: {ne: trust}}\n    message: trust\n";
  const std::vector<std::string> base = {"scan",     "--hba", kFixtures + "insecure_pg_hba.conf",
                                         "--policy", policy,  "--fail-on",
                                         "medium"};
  EXPECT_EQ(testing::RunPgward(base).exit_code, 1);
  std::vector<std::string> waived = base;
  waived.insert(waived.end(), {"--waivers", kFixtures + "waivers.yaml"});
  EXPECT_EQ(testing::RunPgward(waived).exit_code, 0);
}

// One waivers file serves runs of different packs: a waiver for a built-in rule that the pack
// leaves out waives nothing in that run, and says so, but does not stop it.
// The example users start from loads, and each of its hba waivers finds its finding in the file
// it was written for (waived until it expires, then failing with a note naming it).
TEST(ScanWaiversTest, TheExampleWaiversFileWaivesWhatItSays) {
  // From the source directory, as a CI job runs from its checkout: a file finding's fingerprint
  // includes the path as the command line gives it.
  const std::string example = "examples/waivers.yaml";
  testing::CommandOptions from_source;
  from_source.cwd = PGWARD_SOURCE_DIR;
  const auto result =
      testing::RunPgward({"scan", "--hba", "fixtures/hba/stock/docker-postgres-15.conf",
                          "--waivers", example, "--format", "json", "--reproducible"},
                         from_source);
  ASSERT_NE(result.exit_code, 2) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  std::multiset<std::string> waived;  // rule and line of each finding a waiver took
  for (const auto& finding : report["findings"]) {
    if (finding["waiver"].is_null()) continue;
    EXPECT_TRUE(finding["waiver"]["source"].get<std::string>().starts_with(example));
    waived.insert(finding["rule_id"].get<std::string>() + ":" +
                  std::to_string(finding["location"]["line"].get<int>()));
  }
  EXPECT_EQ(waived,
            (std::multiset<std::string>{"PGW-HBA-009:89", "PGW-HBA-009:91", "PGW-HBA-010:100"}));
  // Only the live waiver finds nothing in a file.
  ASSERT_EQ(report["warnings"].size(), 1u) << report["warnings"].dump();
  EXPECT_NE(report["warnings"][0].get<std::string>().find("PGW-CONN-001 matched no finding"),
            std::string::npos);
}

TEST(ScanWaiversTest, AWaiverForARuleOutsideThePackIsAWarning) {
  const std::string directory = ::testing::TempDir() + "pgward-shared-waivers";
  std::filesystem::create_directories(directory);
  const std::string waivers = directory + "/waivers.yaml";
  std::ofstream(waivers) << "apiVersion: pgward/v1\nkind: Waivers\nwaivers:\n"
                            "  - rule: PGW-HBA-008\n    justification: kept for the audit\n"
                            "    owner: dba\n    expires: 2999-01-01\n";
  const auto result =
      testing::RunPgward({"scan", "--hba", kFixtures + "secure_pg_hba.conf", "--pack",
                          "pci-dss-4.0", "--waivers", waivers, "--format", "json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("waiver " + waivers +
                            ":4 for PGW-HBA-008 names a rule outside "
                            "this run's packs: it waives nothing"),
            std::string::npos)
      << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  ASSERT_EQ(report["warnings"].size(), 1u);
  // The waivers file is one of the run's inputs, listed with its digest beside the hba file.
  std::set<std::string> paths;
  for (const auto& artifact : report["artifacts"]) {
    paths.insert(artifact["path"].get<std::string>());
    EXPECT_EQ(artifact["sha256"].get<std::string>().size(), 64u);
  }
  EXPECT_EQ(paths, (std::set<std::string>{kFixtures + "secure_pg_hba.conf", waivers}));
  // A rule that exists nowhere is still a mistake.
  std::ofstream(waivers) << "apiVersion: pgward/v1\nkind: Waivers\nwaivers:\n"
                            "  - rule: PGW-HBA-080\n    justification: typo\n"
                            "    owner: dba\n    expires: 2999-01-01\n";
  const auto typo = testing::RunPgward({"scan", "--hba", kFixtures + "secure_pg_hba.conf", "--pack",
                                        "pci-dss-4.0", "--waivers", waivers});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("waiver for unknown rule 'PGW-HBA-080'"), std::string::npos) << typo.err;
  std::filesystem::remove_all(directory);
}

TEST(ScanWaiversTest, MalformedWaiversAreAnErrorWithPositions) {
  const auto result = testing::RunPgward({"scan", "--hba", kFixtures + "insecure_pg_hba.conf",
                                          "--waivers", kFixtures + "bad_waivers.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  const std::string file = kFixtures + "bad_waivers.yaml";
  EXPECT_NE(result.err.find(file + ":6:5: unknown key 'justifcation' in waiver (did you mean "
                                   "'justification'?)"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(file + ":5:11: waiver for unknown rule 'PGW-HBA-04' (did you mean "
                                   "'PGW-HBA-004'?)"),
            std::string::npos);
  EXPECT_NE(result.err.find(file + ":8:14: 'expires' must be a date, YYYY-MM-DD"),
            std::string::npos);
  EXPECT_EQ(result.out, "");
}

}  // namespace
}  // namespace pgward

namespace pgward {
namespace {

TEST(ScanSarifTest, WaivedFindingsAreSuppressionsOrLeftOutForGitHub) {
  const std::string with = ::testing::TempDir() + "/with.sarif";
  const std::string without = ::testing::TempDir() + "/without.sarif";
  const std::vector<std::string> base = {"scan",
                                         "--hba",
                                         kFixtures + "insecure_pg_hba.conf",
                                         "--waivers",
                                         kFixtures + "waivers.yaml",
                                         "--reproducible",
                                         "--source-root",
                                         kFixtures};
  std::vector<std::string> kept = base, omitted = base;
  kept.insert(kept.end(), {"--sarif", with});
  omitted.insert(omitted.end(), {"--sarif", without, "--sarif-omit-suppressed"});
  testing::RunPgward(kept);
  testing::RunPgward(omitted);
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in)["runs"][0];
  };
  const nlohmann::json kept_run = read(with), omitted_run = read(without);
  size_t suppressed = 0;
  for (const auto& result : kept_run["results"]) suppressed += result.contains("suppressions");
  EXPECT_EQ(suppressed, 1u);
  EXPECT_EQ(omitted_run["results"].size() + 1, kept_run["results"].size());
  // Locations are relative to --source-root.
  EXPECT_EQ(kept_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "insecure_pg_hba.conf");
}

// A fleet spread over machines: shards of an inventory are disjoint and together are all of it,
// whether given as --shard INDEX/COUNT or by a Kubernetes Indexed Job's JOB_COMPLETION_INDEX.
TEST(ScanShardTest, ShardsPartitionTheInventory) {
  const std::string directory = ::testing::TempDir() + "pgward-shards-" + std::to_string(getpid());
  std::filesystem::create_directories(directory);
  const std::string inventory = directory + "/fleet.yaml";
  {
    std::ofstream out(inventory);
    out << "defaults: {timeout_ms: 2000}\ntargets:\n";
    // Nothing listens on port 1: each target fails fast, and is still listed as a target.
    for (int i = 0; i < 12; ++i) {
      out << "  - {name: db" << i << ", dsn: \"host=127.0.0.1 port=1 dbname=postgres\"}\n";
    }
  }
  // pgward with JOB_COMPLETION_INDEX set to `index`, or unset.
  const auto pgward = [&](std::vector<std::string> arguments, const std::string& index = "") {
    std::vector<std::string> argv = {"/usr/bin/env", "-u", "JOB_COMPLETION_INDEX"};
    if (!index.empty()) argv.push_back("JOB_COMPLETION_INDEX=" + index);
    argv.push_back(PGWARD_BINARY);
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return testing::RunCommand(argv);
  };
  const auto targets_of = [&](std::vector<std::string> extra, const std::string& index = "") {
    // Nothing to retry: the ports stay closed.
    std::vector<std::string> arguments = {"scan", "--inventory", inventory, "--format",
                                          "json", "--retries",   "0"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    const auto result = pgward(arguments, index);
    EXPECT_EQ(result.exit_code, 3) << result.err;  // the servers are down: incomplete
    std::set<std::string> names;
    const nlohmann::json report = nlohmann::json::parse(result.out);
    for (const auto& target : report["targets"]) {
      names.insert(target.get<std::string>());
    }
    return names;
  };
  const std::set<std::string> all = targets_of({});
  ASSERT_EQ(all.size(), 12u);
  std::set<std::string> united;
  size_t total = 0;
  for (const char* shard : {"0/3", "1/3", "2/3"}) {
    const std::set<std::string> part = targets_of({"--shard", shard});
    total += part.size();
    united.insert(part.begin(), part.end());
    // The same shard from the Indexed Job's environment.
    EXPECT_EQ(targets_of({"--shards", "3"}, std::string(1, shard[0])), part) << shard;
  }
  EXPECT_EQ(united, all);
  EXPECT_EQ(total, all.size());  // disjoint
  // Each shard keeps its own runs under --state-dir: they scan different targets.
  const std::string state = directory + "/state";
  for (const char* shard : {"0/3", "1/3", "0/3"}) {
    targets_of({"--shard", shard, "--state-dir", state});
  }
  size_t kept = 0;
  for (const auto& scan : std::filesystem::directory_iterator(state)) {
    ++kept;
    EXPECT_TRUE(scan.path().filename().string().starts_with("fleet-")) << scan.path();
  }
  EXPECT_EQ(kept, 2u);
  for (const std::vector<std::string>& wrong : {std::vector<std::string>{"--shard", "3/3"},
                                                {"--shard", "1"},
                                                {"--shards", "3"},
                                                {"--shard", "0/2", "--shards", "2"}}) {
    std::vector<std::string> arguments = {"scan", "--inventory", inventory};
    arguments.insert(arguments.end(), wrong.begin(), wrong.end());
    EXPECT_EQ(pgward(arguments).exit_code, 2) << wrong[1];
  }
  // Files are not shared out: a shard of an --hba scan is a usage error, not the whole file.
  const auto files = pgward({"scan", "--hba", kFixtures + "secure_pg_hba.conf", "--shard", "0/3"});
  EXPECT_EQ(files.exit_code, 2);
  EXPECT_NE(files.err.find("share out live servers"), std::string::npos) << files.err;
  std::filesystem::remove_all(directory);
}

// A scheduled run ends on time: --deadline-ms stops what is in flight and leaves the rest as
// errors, each named with its target.
TEST(ScanShardTest, TheDeadlineEndsTheCollectionOnTime) {
  const testing::SilentPort silent;
  const std::string port = std::to_string(silent.port());
  std::vector<std::string> arguments = {"scan",  "--deadline-ms", "500", "--timeout-ms",
                                        "20000", "--concurrency", "1",   "--format",
                                        "json"};
  for (const char* name : {"a", "b", "c"}) {
    arguments.push_back("--target");
    arguments.push_back("host=127.0.0.1 port=" + port + " dbname=" + name + " sslmode=disable");
  }
  const auto started = std::chrono::steady_clock::now();
  const auto result = RunPgward(arguments);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_LT(seconds, 10.0);  // a watchdog: without the deadline it would wait 20 s per target
  std::multiset<std::string> messages;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  for (const auto& error : report["errors"]) {
    const std::string message = error["message"];
    messages.insert(message.substr(0, message.find(':')));
  }
  EXPECT_EQ(messages, (std::multiset<std::string>{"stopped while connecting", "not collected",
                                                  "not collected"}))
      << report["errors"].dump();
}

}  // namespace
}  // namespace pgward

namespace pgward {
namespace {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// Evidence evaluated later is dated by its collection, not by the evaluation: a snapshot's
// servers keep their collection times in every format; a server's own time (newer snapshots)
// beats the document's.
TEST(ScanTest, ASnapshotScannedLaterKeepsItsCollectionTimeInEveryReport) {
  const std::string source =
      std::string(PGWARD_SOURCE_DIR) + "/fixtures/snapshots/two-servers.json";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("pgward-collected-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string snapshot = ReadText(source);
  const std::string db2 = "{\"name\": \"db2\",";
  ASSERT_NE(snapshot.find(db2), std::string::npos);
  snapshot.replace(snapshot.find(db2), db2.size(),
                   "{\"name\": \"db2\", \"collected_at\": \"2026-02-03T04:07:00Z\",");
  std::ofstream(dir / "snapshot.json") << snapshot;
  const auto scan =
      RunPgward({"scan", "--snapshot", (dir / "snapshot.json").string(), "--output-dir",
                 (dir / "out").string(), "--format", "text,json,sarif,junit,metrics,html"});
  ASSERT_NE(scan.exit_code, 2) << scan.err;

  const nlohmann::json json = nlohmann::json::parse(ReadText(dir / "out/pgward.json"));
  ASSERT_EQ(json["servers"].size(), 2u) << json["servers"].dump();
  EXPECT_EQ(json["servers"][0]["name"], "db1");
  EXPECT_EQ(json["servers"][0]["collected_at"], "2026-02-03T04:05:06Z");
  EXPECT_EQ(json["servers"][0]["version"], 150018);
  EXPECT_EQ(json["servers"][1]["collected_at"], "2026-02-03T04:07:00Z");
  // The evaluation has its own time, today's.
  EXPECT_GT(json["invocation"]["started_at"].get<std::string>(), "2026-02-04");

  const nlohmann::json sarif = nlohmann::json::parse(ReadText(dir / "out/pgward.sarif"));
  const nlohmann::json& servers = sarif["runs"][0]["properties"]["servers"];
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0]["collectedAt"], "2026-02-03T04:05:06Z");
  EXPECT_EQ(servers[1]["collectedAt"], "2026-02-03T04:07:00Z");

  const std::string junit = ReadText(dir / "out/pgward.junit.xml");
  EXPECT_NE(junit.find("name=\"db1\""), std::string::npos);
  EXPECT_NE(junit.find("timestamp=\"2026-02-03T04:05:06Z\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("timestamp=\"2026-02-03T04:07:00Z\""), std::string::npos) << junit;

  const std::string metrics = ReadText(dir / "out/pgward.prom");
  // 2026-02-03T04:05:06Z and 04:07:00Z in seconds since the epoch.
  EXPECT_NE(metrics.find("pgward_target_collected_timestamp_seconds{target=\"db1\"} 1770091506"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("pgward_target_collected_timestamp_seconds{target=\"db2\"} 1770091620"),
            std::string::npos)
      << metrics;

  for (const char* file : {"pgward.txt", "pgward.html"}) {
    const std::string text = ReadText(dir / "out" / file);
    EXPECT_NE(text.find("2026-02-03T04:05:06Z"), std::string::npos) << file;
    EXPECT_NE(text.find("2026-02-03T04:07:00Z"), std::string::npos) << file;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pgward
