// Metrics (--metrics, --format metrics): every exposition of the suite passes promtool (Debian's
// prometheus package) and parses with the Prometheus Python client into the samples the run's
// JSON report implies; the example alert rules check, pass their unit tests, and use only
// metrics pgward writes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/reporters/report_cases.h"
#include "tests/support/command.h"
#include "tests/support/prometheus.h"

namespace pgward::testing {
namespace {

using Json = nlohmann::json;

const std::string kExamples = std::string(PGWARD_SOURCE_DIR) + "/examples/prometheus/";

std::string Case(const std::string& name, const std::string& format) {
  for (const ReportCase& report : SuiteReports()) {
    if (report.name == name && report.format == format) return report.text;
  }
  ADD_FAILURE() << "no case " << name << " in " << format;
  return "";
}

TEST(MetricsTest, EveryExpositionPassesPromtoolAndHoldsWhatTheReportSays) {
  if (!RequireTool(kPromtool) || !RequireTool(kDebianPython)) return;
  TempDir dir;
  size_t cases = 0;
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != "metrics") continue;
    ++cases;
    const std::string file = dir.path() + "/" + report.name + ".prom";
    WriteFile(file, report.text);
    const CommandResult check = PromtoolCheckMetrics(file);
    EXPECT_EQ(check.exit_code, 0) << report.name << ": " << check.out << check.err;
    EXPECT_EQ(check.out + check.err, "") << report.name;  // no lint complaint either
    const Json samples = ParseExposition(file);
    ASSERT_TRUE(samples.is_array()) << report.name;

    // The JSON report of the same run: findings by status, targets, completeness.
    const Json json = Json::parse(Case(report.name, "json"));
    std::map<std::string, double> findings_by_status, json_by_status;
    std::set<std::string> targets_up;
    double complete = -1, exit_code = -1;
    for (const Json& sample : samples) {
      const std::string name = sample["name"];
      if (name == "pgward_findings") {
        findings_by_status[sample["labels"]["status"]] += sample["value"].get<double>();
      } else if (name == "pgward_target_up") {
        targets_up.insert(sample["labels"]["target"].get<std::string>());
      } else if (name == "pgward_run_complete") {
        complete = sample["value"];
      } else if (name == "pgward_run_exit_code") {
        exit_code = sample["value"];
      }
    }
    for (const Json& finding : json["findings"]) json_by_status[finding["status"]] += 1;
    for (const auto& [status, count] : json_by_status) {
      EXPECT_EQ(findings_by_status[status], count) << report.name << " " << status;
    }
    std::set<std::string> json_targets;
    for (const Json& target : json["targets"]) json_targets.insert(target.get<std::string>());
    for (const Json& error : json["errors"])
      json_targets.insert(error["target"].get<std::string>());
    // Hostile names are made printable in labels: the same targets, counted.
    if (report.name == "hostile") {
      EXPECT_EQ(targets_up.size(), json_targets.size());
    } else {
      EXPECT_EQ(targets_up, json_targets) << report.name;
    }
    EXPECT_EQ(exit_code, json["invocation"]["exit_code"].get<double>()) << report.name;
    EXPECT_EQ(complete, json["invocation"]["exit_code"] == 3 ? 0 : 1) << report.name;
  }
  EXPECT_GE(cases, 5u);
}

// What only a live run observes, written and escaped as the format requires.
TEST(MetricsTest, ObservationsBecomeTheirFamilies) {
  if (!RequireTool(kDebianPython)) return;
  TempDir dir;
  WriteFile(dir.path() + "/rich.prom", Case("rich", "metrics"));
  std::map<std::string, double> values;  // name{sorted labels} -> value
  for (const Json& sample : ParseExposition(dir.path() + "/rich.prom")) {
    values[sample["name"].get<std::string>() + sample["labels"].dump()] = sample["value"];
  }
  const auto value = [&](const std::string& name, const Json& labels) {
    const auto found = values.find(name + labels.dump());
    EXPECT_NE(found, values.end()) << name << labels.dump();
    return found == values.end() ? -1 : found->second;
  };
  const std::string db1 = "db1.example.com:5432";
  EXPECT_EQ(value("pgward_sessions",
                  {{"encryption", "plaintext"}, {"protocol", "none"}, {"target", db1}}),
            3);
  EXPECT_EQ(
      value("pgward_sessions", {{"encryption", "tls"}, {"protocol", "TLSv1.3"}, {"target", db1}}),
      12);
  EXPECT_EQ(value("pgward_certificate_not_after_timestamp_seconds",
                  {{"serial", "4F2A"},
                   {"subject", "CN=db1.example.com,O=Ex\\ample \"Ltd\""},
                   {"target", db1}}),
            1767225600);
  EXPECT_EQ(value("pgward_probe_protocol_accepted", {{"protocol", "TLSv1.3"}, {"target", db1}}), 1);
  EXPECT_EQ(
      value("pgward_hba_plaintext_reachable", {{"target", "/etc/postgresql/15/main/pg_hba.conf"}}),
      0);
  EXPECT_EQ(value("pgward_run_duration_seconds", Json::object()), 1.25);
}

// The checks above would pass on a validator that accepts anything.
TEST(MetricsTest, PromtoolRejectsABrokenExposition) {
  if (!RequireTool(kPromtool)) return;
  TempDir dir;
  WriteFile(dir.path() + "/broken.prom", "pgward-findings{target=\"a\"} 1\n");
  EXPECT_NE(PromtoolCheckMetrics(dir.path() + "/broken.prom").exit_code, 0);
}

TEST(MetricsTest, TheExampleAlertsCheckPassTheirTestsAndUseOnlyPgwardsMetrics) {
  if (!RequireTool(kPromtool)) return;
  const CommandResult check = RunCommand({kPromtool, "check", "rules", kExamples + "alerts.yml"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("SUCCESS: 6 rules found"), std::string::npos) << check.out;
  const CommandResult tests =
      RunCommand({kPromtool, "test", "rules", kExamples + "alerts.test.yml"});
  EXPECT_EQ(tests.exit_code, 0) << tests.out << tests.err;
  // Every metric the rules and their tests name is one pgward writes.
  std::set<std::string> written;
  const std::regex family("# TYPE (pgward_[a-z_]+) ");
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != "metrics") continue;
    for (auto it = std::sregex_iterator(report.text.begin(), report.text.end(), family);
         it != std::sregex_iterator(); ++it) {
      written.insert((*it)[1]);
    }
  }
  const std::regex used("pgward_[a-z_]+");
  for (const char* file : {"alerts.yml", "alerts.test.yml"}) {
    const std::string text = ReadFile(kExamples + file);
    size_t names = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), used);
         it != std::sregex_iterator(); ++it) {
      ++names;
      EXPECT_TRUE(written.contains(it->str())) << file << ": " << it->str();
    }
    EXPECT_GE(names, 6u) << file;
  }
}

}  // namespace
}  // namespace pgward::testing
