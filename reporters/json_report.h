#pragma once

#include <ostream>

#include "engine/findings/report.h"
#include "reporters/json_writer.h"

namespace pgward::reporters {

// The version of the JSON report's shape (docs/report-json.md); bumped on incompatible change.
inline constexpr const char* kJsonReportVersion = "1";

// The JSON report: tool, invocation, summary, targets, rules, findings (every field of the
// findings model), checks, errors and artifacts. Keys keep a fixed order and arrays the
// report's sorted order, so the same inputs give the same bytes. Written as it is made: memory
// does not grow with the number of findings.
void WriteJsonReport(const ScanReport& report, std::ostream& out);

// A finding's location as every JSON document of pgward writes it: {"file", "line"} or null.
void WriteLocation(JsonWriter& json, const std::optional<SourceLocation>& location);

}  // namespace pgward::reporters
