// JUnit XML: every report of the suite is well-formed and valid against the strict Jenkins
// schema (fixtures/reports/junit-10.xsd, MIT), checked with xmllint; its structure is read back
// with XPath, through xmllint too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"
#include "tests/support/command.h"

namespace pgward::testing {
namespace {

using nlohmann::json;

const std::string kSchema = std::string(PGWARD_SOURCE_DIR) + "/fixtures/reports/junit-10.xsd";

// xmllint's exit codes: 0 valid, 1 malformed, 3 invalid against the schema.
int Xmllint(const std::vector<std::string>& arguments, std::string* out = nullptr) {
  std::vector<std::string> argv{kXmllint};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const CommandResult result = RunCommand(argv);
  if (out) *out = result.out;
  if (result.exit_code != 0) ADD_FAILURE() << "xmllint: " << result.err.substr(0, 2000);
  return result.exit_code;
}

class JunitFile {
 public:
  explicit JunitFile(const std::string& text) : path_(dir_.path() + "/report.junit.xml") {
    WriteFile(path_, text);
  }

  std::string XPath(const std::string& expression) const {
    std::string out;
    Xmllint({"--xpath", expression, path_}, &out);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  int Count(const std::string& expression) const {
    return std::stoi(XPath("count(" + expression + ")"));
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
};

TEST(JunitTest, EveryJunitOfTheSuiteIsWellFormedAndValidAgainstJunit10Xsd) {
  if (!RequireTool(kXmllint)) return;
  size_t checked = 0;
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != "junit") continue;
    const JunitFile file(report.text);
    EXPECT_EQ(Xmllint({"--noout", file.path()}), 0) << report.name;
    EXPECT_EQ(Xmllint({"--noout", "--schema", kSchema, file.path()}), 0) << report.name;
    ++checked;
  }
  EXPECT_GE(checked, 4u);
}

// The checks above would pass on a validator that accepts anything.
TEST(JunitTest, XmllintRejectsWhatJenkinsRejects) {
  if (!RequireTool(kXmllint)) return;
  TempDir dir;
  const std::string invalid = dir.path() + "/invalid.xml";
  WriteFile(invalid,
            "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">"
            "<testcase name=\"t\" file=\"pg_hba.conf\"/></testsuite></testsuites>");
  EXPECT_EQ(RunCommand({kXmllint, "--noout", "--schema", kSchema, invalid}).exit_code, 3);
  const std::string malformed = dir.path() + "/malformed.xml";
  WriteFile(malformed, "<testsuites name=\"a\x01\"/>");
  EXPECT_EQ(RunCommand({kXmllint, "--noout", malformed}).exit_code, 1);
}

class RichJunitTest : public ::testing::Test {
 protected:
  RichJunitTest() : file_(reporters::RenderReport("junit", RichReport(), {})) {}

  static std::string Suite(const std::string& target) {
    return "/testsuites/testsuite[@name='" + target + "']";
  }
  static std::string Case(const std::string& target, const std::string& rule) {
    return Suite(target) + "/testcase[@classname='pgward." + rule + "']";
  }

