#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/findings/report.h"

namespace pgward::reporters {

// The version of the JSON report's shape (docs/report-json.md); bumped on incompatible change.
inline constexpr const char* kJsonReportVersion = "1";

// The JSON report: tool, invocation, summary, targets, rules, findings (every field of the
// findings model), checks, errors and artifacts. Keys keep a fixed order and arrays the
// report's sorted order, so the same inputs give the same bytes.
std::string RenderJsonReport(const ScanReport& report);

// `document` as dump(2) writes it, with its empty array member `key`, at nesting `depth` (1 for
// a top-level member), filled with the elements `next` makes one at a time until it returns
// false: a report with many findings is never one JSON tree in memory. Invalid UTF-8 in the
// strings becomes U+FFFD.
std::string DumpWithStreamedArray(const nlohmann::ordered_json& document, std::string_view key,
                                  int depth,
                                  const std::function<bool(nlohmann::ordered_json&)>& next);

}  // namespace pgward::reporters
