// Requirements judged from a run's rules, checks and findings (JudgeRequirements), and written
// as requirements.json.
#include "engine/findings/requirements.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "reporters/requirements_report.h"

namespace pgward {
namespace {

RuleInfo Rule(const std::string& id, std::vector<std::string> requirements,
              const std::string& target = "server") {
  RuleInfo rule;
  rule.id = id;
  rule.target = target;
  rule.compliance["pci-dss-4.0.1"] = std::move(requirements);
  rule.compliance["cis-postgresql-16"] = {"6.8"};
  return rule;
}

Finding FindingOf(const std::string& rule, FindingStatus status) {
  Finding finding;
  finding.rule_id = rule;
  finding.status = status;
  finding.target = "db1";
  finding.message = rule + " on db1";
  return finding;
}

// An hba file's checks passing say nothing of what a requirement's rules of servers check (TLS
// settings, sessions, certificates): a run that read no server satisfies only requirements all
// of whose rules are of files.
TEST(RequirementsTest, ARunWithoutServersSatisfiesOnlyRequirementsOfFiles) {
  ScanReport report;
  report.rules = {Rule("R-COVERAGE", {"4.2.1", "1.2.6"}, "hba_rule"),
                  Rule("R-TLS", {"4.2.1"}, "connection"), Rule("R-LOG", {"1.2.6"}, "log_session")};
  report.checks.push_back({"R-COVERAGE", "pg_hba.conf", 3, 0, 0});
  std::map<std::string, const RequirementResult*> judged;
  const std::vector<RequirementResult> results = JudgeRequirements(report, "pci-dss-4.0.1", {});
  for (const RequirementResult& result : results) judged[result.id] = &result;
  EXPECT_EQ(judged["4.2.1"]->verdict, RequirementVerdict::kNotAssessed);
  EXPECT_EQ(judged["4.2.1"]->reason,
            "the run read no server: 1 of its 2 rules check what only a server shows; the "
            "others' checks passed (1)");
  EXPECT_EQ(judged["1.2.6"]->verdict, RequirementVerdict::kSatisfied);
}

TEST(RequirementsTest, AFailureFailsARequirementAWaiverDoesNotMissingEvidenceIsNotAPass) {
  ScanReport report;
  report.rules = {Rule("R-FAIL", {"4.2.1"}), Rule("R-PASS", {"4.2.1", "8.3.2"}),
                  Rule("R-WAIVED", {"8.3.2"}), Rule("R-ERROR", {"2.2.7"}),
                  Rule("R-IDLE", {"10.2.1"})};
  ServerInfo db1;
  db1.name = "db1";
  report.servers.push_back(db1);
  for (const char* rule : {"R-FAIL", "R-PASS", "R-WAIVED", "R-ERROR"}) {
    report.checks.push_back({rule, "db1", 1, 0, 0});
  }
  report.findings = {FindingOf("R-FAIL", FindingStatus::kFail),
                     FindingOf("R-WAIVED", FindingStatus::kWaived),
                     FindingOf("R-ERROR", FindingStatus::kError)};
  const std::vector<RequirementResult> judged =
      JudgeRequirements(report, "pci-dss-4.0.1", {"4.2.1.1", "12.3.3"});
  std::vector<std::string> order;
  std::map<std::string, RequirementVerdict> verdicts;
  for (const RequirementResult& result : judged) {
    order.push_back(result.id);
    verdicts[result.id] = result.verdict;
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"2.2.7", "4.2.1", "4.2.1.1", "8.3.2", "10.2.1", "12.3.3"}));
  EXPECT_EQ(verdicts["4.2.1"], RequirementVerdict::kNotSatisfied);
  EXPECT_EQ(verdicts["8.3.2"], RequirementVerdict::kSatisfied);      // the failure is waived
  EXPECT_EQ(verdicts["2.2.7"], RequirementVerdict::kNotAssessed);    // evidence missing
  EXPECT_EQ(verdicts["10.2.1"], RequirementVerdict::kNotAssessed);   // nothing checked
  EXPECT_EQ(verdicts["4.2.1.1"], RequirementVerdict::kNotAssessed);  // no rule maps to it
  EXPECT_EQ(verdicts.count("6.8"), 0u);                              // another framework's

  std::ostringstream out;
  reporters::WriteRequirementsJson("pci-dss-4.0.1", judged, out);
  const nlohmann::json document = nlohmann::json::parse(out.str());
  EXPECT_EQ(document["requirements"][1]["id"], "4.2.1");
  EXPECT_EQ(document["requirements"][1]["verdict"], "not_satisfied");
  EXPECT_EQ(document["requirements"][1]["findings"][0]["rule_id"], "R-FAIL");
  EXPECT_EQ(document["requirements"][3]["findings"][0]["status"], "waived");

  // A server the run could not reach: nothing it would have shown is satisfied.
  report.errors.push_back({"db2", "connection refused", std::nullopt});
  for (const RequirementResult& result : JudgeRequirements(report, "pci-dss-4.0.1", {})) {
    EXPECT_NE(result.verdict, RequirementVerdict::kSatisfied) << result.id;
  }
}

TEST(RequirementsTest, ARequirementNamedTwiceByARuleCountsOnce) {
  ScanReport report;
  report.rules = {Rule("R", {"4.2.1", "4.2.1"})};
  report.checks.push_back({"R", "db1", 1, 1, 0});
  report.findings = {FindingOf("R", FindingStatus::kFail)};
  const std::vector<RequirementResult> judged = JudgeRequirements(report, "pci-dss-4.0.1", {});
  ASSERT_EQ(judged.size(), 1u);
  EXPECT_EQ(judged[0].rules.size(), 1u);
  EXPECT_EQ(judged[0].checks, 1u);
  EXPECT_EQ(judged[0].findings.size(), 1u);
}

}  // namespace
}  // namespace pgward
