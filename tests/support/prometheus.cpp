#include "tests/support/prometheus.h"

#include <gtest/gtest.h>

namespace pgward::testing {
namespace {

constexpr char kParser[] = R"(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
samples = []
for family in text_string_to_metric_families(text):
    for sample in family.samples:
        samples.append({"name": sample.name, "labels": sample.labels, "value": sample.value})
print(json.dumps(samples))
)";

}  // namespace

CommandResult PromtoolCheckMetrics(const std::string& file) {
  CommandOptions options;
  options.stdin_path = file;
  return RunCommand({kPromtool, "check", "metrics"}, options);
}

nlohmann::json ParseExposition(const std::string& file) {
  const CommandResult result = RunCommand({"/usr/bin/python3", "-c", kParser, file});
  EXPECT_EQ(result.exit_code, 0) << result.err
                                 << "(python3-prometheus-client comes with scripts/install-deps)";
  return nlohmann::json::parse(result.out, nullptr, false);
}

std::optional<double> SampleValue(const nlohmann::json& samples, const std::string& name,
                                  const nlohmann::json& labels) {
  for (const nlohmann::json& sample : samples) {
    if (sample["name"] == name && sample["labels"] == labels) return sample["value"].get<double>();
  }
  return std::nullopt;
}

}  // namespace pgward::testing
