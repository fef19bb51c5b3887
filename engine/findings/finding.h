#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/evidence.h"

namespace pgward {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity severity);
std::optional<Severity> ParseSeverity(std::string_view name);

enum class FindingStatus {
  kFail,    // the assertion does not hold
  kWaived,  // it does not hold, and a valid waiver accepts that
  kError,   // the evidence needed to decide is missing: never a pass
};

std::string_view FindingStatusName(FindingStatus status);

// A compliance framework that rules map to (RuleInfo::compliance keys), as its policy declares
// it: SARIF names it as a taxonomy.
struct FrameworkInfo {
  std::string id;     // e.g. "pci-dss-4.0.1"
  std::string title;  // e.g. "PCI DSS v4.0.1"
  std::string version;
  std::string organization;
};

struct WaiverNote {
  std::string justification;
  std::string owner;
  std::string expires;  // YYYY-MM-DD
  std::string source;   // waivers file:line
};

// One violation of one rule by one fact, or by a group of identical connection facts.
struct Finding {
  std::string rule_id;
  Severity severity = Severity::kInfo;
  FindingStatus status = FindingStatus::kFail;
  std::string message;
  std::string target;  // the server name, or the pg_hba.conf file
  std::optional<SourceLocation> location;
  // The fact's fields (secrets masked); ordered as the fact type declares them.
  nlohmann::ordered_json subject;
  // Framework -> control ids, e.g. "pci-dss-4.0.1" -> ["4.2.1"].
  std::map<std::string, std::vector<std::string>> compliance;
  // Stable across runs: rule, target and the identifying fields, never pids or timestamps.
  std::string fingerprint;
  std::int64_t count = 1;  // identical connection facts folded into this finding
  std::vector<std::int64_t> sample_pids;
  std::optional<WaiverNote> waiver;  // status waived, or an expired waiver (note kept)
  std::optional<std::string> note;   // e.g. "waiver expired on 2026-01-31"
};

}  // namespace pgward
