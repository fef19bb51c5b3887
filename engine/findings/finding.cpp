#include "engine/findings/finding.h"

#include <tuple>

#include "engine/model/fact_format.h"

namespace pgward {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "";
}

std::optional<std::string> FindingSubject::Text(std::string_view field) const {
  const std::optional<size_t> index = table().spec().FieldIndex(field);
  if (!index || IsAbsent(table(), row, *index)) return std::nullopt;
  return FormatField(table(), row, *index);
}

bool FindingBefore(const Finding& a, const Finding& b) {
  const auto key = [](const Finding& finding) {
    return std::make_tuple(
        std::string_view(finding.rule_id), std::string_view(finding.target),
        finding.location ? std::string_view(finding.location->file) : std::string_view(),
        finding.location ? finding.location->line : 0, std::string_view(finding.message),
        std::string_view(finding.fingerprint));
  };
  return key(a) < key(b);
}

std::string_view BaselineStateName(BaselineState state) {
  switch (state) {
    case BaselineState::kNew:
      return "new";
    case BaselineState::kUnchanged:
      return "unchanged";
    case BaselineState::kWorsened:
      return "worsened";
    case BaselineState::kUpdated:
      return "updated";
    case BaselineState::kAbsent:
      return "absent";
  }
  return "";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (Severity severity :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (SeverityName(severity) == name) return severity;
  }
  return std::nullopt;
}

std::string_view FindingStatusName(FindingStatus status) {
  switch (status) {
    case FindingStatus::kFail:
      return "fail";
    case FindingStatus::kWaived:
      return "waived";
    case FindingStatus::kError:
      return "error";
  }
  return "";
}

}  // namespace pgward
