// GitHub workflow-command annotations and the GitLab Code Quality report: what a CI system reads
// must place every failing finding and cannot be made to run another command.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"
#include "tests/support/command.h"

namespace pgward::testing {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(GithubAnnotationsTest, EveryLineIsOneAnnotationWhateverTheNames) {
  // Hostile names hold CR, LF, "::" and control characters: none may start a second command.
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != "github") continue;
    for (const std::string& line : Lines(report.text)) {
      EXPECT_TRUE(line.starts_with("::error ") || line.starts_with("::warning ") ||
                  line.starts_with("::notice "))
          << report.name << ": " << line;
      EXPECT_EQ(line.find('\r'), std::string::npos) << line;
      for (char c : line) EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 || c == '\t') << line;
    }
  }
}

TEST(GithubAnnotationsTest, FailingFindingsAreAtTheirLineAndWaivedOnesLeftOut) {
  const ScanReport report = RichReport();
  const std::string text = reporters::RenderReport("github", report, {});
  size_t expected = report.errors.size();
  for (const Finding& finding : report.findings) {
    if (finding.status != FindingStatus::kWaived) ++expected;
  }
  EXPECT_EQ(Lines(text).size(), expected) << text;
  EXPECT_EQ(text.find("legacy BI client"), std::string::npos);  // the waived finding's waiver
  // Paths from the source root, as GitHub places annotations on the diff.
  reporters::RenderOptions options;
  options.source_root = kFixtureSourceRoot;
  const std::string rooted = reporters::RenderReport("github", report, options);
  EXPECT_NE(rooted.find("file=conf/pg_hba.conf,line="), std::string::npos) << rooted;
}

TEST(GithubAnnotationsTest, PastTenOfALevelOneAnnotationCountsTheRest) {
  ScanReport report = RichReport();
  report.errors.clear();
  Finding notice = report.findings.front();
  notice.status = FindingStatus::kFail;
  notice.severity = Severity::kLow;
  report.findings.assign(25, notice);
  const std::vector<std::string> lines = Lines(reporters::RenderReport("github", report, {}));
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_NE(lines.back().find("16 more notice annotations"), std::string::npos) << lines.back();
}

TEST(GitlabCodeQualityTest, MatchesTheFieldsGitlabDocuments) {
  if (!RequireTool(kDebianPython)) return;
  TempDir dir;
  std::vector<std::string> argv{
      kDebianPython, "-c", R"(
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = 0
for path in sys.argv[2:]:
    issues = json.load(open(path, encoding="utf-8"))
    for error in jsonschema.Draft202012Validator(schema).iter_errors(issues):
        errors += 1
        print(path, error.message)
    fingerprints = [issue["fingerprint"] for issue in issues]
    if len(set(fingerprints)) != len(fingerprints):
        errors += 1
        print(path, "fingerprints repeat")
print(len(sys.argv) - 2, "validated,", errors, "errors")
sys.exit(1 if errors else 0)
)",
      std::string(PGWARD_SOURCE_DIR) + "/fixtures/reports/gitlab-code-quality.schema.json"};
  size_t files = 0;
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != "gitlab") continue;
    argv.push_back(dir.path() + "/" + report.name + ".json");
    WriteFile(argv.back(), report.text);
    ++files;
  }
  ASSERT_GE(files, 4u);
  const CommandResult result = RunCommand(argv);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  // The validator is not one that accepts anything.
  const std::string bad = dir.path() + "/bad.json";
  WriteFile(bad, R"([{"description": "x", "check_name": "y", "fingerprint": "z",
                    "severity": "high", "location": {"path": "p", "lines": {"begin": 1}}}])");
  argv.resize(4);
  argv.push_back(bad);
  EXPECT_EQ(RunCommand(argv).exit_code, 1);
}

}  // namespace
}  // namespace pgward::testing
