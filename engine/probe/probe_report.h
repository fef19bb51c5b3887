#pragma once

// The renderings of a ProbeResult: JSON for `--format json` (stable key order, sorted suites)
// and text for people.

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "engine/probe/probe_result.h"

namespace pgward::probe {

nlohmann::ordered_json ProbeResultToJson(const ProbeResult& result);

// Writes the JSON document followed by a newline.
void WriteProbeJson(const ProbeResult& result, std::ostream& out);
void WriteProbeText(const ProbeResult& result, std::ostream& out);

}  // namespace pgward::probe
