#include "engine/policy/baseline.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/core/input_file.h"

namespace pgward::policy {
namespace {

using nlohmann::json;

std::optional<std::string> Text(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

BaselineLoadResult LoadBaseline(const std::string& path) {
  BaselineLoadResult result;
  InputFile file = ReadInputFile(path, kDefaultMaxInputBytes);
  if (file.error) {
    result.error = "cannot read the baseline " + path + ": " + *file.error;
    return result;
  }
  const json report = json::parse(file.contents, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded() || !report.is_object() || !report.contains("findings") ||
      !report["findings"].is_array() || Text(report, "report_version") != "1") {
    result.error = "the baseline " + path + " is not a pgward JSON report (report_version 1)";
    return result;
  }
  for (const json& entry : report["findings"]) {
    const std::optional<std::string> rule = Text(entry, "rule_id");
    const std::optional<std::string> fingerprint = Text(entry, "fingerprint");
    const std::optional<Severity> severity = ParseSeverity(Text(entry, "severity").value_or(""));
    if (!entry.is_object() || !rule || !fingerprint || !severity) {
      result.error = "the baseline " + path +
                     " has a finding without rule_id, severity or "
                     "fingerprint";
      result.findings.clear();
      return result;
    }
    Finding finding;
    finding.rule_id = *rule;
    finding.severity = *severity;
    const std::string status = Text(entry, "status").value_or("fail");
    finding.status = status == "waived"  ? FindingStatus::kWaived
                     : status == "error" ? FindingStatus::kError
                                         : FindingStatus::kFail;
    finding.message = Text(entry, "message").value_or("");
    finding.target = Text(entry, "target").value_or("");
    if (const auto location = entry.find("location");
        location != entry.end() && location->is_object()) {
      const auto line = location->find("line");
      finding.location = SourceLocation{
          Text(*location, "file").value_or(""),
          line != location->end() && line->is_number_integer() ? line->get<int>() : 0};
    }
    finding.fingerprint = *fingerprint;
    result.findings.push_back(std::move(finding));
  }
  return result;
}

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
