#pragma once

// Metrics checked with the real tools: promtool (Debian's prometheus) and the Prometheus Python
// client's parser (python3-prometheus-client).

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/command.h"

namespace pgward::testing {

inline constexpr char kPromtool[] = "/usr/bin/promtool";

// `promtool check metrics` on the file: exit 0 and no output when it is valid and lint-free.
CommandResult PromtoolCheckMetrics(const std::string& file);

// The file's samples as the Python client parses them: [{"name", "labels", "value"}], or a
// discarded value (and a test failure) when it does not parse.
nlohmann::json ParseExposition(const std::string& file);

// The value of the sample `name` with exactly `labels`, or nullopt.
std::optional<double> SampleValue(const nlohmann::json& samples, const std::string& name,
                                  const nlohmann::json& labels);

}  // namespace pgward::testing
