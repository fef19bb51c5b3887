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
    finding.baseline_state = old.message == finding.message && old.severity == finding.severity &&
                                     old.status == finding.status
                                 ? BaselineState::kUnchanged
                                 : BaselineState::kUpdated;
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
