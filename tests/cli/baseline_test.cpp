// scan --baseline: each finding new, unchanged or updated against an earlier run's JSON report,
// the baseline's findings gone since listed as absent, and --fail-on-new.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/command.h"

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

TEST_F(BaselineTest, ABaselineThatIsNotAReportIsAnError) {
  const std::string bogus = (directory_ / "bogus.json").string();
  std::ofstream(bogus) << "{\"findings\": 3}";
  fs::copy_file(kPairs + "reorder/base/pg_hba.conf", hba_, fs::copy_options::overwrite_existing);
  const auto result = RunPgward({"scan", "--hba", hba_, "--baseline", bogus});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is not a pgward JSON report"), std::string::npos) << result.err;
  const auto alone = RunPgward({"scan", "--hba", hba_, "--fail-on-new"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--fail-on-new needs --baseline"), std::string::npos) << alone.err;
}

}  // namespace
}  // namespace pgward
