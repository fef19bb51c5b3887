#include "engine/policy/baseline.h"

#include <map>
#include <string_view>

namespace pgward::policy {
std::vector<Finding> ApplyBaseline(std::vector<Finding>& findings,
                                   const std::vector<Finding>& baseline) {
  std::map<std::string_view, const Finding*> before;
  for (const Finding& finding : baseline) before.emplace(finding.fingerprint, &finding);
  std::map<std::string_view, bool> seen;
  for (Finding& finding : findings) {
    const auto it = before.find(finding.fingerprint);
    if (it == before.end()) {
      finding.baseline_state = BaselineState::kNew;
      continue;
    }
    seen[it->first] = true;
    const Finding& old = *it->second;
    const bool fails = finding.status == FindingStatus::kFail;
    if (fails && (old.status != FindingStatus::kFail || finding.severity > old.severity)) {
      // What a gate on new findings must not let through: a waiver that expired, a rule made
      // stricter, a failure that evidence missing hid before.
      finding.baseline_state = BaselineState::kWorsened;
    } else if (old.message == finding.message && old.severity == finding.severity &&
               old.status == finding.status) {
      finding.baseline_state = BaselineState::kUnchanged;
    } else {
      finding.baseline_state = BaselineState::kUpdated;
    }
  }
  std::vector<Finding> absent;
  for (const Finding& finding : baseline) {
    if (seen.contains(finding.fingerprint)) continue;
    absent.push_back(finding);
    absent.back().baseline_state = BaselineState::kAbsent;
  }
  return absent;
}

}  // namespace pgward::policy
