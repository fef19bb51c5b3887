// Golden files: each format of each report case, byte for byte. After an intended change,
// regenerate them with PGWARD_UPDATE_GOLDEN=1 and review the diff (fixtures/reports/README.md).
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string_view>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"

namespace pgward::testing {
namespace {

const std::string kGoldenDir = std::string(PGWARD_SOURCE_DIR) + "/fixtures/reports/";

// The one machine-dependent part of a scan's SARIF: the absolute URI of the source root,
// percent-encoded as the SARIF reporter writes it (from the working directory, which names the
// source directory without symbolic links).
std::string Portable(std::string text) {
  std::string root = "file://";
  for (char c : std::filesystem::canonical(PGWARD_SOURCE_DIR).string() + "/") {
    if (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._~/", c) != nullptr) {
      root += c;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(c));
      root += escaped;
    }
  }
  for (size_t at = text.find(root); at != std::string::npos; at = text.find(root, at)) {
    text.replace(at, root.size(), "file:///SOURCE_DIR/");
  }
  return text;
}

TEST(GoldenTest, EveryFormatOfEveryCaseMatchesItsGoldenFile) {
  const bool update = std::getenv("PGWARD_UPDATE_GOLDEN") != nullptr;
  for (const ReportCase& report : SuiteReports()) {
    const std::string path = kGoldenDir + report.name + "." + Extension(report.format);
    const std::string actual = Portable(report.text);
    if (update) {
      WriteFile(path, actual);
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(path))
        << path << " is missing: run the test with PGWARD_UPDATE_GOLDEN=1";
    EXPECT_EQ(actual, ReadFile(path))
        << report.name << " (" << report.format
        << ") differs from its golden file; if intended, rerun with PGWARD_UPDATE_GOLDEN=1";
  }
}

// The numbers a run's summary gives: checks, passed, failed, errors, waived.
using Counts = std::array<int, 5>;

Counts JsonCounts(const std::string& text) {
  const nlohmann::json summary = nlohmann::json::parse(text)["summary"];
  return {summary["checks"].get<int>(), summary["checks_passed"].get<int>(),
          summary["checks_failed"].get<int>(), summary["checks_errors"].get<int>(),
          summary["checks_waived"].get<int>()};
}

// From <testsuites> (tests, failures, errors) and the testsuites' `skipped`; a pass is a test
// that is none of these.
Counts JunitCounts(const std::string& text) {
  const auto attribute = [](std::string_view element, std::string_view name) {
    const std::string key = " " + std::string(name) + "=\"";
    const size_t at = element.find(key) + key.size();
    return std::stoi(std::string(element.substr(at, element.find('"', at) - at)));
  };
  const std::string_view all(text);
  const std::string_view root = all.substr(all.find("<testsuites"));
  const std::string_view root_tag = root.substr(0, root.find('>'));
  int skipped = 0;
  for (size_t at = all.find("<testsuite "); at != std::string::npos;
       at = all.find("<testsuite ", at + 1)) {
    skipped += attribute(all.substr(at, all.find('>', at) - at), "skipped");
  }
  const int tests = attribute(root_tag, "tests"), failures = attribute(root_tag, "failures"),
            errors = attribute(root_tag, "errors");
  return {tests, tests - failures - errors - skipped, failures, errors, skipped};
}

Counts TextCounts(const std::string& text) {
  const std::regex summary(
      R"(([0-9]+) of ([0-9]+) checks passed \(([0-9]+) failed, ([0-9]+) errors, ([0-9]+) waived\))");
  std::smatch match;
  if (!std::regex_search(text, match, summary)) return {-1, -1, -1, -1, -1};
  return {std::stoi(match[2]), std::stoi(match[1]), std::stoi(match[3]), std::stoi(match[4]),
          std::stoi(match[5])};
}

// The same run counts the same checks in every format: JUnit's tests are JSON's checks and the
// text summary's, and so are their outcomes.
TEST(GoldenTest, TheFormatsOfOneRunCountTheSameChecks) {
  std::map<std::string, std::map<std::string, Counts>> counts;  // case -> format -> counts
  for (const ReportCase& report : SuiteReports()) {
    if (report.format == "json") counts[report.name]["json"] = JsonCounts(report.text);
    if (report.format == "junit") counts[report.name]["junit"] = JunitCounts(report.text);
    if (report.format == "text") counts[report.name]["text"] = TextCounts(report.text);
  }
  ASSERT_TRUE(counts.contains("mixed"));
  const Counts mixed = counts["mixed"]["json"];
  // The mixed run has every outcome.
  for (size_t i = 1; i < mixed.size(); ++i) EXPECT_GT(mixed[i], 0) << "outcome " << i;
  for (const auto& [name, formats] : counts) {
    EXPECT_EQ(formats.at("junit"), formats.at("json")) << name;
    if (formats.contains("text")) {
      EXPECT_EQ(formats.at("text"), formats.at("json")) << name;
    }
  }
}

TEST(GoldenTest, RenderingIsDeterministic) {
  reporters::RenderOptions options;
  options.source_root = kFixtureSourceRoot;
  const ScanReport report = RichReport();
  for (const std::string_view format : reporters::ReportFormats()) {
    EXPECT_EQ(reporters::RenderReport(format, report, options),
              reporters::RenderReport(format, RichReport(), options))
        << format;
  }
}

TEST(GoldenTest, FormatsAndFileNames) {
  EXPECT_TRUE(reporters::IsReportFormat("sarif"));
  EXPECT_TRUE(reporters::IsReportFormat("junit"));
  EXPECT_FALSE(reporters::IsReportFormat("xml"));
  EXPECT_EQ(reporters::DefaultFileName("sarif"), "pgward.sarif");
  EXPECT_EQ(reporters::DefaultFileName("junit"), "pgward.junit.xml");
  EXPECT_EQ(reporters::DefaultFileName("json"), "pgward.json");
  EXPECT_EQ(reporters::DefaultFileName("text"), "pgward.txt");
}

}  // namespace
}  // namespace pgward::testing
