#include "engine/policy/baseline.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/model/ip.h"

namespace pgward::policy {
namespace {

// The values of a list field of `subject`'s fact; empty when absent.
std::vector<std::string_view> ListValues(const FindingSubject& subject, size_t field) {
  const FactTable& table = subject.table();
  std::vector<std::string_view> values;
  const ValueId id = table.Id(subject.row, field);
  if (id == kAbsent) return values;
  for (const ValueId value : table.pool().List(id)) values.push_back(table.pool().String(value));
  return values;
}

// Whether `value` (a range as pgward formats it, or a name) lies within `reached`: a range
// within the union of its ranges, a name among its names.
bool Within(std::string_view value, const std::vector<std::string_view>& reached) {
  const std::optional<IpRange> range = ParseFormattedIpRange(value);
  if (!range) return std::find(reached.begin(), reached.end(), value) != reached.end();
  std::vector<IpRange> ranges;
  for (std::string_view text : reached) {
    if (const std::optional<IpRange> other = ParseFormattedIpRange(text)) ranges.push_back(*other);
  }
  return Outside(*range, std::move(ranges)).empty();
}

// Whether `now` reaches (FieldSpec::reach) something `before`, the same problem in the
// baseline, did not: plaintext accepted from more addresses than it was.
bool ReachesFurther(const Finding& now, const Finding& before) {
  if (!now.subject || !before.subject || now.subject->kind != before.subject->kind) return false;
  const auto& fields = now.subject->table().spec().fields;
  for (size_t field = 0; field < fields.size(); ++field) {
    if (!fields[field].reach) continue;
    const std::vector<std::string_view> reached = ListValues(*before.subject, field);
    for (std::string_view value : ListValues(*now.subject, field)) {
      if (!Within(value, reached)) return true;
    }
  }
  return false;
}

}  // namespace

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
    if (fails && (old.status != FindingStatus::kFail || finding.severity > old.severity ||
                  ReachesFurther(finding, old))) {
      // What a gate on new findings must not let through: a waiver that expired, a rule made
      // stricter, a failure that evidence missing hid before, plaintext let in from further.
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
