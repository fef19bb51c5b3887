// Golden files: each format of each report case, byte for byte. After an intended change,
// regenerate them with PGWARD_UPDATE_GOLDEN=1 and review the diff (fixtures/reports/README.md).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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
