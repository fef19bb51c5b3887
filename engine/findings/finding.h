#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/evidence.h"
#include "engine/model/fact_table.h"

namespace pgward {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
inline constexpr size_t kSeverityCount = static_cast<size_t>(Severity::kCritical) + 1;

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

// The fact a finding is about, by reference: a finding keeps its fact set alive, and reports read
// the fact's fields from it (secrets never reach facts) instead of a copy made per finding.
struct FindingSubject {
  std::shared_ptr<const FactSet> facts;
  FactKind kind = FactKind::kConnection;
  size_t row = 0;
  // A folded connection finding stands for many sessions: the fields in which they differ (pids,
  // start times) are left out.
  bool omit_volatile = false;

  const FactTable& table() const { return facts->table(kind); }
  // Whether reports show `field`, an index into the fact type's fields (shown in their order).
  bool Shows(size_t field) const {
    return !(omit_volatile && table().spec().fields[field].is_volatile);
  }
  // The field's value as text (FormatField); nullopt when the fact type has no such field or the
  // fact has no value for it.
  std::optional<std::string> Text(std::string_view field) const;
};

// Against a baseline (an earlier run's report): new since it, unchanged, worsened (the same
// problem, by fingerprint, failing where it did not, a waiver expired or evidence now complete,
// or more severe than it was), updated (something else of it changed: its message, a waiver
// that now covers it), or absent (in the baseline only). New and worsened findings are what
// --fail-on-new fails on.
enum class BaselineState { kNew, kUnchanged, kWorsened, kUpdated, kAbsent };
inline constexpr size_t kBaselineStates = 5;

// new, unchanged, worsened, updated, absent
std::string_view BaselineStateName(BaselineState state);

// One violation of one rule by one fact, or by a group of identical connection facts.
struct Finding {
  std::string rule_id;
  Severity severity = Severity::kInfo;
  FindingStatus status = FindingStatus::kFail;
  std::string message;
  std::string target;  // the server name, or the pg_hba.conf file
  std::optional<SourceLocation> location;
  std::optional<FindingSubject> subject;
  // Stable across runs: rule, target and the identifying fields, never pids or timestamps.
  std::string fingerprint;
  std::int64_t count = 1;  // identical connection facts folded into this finding
  std::vector<std::int64_t> sample_pids;
  // Status waived, or an expired waiver (note kept): one note for every finding the waiver
  // matches, shared (a finding is copied and moved in the hundreds of thousands).
  std::shared_ptr<const WaiverNote> waiver;
  std::optional<std::string> note;              // e.g. "waiver expired on 2026-01-31"
  std::optional<BaselineState> baseline_state;  // set when the run has a baseline
};

// The order in which reports list findings: rule id, target, location, message, fingerprint.
bool FindingBefore(const Finding& a, const Finding& b);

}  // namespace pgward
