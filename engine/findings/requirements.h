#pragma once

// A compliance framework's requirements (PCI DSS 4.0.1's, say) judged from a run, for the
// assessor who asks per requirement, not per rule: not satisfied when a rule mapped to it has a
// failing finding; not assessed when one could not be decided (evidence missing), or when no rule
// of the run checked anything for it, or the run is incomplete (a server could not be reached);
// satisfied when every check of its rules passed and nothing is missing. A waived
// finding is an exception accepted with a reason: it does not fail the requirement, and is
// listed with it.

#include <string>
#include <string_view>
#include <vector>

#include "engine/findings/report.h"

namespace pgward {

enum class RequirementVerdict { kSatisfied, kNotSatisfied, kNotAssessed };

std::string_view RequirementVerdictName(RequirementVerdict verdict);  // satisfied, ...

struct RequirementResult {
  std::string id;  // "4.2.1"
  RequirementVerdict verdict = RequirementVerdict::kNotAssessed;
  std::string reason;                    // why, in a sentence
  std::vector<std::string> rules;        // the run's rules mapped to it, by id
  std::size_t checks = 0;                // rule checks on a target (RuleCheck) behind it
  std::vector<const Finding*> findings;  // failing, erroneous and waived, in report order
};

// The requirements an assessor asks evidence of even when no rule of the run maps to them:
// PCI DSS 4.0.1's 2.2.7, 4.2.1, 4.2.1.1, 8.3.2 and 12.3.3 for "pci-dss-4.0.1"; none for others.
std::vector<std::string> RequiredEvidence(std::string_view framework);

// Every requirement of `framework` the run's rules map to, and those of `required` too (judged
// not assessed when no rule maps to them), in requirement order (4.2.1 before 4.2.1.1 before
// 12.3.3). The findings point into `report`.
std::vector<RequirementResult> JudgeRequirements(const ScanReport& report,
                                                 std::string_view framework,
                                                 const std::vector<std::string>& required);

}  // namespace pgward
