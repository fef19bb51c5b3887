// scan --baseline, --base-hba and --base-ref: each finding new, unchanged, worsened or updated
// against an earlier run's JSON report or the files before a change, the baseline's findings gone
// since listed as absent, and --fail-on-new.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/command.h"
#include "tests/support/git_repository.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunPgward;

const std::string kPairs = std::string(PGWARD_SOURCE_DIR) + "/fixtures/hba-diff/";

class BaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One directory per test and process: ctest runs the tests of this fixture side by side.
    directory_ = fs::path(::testing::TempDir()) /
                 ("pgward-baseline-" +
                  std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                  "-" + std::to_string(getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    hba_ = (directory_ / "pg_hba.conf").string();
  }

  // The file at one path, as a scheduled run or a branch sees it change.
  json Scan(const std::string& version, std::vector<std::string> extra = {},
            int* exit_code = nullptr) {
    fs::copy_file(version, hba_, fs::copy_options::overwrite_existing);
    std::vector<std::string> arguments = {"scan",     "--hba", hba_,
                                          "--format", "json",  "--reproducible"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    const auto result = RunPgward(arguments);
    if (exit_code) *exit_code = result.exit_code;
    EXPECT_NE(result.exit_code, 2) << result.err;
    return json::parse(result.out);
  }

  std::string Save(const json& report, const std::string& name) {
    const std::string path = (directory_ / name).string();
    std::ofstream(path) << report.dump();
    return path;
  }

  void TearDown() override { fs::remove_all(directory_); }

  fs::path directory_;
  std::string hba_;
};

std::multimap<std::string, std::string> States(const json& report) {
  std::multimap<std::string, std::string> states;  // rule -> state
  for (const json& finding : report["findings"]) {
    states.emplace(finding["rule_id"], finding["baseline_state"]);
  }
  return states;
}

TEST_F(BaselineTest, FindingsAreNewUnchangedOrAbsentAgainstTheLastRun) {
  const std::string last_night =
      Save(Scan(kPairs + "plaintext-opened/base/pg_hba.conf"), "base.json");
  const json today = Scan(kPairs + "plaintext-opened/head/pg_hba.conf", {"--baseline", last_night});
  EXPECT_EQ(today["invocation"]["baseline"], last_night);
  const auto states = States(today);
  const auto state_of = [&](const std::string& rule) {
    std::set<std::string> found;
    for (auto [it, end] = states.equal_range(rule); it != end; ++it) found.insert(it->second);
    return found;
  };
  EXPECT_EQ(state_of("PGW-COV-001"), (std::set<std::string>{"new"}));
  // The loopback trust line moved down one line: the same problem.
  EXPECT_EQ(state_of("PGW-HBA-009"), (std::set<std::string>{"unchanged"}));
  EXPECT_TRUE(today["absent"].empty());

  // The trust line removed: its finding is absent, kept in the report with its state.
  const std::string before_removal =
      Save(Scan(kPairs + "trust-removed/base/pg_hba.conf"), "b2.json");
  const json removed =
      Scan(kPairs + "trust-removed/head/pg_hba.conf", {"--baseline", before_removal});
  ASSERT_EQ(removed["absent"].size(), 1u) << removed.dump(2);
  EXPECT_EQ(removed["absent"][0]["rule_id"], "PGW-HBA-009");
  EXPECT_EQ(removed["absent"][0]["baseline_state"], "absent");
  for (const json& finding : removed["findings"]) EXPECT_EQ(finding["baseline_state"], "unchanged");
  // SARIF keeps it as an absent result.
  const auto sarif = RunPgward(
      {"scan", "--hba", hba_, "--format", "sarif", "--baseline", before_removal, "--reproducible"});
  const json results = json::parse(sarif.out)["runs"][0]["results"];
  std::map<std::string, int> by_state;
  for (const json& result : results) ++by_state[result["baselineState"]];
  EXPECT_EQ(by_state["absent"], 1);
  EXPECT_EQ(by_state["unchanged"], static_cast<int>(results.size()) - 1);
}

TEST_F(BaselineTest, FailOnNewFailsOnlyForWhatIsNew) {
  int exit_code = -1;
  const std::string same = Save(Scan(kPairs + "plaintext-opened/head/pg_hba.conf"), "same.json");
  // High findings, all known: without --fail-on-new the run fails, with it it passes.
  Scan(kPairs + "plaintext-opened/head/pg_hba.conf", {"--baseline", same}, &exit_code);
  EXPECT_EQ(exit_code, 1);
  Scan(kPairs + "plaintext-opened/head/pg_hba.conf", {"--baseline", same, "--fail-on-new"},
       &exit_code);
  EXPECT_EQ(exit_code, 0);
  // Against the clean base, the catch-all's findings are new: it fails.
  const std::string base = Save(Scan(kPairs + "plaintext-opened/base/pg_hba.conf"), "base.json");
  Scan(kPairs + "plaintext-opened/head/pg_hba.conf", {"--baseline", base, "--fail-on-new"},
       &exit_code);
  EXPECT_EQ(exit_code, 1);
}

// A waiver that expired since the baseline makes its findings fail again: worse than they were,
// which --fail-on-new fails on, as it does on a finding now more severe. A message that changed
// alone (updated) does not.
TEST_F(BaselineTest, FailOnNewFailsOnAWaiverThatExpiredSinceTheBaseline) {
  const std::string head = kPairs + "plaintext-opened/head/pg_hba.conf";
  std::set<std::string> high_rules;
  const json unwaived = Scan(head);
  for (const json& finding : unwaived["findings"]) {
    if (finding["severity"] == "high" || finding["severity"] == "critical") {
      high_rules.insert(finding["rule_id"]);
    }
  }
  ASSERT_FALSE(high_rules.empty());
  const auto waivers = [&](const std::string& name, const std::string& expires) {
    const std::string path = (directory_ / name).string();
    std::ofstream out(path);
    out << "apiVersion: pgward/v1\nkind: Waivers\nwaivers:\n";
    for (const std::string& rule : high_rules) {
      out << "  - rule: " << rule << "\n    justification: replaced next quarter\n"
          << "    owner: dba@example.com\n    expires: " << expires << "\n";
    }
    return path;
  };
  int exit_code = -1;
  const std::string waived = Save(
      Scan(head, {"--waivers", waivers("current.yaml", "2999-12-31")}, &exit_code), "waived.json");
  EXPECT_EQ(exit_code, 0);
  const json today = Scan(
      head,
      {"--waivers", waivers("expired.yaml", "2020-01-01"), "--baseline", waived, "--fail-on-new"},
      &exit_code);
  EXPECT_EQ(exit_code, 1);
  size_t worsened = 0;
  for (const json& finding : today["findings"]) {
    if (!high_rules.contains(finding["rule_id"].get<std::string>())) {
      EXPECT_EQ(finding["baseline_state"], "unchanged") << finding.dump();
      continue;
    }
    EXPECT_EQ(finding["status"], "fail") << finding.dump();
    EXPECT_EQ(finding["baseline_state"], "worsened") << finding.dump();
    ++worsened;
  }
  EXPECT_GT(worsened, 0u);
  // The waivers' return is an improvement: updated, and nothing fails.
  Scan(head,
       {"--waivers", waivers("again.yaml", "2999-12-31"), "--baseline", Save(today, "today.json"),
        "--fail-on-new"},
       &exit_code);
  EXPECT_EQ(exit_code, 0);
}

TEST_F(BaselineTest, ABaselineThatIsNotAReportIsAnError) {
  const std::string bogus = (directory_ / "bogus.json").string();
  std::ofstream(bogus) << "{\"findings\": 3}";
  fs::copy_file(kPairs + "reorder/base/pg_hba.conf", hba_, fs::copy_options::overwrite_existing);
  const auto result = RunPgward({"scan", "--hba", hba_, "--baseline", bogus});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bogus.json: not a pgward JSON report"), std::string::npos)
      << result.err;
  // A report cut short: where it stops being JSON.
  const std::string cut = (directory_ / "cut.json").string();
  std::ofstream(cut) << "{\n  \"findings\": [\n    {\"rule_id\": \"PGW";
  const auto truncated = RunPgward({"scan", "--hba", hba_, "--baseline", cut});
  EXPECT_EQ(truncated.exit_code, 2);
  EXPECT_NE(truncated.err.find("cut.json:3:20: not JSON"), std::string::npos) << truncated.err;
  // A number no double holds is refused, not a crash.
  const std::string huge = (directory_ / "huge.json").string();
  std::ofstream(huge) << "{\"findings\": [], \"a\": 1e999}";
  const auto too_large = RunPgward({"scan", "--hba", hba_, "--baseline", huge});
  EXPECT_EQ(too_large.exit_code, 2) << too_large.err;
  EXPECT_NE(too_large.err.find("huge.json: not a pgward JSON report: a number too large to read"),
            std::string::npos)
      << too_large.err;
  const auto alone = RunPgward({"scan", "--hba", hba_, "--fail-on-new"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--fail-on-new needs a baseline"), std::string::npos) << alone.err;
}

// Pre-merge: the file before the change is the baseline, as its report would have been.
TEST_F(BaselineTest, TheFileBeforeTheChangeIsTheBaselineOfAPreMergeScan) {
  for (const std::string pair : {"plaintext-opened", "trust-removed", "weakened", "reorder"}) {
    const std::string base = kPairs + pair + "/base/pg_hba.conf";
    const std::string report = Save(Scan(base), pair + ".json");
    const json against_report = Scan(kPairs + pair + "/head/pg_hba.conf", {"--baseline", report});
    const json against_file = Scan(kPairs + pair + "/head/pg_hba.conf", {"--base-hba", base});
    EXPECT_EQ(States(against_file), States(against_report)) << pair;
    // The same findings gone (the file's carry their subject too: they were evaluated).
    const auto gone = [](const json& report) {
      std::set<std::string> fingerprints;
      for (const json& finding : report["absent"]) {
        EXPECT_EQ(finding["baseline_state"], "absent");
        fingerprints.insert(finding["fingerprint"].get<std::string>() + " " +
                            finding["location"].dump() + " " + finding["message"].dump());
      }
      return fingerprints;
    };
    EXPECT_EQ(gone(against_file), gone(against_report)) << pair;
    EXPECT_EQ(against_file["invocation"]["baseline"], base);
  }
  int exit_code = -1;
  Scan(kPairs + "plaintext-opened/head/pg_hba.conf",
       {"--base-hba", kPairs + "plaintext-opened/base/pg_hba.conf", "--fail-on-new"}, &exit_code);
  EXPECT_EQ(exit_code, 1);
  Scan(kPairs + "trust-removed/head/pg_hba.conf",
       {"--base-hba", kPairs + "trust-removed/base/pg_hba.conf", "--fail-on-new"}, &exit_code);
  EXPECT_EQ(exit_code, 0);
}

// A change that lets plaintext in from further keeps the finding's fingerprint (the ranges are
// volatile) but makes it worse: --fail-on-new fails on it, and a change that narrows it does not.
TEST_F(BaselineTest, PlaintextLetInFromFurtherIsWorse) {
  const std::string narrow = (directory_ / "narrow.conf").string();
  const std::string wide = (directory_ / "wide.conf").string();
  std::ofstream(narrow) << "hostnossl all all 0.0.0.0/1 reject\n"
                           "hostnossl all all ::/0 reject\n"
                           "hostssl all all 0.0.0.0/0 scram-sha-256\n"
                           "host app app 0.0.0.0/0 scram-sha-256\n";
  std::ofstream(wide) << "hostnossl all all ::/0 reject\n"
                         "hostssl all all 0.0.0.0/0 scram-sha-256\n"
                         "host app app 0.0.0.0/0 scram-sha-256\n";
  int exit_code = -1;
  const json widened = Scan(wide, {"--base-hba", narrow, "--fail-on-new"}, &exit_code);
  EXPECT_EQ(exit_code, 1);
  std::map<std::string, std::string> states;
  for (const json& finding : widened["findings"]) {
    states[finding["rule_id"].get<std::string>()] = finding["baseline_state"];
  }
  EXPECT_EQ(states["PGW-COV-001"], "worsened") << widened["findings"].dump();
  const json narrowed = Scan(narrow, {"--base-hba", wide, "--fail-on-new"}, &exit_code);
  EXPECT_EQ(exit_code, 0) << narrowed["findings"].dump();
  const auto diff = RunPgward({"hba", "diff", wide, narrow});
  EXPECT_EQ(diff.exit_code, 0) << diff.out;
  const auto opened = RunPgward({"hba", "diff", narrow, wide});
  EXPECT_EQ(opened.exit_code, 1) << opened.out;
}

// Pre-merge in a checkout: the files at a revision, what they include with them. The change is
// in an included file only; its findings are new where they are, in that file.
TEST_F(BaselineTest, BaseRefComparesWithTheFilesAtARevision) {
  const testing::GitRepository repository(directory_ / "repository");
  std::ofstream(directory_ / "main.conf") << "include extra.conf\n"
                                          << "hostnossl all all 0.0.0.0/0 reject\n";
  repository.Put((directory_ / "main.conf").string(), "db/pg_hba.conf");
  repository.Put(kPairs + "trust-removed/base/pg_hba.conf", "db/extra.conf");
  ASSERT_EQ(repository.CommitAll("base").exit_code, 0);
  repository.Put(kPairs + "plaintext-opened/head/pg_hba.conf", "db/extra.conf");
  testing::CommandOptions in_repository;
  in_repository.cwd = repository.directory().string();
  const auto scan = [&](std::vector<std::string> extra) {
    std::vector<std::string> arguments = {"scan", "--hba", "db/pg_hba.conf", "--format", "json"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return RunPgward(arguments, in_repository);
  };
  const auto result = scan({"--base-ref", "HEAD", "--fail-on-new"});
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["invocation"]["baseline"], "HEAD");
  std::set<std::string> new_rules;
  for (const json& finding : report["findings"]) {
    if (finding["baseline_state"] != "new") continue;
    new_rules.insert(finding["rule_id"]);
    EXPECT_EQ(finding["location"]["file"], "db/extra.conf") << finding.dump();
  }
  EXPECT_TRUE(new_rules.contains("PGW-COV-001")) << report.dump(2);
  // Committed, the change is the base: nothing is new.
  ASSERT_EQ(repository.CommitAll("head").exit_code, 0);
  const auto committed = scan({"--base-ref", "HEAD", "--fail-on-new"});
  EXPECT_EQ(committed.exit_code, 0) << committed.out;
  const json committed_report = json::parse(committed.out);
  for (const json& finding : committed_report["findings"]) {
    EXPECT_EQ(finding["baseline_state"], "unchanged") << finding.dump();
  }
  // A file the revision does not have: every finding is new.
  repository.Put(kPairs + "plaintext-opened/head/pg_hba.conf", "db/new_hba.conf");
  const auto added =
      RunPgward({"scan", "--hba", "db/new_hba.conf", "--format", "json", "--base-ref", "HEAD"},
                in_repository);
  const json added_report = json::parse(added.out);
  ASSERT_FALSE(added_report["findings"].empty());
  for (const json& finding : added_report["findings"]) EXPECT_EQ(finding["baseline_state"], "new");
  // A revision git does not know is an error, never an empty baseline.
  const auto unknown = scan({"--base-ref", "no-such-ref"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no commit no-such-ref"), std::string::npos) << unknown.err;
}

// A pull request that only loosens pg_ident.conf: the pg_hba.conf line it opens to any
// certificate name is a new finding, against the revision's pg_ident.conf beside the file (and
// against no file there, which gave no maps).
TEST_F(BaselineTest, AMapLoosenedInPgIdentConfIsNew) {
  const testing::GitRepository repository(directory_ / "repository");
  const fs::path hba = directory_ / "hba.conf";
  const fs::path strict = directory_ / "strict.conf";
  const fs::path permissive = directory_ / "permissive.conf";
  std::ofstream(hba) << "hostssl all all 10.0.0.0/8 cert map=certs\n";
  std::ofstream(strict) << "certs /^dba@example\\.com$ postgres\n";
  std::ofstream(permissive) << "certs /^(.*)$ postgres\n";
  repository.Put(hba.string(), "db/pg_hba.conf");
  repository.Put(strict.string(), "db/pg_ident.conf");
  ASSERT_EQ(repository.CommitAll("base").exit_code, 0);
  repository.Put(permissive.string(), "db/pg_ident.conf");
  testing::CommandOptions in_repository;
  in_repository.cwd = repository.directory().string();
  const auto scan = [&](const std::string& file) {
    return RunPgward({"scan", "--hba", file, "--format", "json", "--base-ref", "HEAD",
                      "--fail-on-new", "--pack", "pci-dss-4.0"},
                     in_repository);
  };
  const auto new_rules = [](const json& report) {
    std::set<std::string> rules;
    for (const json& finding : report["findings"]) {
      if (finding["baseline_state"] == "new") rules.insert(finding["rule_id"]);
    }
    return rules;
  };
  const auto loosened = scan("db/pg_hba.conf");
  ASSERT_EQ(loosened.exit_code, 1) << loosened.err;
  EXPECT_EQ(new_rules(json::parse(loosened.out)), std::set<std::string>{"PGW-IDENT-001"});

  // Committed, nothing is new; a copy without pg_ident.conf at the revision is new all the same.
  ASSERT_EQ(repository.CommitAll("head").exit_code, 0);
  EXPECT_EQ(scan("db/pg_hba.conf").exit_code, 0);
  repository.Put(hba.string(), "other/pg_hba.conf");
  ASSERT_EQ(repository.CommitAll("without maps").exit_code, 0);
  repository.Put(permissive.string(), "other/pg_ident.conf");
  const auto added = scan("other/pg_hba.conf");
  EXPECT_EQ(added.exit_code, 1) << added.err;
  EXPECT_EQ(new_rules(json::parse(added.out)), std::set<std::string>{"PGW-IDENT-001"});
}

TEST_F(BaselineTest, ABaseVersionIsForHbaFilesOnly) {
  fs::copy_file(kPairs + "reorder/base/pg_hba.conf", hba_, fs::copy_options::overwrite_existing);
  const std::string base = kPairs + "reorder/head/pg_hba.conf";
  const auto two = RunPgward({"scan", "--hba", hba_, "--hba", hba_, "--base-hba", base});
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.err.find("--base-hba FILE is the base of one --hba file"), std::string::npos)
      << two.err;
  const auto servers =
      RunPgward({"scan", "--target", "host=127.0.0.1 port=1", "--hba", hba_, "--base-ref", "HEAD"});
  EXPECT_EQ(servers.exit_code, 2);
  EXPECT_NE(servers.err.find("for snapshots and servers give --baseline"), std::string::npos)
      << servers.err;
  const auto both = RunPgward({"scan", "--hba", hba_, "--base-hba", base, "--base-ref", "HEAD"});
  EXPECT_EQ(both.exit_code, 2);
  const auto missing = RunPgward({"scan", "--hba", hba_, "--base-hba", "/nonexistent/pg_hba.conf"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("base version: cannot read /nonexistent/pg_hba.conf"),
            std::string::npos)
      << missing.err;
}

// --state-dir: the last runs of one scan kept, each compared with the one before.
TEST_F(BaselineTest, AStateDirectoryKeepsTheLastRunsAndComparesWithTheLastOne) {
  const std::string state = (directory_ / "state").string();
  int exit_code = -1;
  const json first = Scan(kPairs + "plaintext-opened/base/pg_hba.conf",
                          {"--state-dir", state, "--keep-runs", "2"});
  EXPECT_EQ(first["invocation"]["baseline"], nullptr);
  // The first run has nothing to compare with: everything it finds is new (fail closed).
  ASSERT_FALSE(first["findings"].empty());
  for (const json& finding : first["findings"]) EXPECT_EQ(finding["baseline_state"], "new");
  const json second = Scan(kPairs + "plaintext-opened/head/pg_hba.conf",
                           {"--state-dir", state, "--keep-runs", "2", "--fail-on-new"}, &exit_code);
  EXPECT_EQ(exit_code, 1);  // the catch-all's findings are new since the first run
  const std::string previous = second["invocation"]["baseline"];
  EXPECT_TRUE(previous.ends_with("/run-000001.json")) << previous;
  EXPECT_EQ(States(second),
            States(Scan(kPairs + "plaintext-opened/head/pg_hba.conf", {"--baseline", previous})));
  const json third = Scan(kPairs + "plaintext-opened/head/pg_hba.conf",
                          {"--state-dir", state, "--keep-runs", "2", "--fail-on-new"}, &exit_code);
  EXPECT_EQ(exit_code, 0);  // nothing new since the second
  EXPECT_TRUE(third["invocation"]["baseline"].get<std::string>().ends_with("/run-000002.json"));
  // Two kept, the newest two, in the one directory of this scan.
  std::set<std::string> kept;
  for (const auto& scan : fs::directory_iterator(state)) {
    for (const auto& run : fs::directory_iterator(scan.path())) {
      kept.insert(run.path().filename().string());
    }
  }
  EXPECT_EQ(kept, (std::set<std::string>{"run-000002.json", "run-000003.json"}));
  // A baseline besides the state is a usage error.
  const auto both =
      RunPgward({"scan", "--hba", hba_, "--state-dir", state, "--baseline", previous});
  EXPECT_EQ(both.exit_code, 2);
}

}  // namespace
}  // namespace pgward