  JunitFile file_;
};

TEST_F(RichJunitTest, OneSuitePerTargetWithCountsThatMatchItsTestcases) {
  if (!RequireTool(kXmllint)) return;
  ASSERT_EQ(file_.Count("/testsuites/testsuite"), 4);
  int tests = 0, failures = 0, errors = 0;
  for (int i = 1; i <= 4; ++i) {
    const std::string suite = "/testsuites/testsuite[" + std::to_string(i) + "]";
    const int suite_tests = file_.Count(suite + "/testcase");
    EXPECT_EQ(std::stoi(file_.XPath("string(" + suite + "/@tests)")), suite_tests);
    const int suite_failures = file_.Count(suite + "/testcase[failure]");
    EXPECT_EQ(std::stoi(file_.XPath("string(" + suite + "/@failures)")), suite_failures);
    const int suite_errors = file_.Count(suite + "/testcase[error and not(failure)]");
    EXPECT_EQ(std::stoi(file_.XPath("string(" + suite + "/@errors)")), suite_errors);
    EXPECT_EQ(std::stoi(file_.XPath("string(" + suite + "/@skipped)")),
              file_.Count(suite + "/testcase[skipped]"));
    // One outcome element per testcase: a testcase is one check, however many findings.
    EXPECT_EQ(file_.Count(suite + "/testcase[count(failure | error | skipped) > 1]"), 0);
    // A server's suite is dated by its evidence's collection, a file's by the run.
    const std::string name = file_.XPath("string(" + suite + "/@name)");
    EXPECT_EQ(file_.XPath("string(" + suite + "/@timestamp)"),
              name == "db1.example.com:5432"   ? "2026-02-28T23:59:30Z"
              : name == "db2.example.com:5432" ? "2026-02-28T23:59:31Z"
                                               : "2026-03-01T10:00:00Z")
        << name;
    tests += suite_tests;
    failures += suite_failures;
    errors += suite_errors;
  }
  EXPECT_EQ(std::stoi(file_.XPath("string(/testsuites/@tests)")), tests);
  EXPECT_EQ(std::stoi(file_.XPath("string(/testsuites/@failures)")), failures);
  EXPECT_EQ(std::stoi(file_.XPath("string(/testsuites/@errors)")), errors);
  // The checks the JSON report counts, one for one.
  const json summary = json::parse(reporters::RenderReport("json", RichReport(), {}))["summary"];
  EXPECT_EQ(summary["checks"], tests);
  EXPECT_EQ(summary["checks_failed"], failures);
  EXPECT_EQ(summary["checks_errors"], errors);
  EXPECT_EQ(summary["checks_waived"],
            std::stoi(file_.XPath("string(count(/testsuites/testsuite/testcase[skipped]))")));
}

TEST_F(RichJunitTest, NamesAreStableAndUnique) {
  if (!RequireTool(kXmllint)) return;
  const int testcases = file_.Count("//testcase");
  std::set<std::string> seen;
  for (int i = 1; i <= testcases; ++i) {
    const std::string testcase = "(//testcase)[" + std::to_string(i) + "]";
    const std::string classname = file_.XPath("string(" + testcase + "/@classname)");
    const std::string name = file_.XPath("string(" + testcase + "/@name)");
    const std::string suite = file_.XPath("string(" + testcase + "/../@name)");
    EXPECT_TRUE(classname.starts_with("pgward.")) << classname;
    // The rule's title and the target: never a finding's message.
    EXPECT_TRUE(name.ends_with(" (" + suite + ")")) << name;
    EXPECT_EQ(name.find("10.0.0.7"), std::string::npos) << name;
    EXPECT_TRUE(seen.insert(classname + "\n" + name).second) << name;
  }
}

TEST_F(RichJunitTest, OutcomesFollowTheFindings) {
  if (!RequireTool(kXmllint)) return;
  const std::string db1 = "db1.example.com:5432", db2 = "db2.example.com:5432";
  // A violation: type = severity, and a body with location, remediation, compliance, count.
  const std::string plaintext = Case(db1, "PGW-CONN-001");
  EXPECT_EQ(file_.Count(plaintext + "/failure"), 1);
  EXPECT_EQ(file_.XPath("string(" + plaintext + "/failure/@type)"), "high");
  const std::string body = file_.XPath("string(" + plaintext + "/failure)");
  for (const char* part :
       {"location: db1.example.com:5432", "count: 3 (sample pids: 101, 102, 103)",
        "compliance: cis-postgresql-16 6.8; pci-dss-4.0.1 4.2.1, 8.3.2",
        "remediation: Use hostssl lines"}) {
    EXPECT_NE(body.find(part), std::string::npos) << part << " not in " << body;
  }
  // Waived: skipped with the justification and expiry.
  EXPECT_EQ(file_.XPath("string(" + Case(db1, "PGW-CONN-002") + "/skipped/@message)"),
            "waived: legacy BI client, replacement planned in Q3 (expires 2026-12-31)");
  // Missing evidence: errors, for the rule and for the collection.
  EXPECT_EQ(file_.XPath("string(" + Case(db2, "PGW-CONN-002") + "/error/@type)"),
            "evidence-missing");
  EXPECT_EQ(file_.XPath("string(" + Case(db2, "evidence") + "/error/@type)"), "collection-error");
  // Nothing to check: no testcase. A pass: an empty testcase. Evidence collected in full: no
  // collection testcase.
  EXPECT_EQ(file_.Count(Case(db2, "PGW-SRV-001")), 0);
  EXPECT_EQ(file_.Count(Case(db1, "PGW-INFO-001")), 1);
  EXPECT_EQ(file_.Count(Case(db1, "PGW-INFO-001") + "/*"), 0);
  EXPECT_EQ(file_.Count(Case(db1, "evidence")), 0);
  // The file read for a target, with its hash.
  EXPECT_EQ(file_.XPath("string(" + Suite("/src/pgward-fixture/conf/pg_hba.conf") +
                        "/properties/property[@name='sha256:/src/pgward-fixture/conf/"
                        "include dir/extra #1.conf']/@value)"),
            "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752");
}

TEST(JunitTest, ReproducibleScanHasNoTimestamp) {
  for (const ReportCase& report : SuiteReports()) {
    if (report.format == "junit" && report.name == "insecure_pg_hba") {
      EXPECT_EQ(report.text.find("timestamp="), std::string::npos);
    }
  }
}

TEST(JunitTest, HostileNamesYieldWellFormedXml) {
  if (!RequireTool(kXmllint)) return;
  const std::string text = reporters::RenderReport("junit", HostileReport(), {});
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 || c == '\n' || c == '\t') << "control byte " << int{byte};
  }
  EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD for what XML forbids
  EXPECT_NE(text.find("caf\xc3\xa9 \xf0\x9f\x98\x80"), std::string::npos);  // valid UTF-8 stays
  const JunitFile file(text);
  EXPECT_EQ(Xmllint({"--noout", "--schema", kSchema, file.path()}), 0);
  // Markup and "]]>" come back as the same characters, in attributes and in CDATA.
  const std::string failure = "/testsuites/testsuite/testcase/failure";
  EXPECT_NE(file.XPath("string(" + failure + "/@message)").find("<&\"'>"), std::string::npos);
  EXPECT_NE(file.XPath("string(" + failure + ")").find("]]>"), std::string::npos);
  EXPECT_NE(file.XPath("string(/testsuites/testsuite/testcase/system-out)").find("accepted ]]>"),
            std::string::npos);
}

TEST(JunitTest, CdataKeepsEveryCloseSequence) {
  if (!RequireTool(kXmllint)) return;
  ScanReport report = HostileReport();
  report.findings.resize(1);
  report.findings[0].message = "x]]>]]>y]]]>>z]]";
  const JunitFile file(reporters::RenderReport("junit", report, {}));
  const std::string body = file.XPath("string(/testsuites/testsuite/testcase/failure)");
  EXPECT_TRUE(body.starts_with("x]]>]]>y]]]>>z]]\n")) << body;
}

}  // namespace
}  // namespace pgward::testing
