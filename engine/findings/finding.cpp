#include "engine/findings/finding.h"

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
