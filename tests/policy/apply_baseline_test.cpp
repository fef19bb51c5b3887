// ApplyBaseline: how each finding stands against the same run's earlier report, by fingerprint.
// New and worsened findings are the ones --fail-on-new fails on.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/policy/baseline.h"

namespace pgward::policy {
namespace {

Finding Make(const std::string& fingerprint, Severity severity, FindingStatus status,
             const std::string& message = "the same problem") {
  Finding finding;
  finding.rule_id = "PGW-HBA-004";
  finding.fingerprint = fingerprint;
  finding.severity = severity;
  finding.status = status;
  finding.message = message;
  return finding;
}

TEST(ApplyBaselineTest, WhatFailsWhereItDidNotOrMoreSeverelyIsWorsened) {
  const std::vector<Finding> baseline = {
      Make("waived", Severity::kHigh, FindingStatus::kWaived),
      Make("unevaluated", Severity::kHigh, FindingStatus::kError),
      Make("raised", Severity::kMedium, FindingStatus::kFail),
      Make("reworded", Severity::kHigh, FindingStatus::kFail, "3 sessions"),
      Make("same", Severity::kHigh, FindingStatus::kFail),
      Make("lowered", Severity::kHigh, FindingStatus::kFail),
      Make("now waived", Severity::kHigh, FindingStatus::kFail),
      Make("now unevaluated", Severity::kHigh, FindingStatus::kFail),
      Make("gone", Severity::kHigh, FindingStatus::kFail)};
  std::vector<Finding> findings = {
      Make("waived", Severity::kHigh, FindingStatus::kFail),
      Make("unevaluated", Severity::kHigh, FindingStatus::kFail),
      Make("raised", Severity::kHigh, FindingStatus::kFail),
      Make("reworded", Severity::kHigh, FindingStatus::kFail, "4 sessions"),
      Make("same", Severity::kHigh, FindingStatus::kFail),
      Make("lowered", Severity::kMedium, FindingStatus::kFail),
      Make("now waived", Severity::kHigh, FindingStatus::kWaived),
      Make("now unevaluated", Severity::kHigh, FindingStatus::kError),
      Make("new", Severity::kLow, FindingStatus::kFail)};
  const std::vector<Finding> absent = ApplyBaseline(findings, baseline);
  std::vector<std::string> states;
  for (const Finding& finding : findings) {
    states.push_back(finding.fingerprint + ": " +
                     std::string(BaselineStateName(finding.baseline_state.value())));
  }
  EXPECT_EQ(states, (std::vector<std::string>{
                        "waived: worsened", "unevaluated: worsened", "raised: worsened",
                        "reworded: updated", "same: unchanged", "lowered: updated",
                        "now waived: updated", "now unevaluated: updated", "new: new"}));
  ASSERT_EQ(absent.size(), 1u);
  EXPECT_EQ(absent[0].fingerprint, "gone");
  EXPECT_EQ(absent[0].baseline_state, BaselineState::kAbsent);
}

}  // namespace
}  // namespace pgward::policy
