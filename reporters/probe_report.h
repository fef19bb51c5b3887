#pragma once

// The renderings of a ProbeResult: JSON for `--format json` (stable key order, sorted suites)
// and text for people.

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "engine/model/probe_result.h"

namespace pgward::reporters {

nlohmann::ordered_json ProbeResultToJson(const probe::ProbeResult& result);

// Writes the JSON document followed by a newline.
void WriteProbeJson(const probe::ProbeResult& result, std::ostream& out);
void WriteProbeText(const probe::ProbeResult& result, std::ostream& out);

}  // namespace pgward::reporters
