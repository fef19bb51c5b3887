// OSCAL assessment results: every report of the suite validates against NIST's assessment-results
// JSON Schema 1.0.6 (fixtures/reports/, public domain) with Debian's python3-jsonschema, through
// tests/reporters/oscal_validate.py (the schema's ECMAScript \p{L} and \p{N}, which Python's re
// lacks, mapped to the same code points); and what the schema cannot check (references between
// UUIDs, the verdicts, the hashes) is checked here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"
#include "tests/support/command.h"

namespace pgward::testing {
namespace {

using Json = nlohmann::json;

const std::string kSchema =
    std::string(PGWARD_SOURCE_DIR) + "/fixtures/reports/oscal_assessment-results_schema-1.0.6.json";
const std::string kValidator =
    std::string(PGWARD_SOURCE_DIR) + "/tests/reporters/oscal_validate.py";

CommandResult Validate(const std::string& file) {
  return RunCommand({kDebianPython, kValidator, kSchema, file});
}

TEST(OscalTest, EveryOscalReportOfTheSuiteIsValidAssessmentResults) {
  TempDir dir;
  const std::vector<std::string> files = WriteSuiteReports("oscal", "oscal.json", dir.path());
  ASSERT_GE(files.size(), 6u);
  for (const std::string& file : files) {
    const CommandResult result = Validate(file);
    EXPECT_EQ(result.exit_code, 0) << file << "\n" << result.out << result.err;
  }
}

// The check above would pass on a validator that accepts anything.
TEST(OscalTest, TheValidatorRejectsWhatTheSchemaForbids) {
  TempDir dir;
  Json document = Json::parse(reporters::RenderReport("oscal", RichReport(), {}));
  Json& results = document["assessment-results"];
  results["uuid"] = "not-a-uuid";
  results["results"][0]["findings"][0]["target"]["status"]["state"] = "not-assessed";
  results["results"][0]["reviewed-controls"]["control-selections"][0]["include-controls"][0]
         ["control-id"] = "4.2.1";  // a token must not start with a digit
  WriteFile(dir.path() + "/bad.json", document.dump());
  const CommandResult result = Validate(dir.path() + "/bad.json");
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  for (const char* where : {"uuid", "state", "control-id"}) {
    EXPECT_NE(result.out.find(where), std::string::npos) << where << "\n" << result.out;
  }
}

// Every UUID once; every reference to one points at something defined.
void CollectUuids(const Json& node, std::multiset<std::string>& defined,
                  std::set<std::string>& referenced) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "uuid" && value.is_string()) defined.insert(value.get<std::string>());
      if ((key == "observation-uuid" || key == "subject-uuid" || key == "actor-uuid") &&
          value.is_string()) {
        referenced.insert(value.get<std::string>());
      }
      if (key == "party-uuids") {
        for (const Json& uuid : value) referenced.insert(uuid.get<std::string>());
      }
      if (key == "href" && value.is_string() && value.get<std::string>().starts_with("#")) {
        referenced.insert(value.get<std::string>().substr(1));
      }
      CollectUuids(value, defined, referenced);
    }
  } else if (node.is_array()) {
    for (const Json& element : node) CollectUuids(element, defined, referenced);
  }
}

void ExpectReferencesResolve(const std::string& name, const std::string& text) {
  const Json document = Json::parse(text);
  std::multiset<std::string> defined;
  std::set<std::string> referenced;
  CollectUuids(document, defined, referenced);
  for (const std::string& uuid : defined) EXPECT_EQ(defined.count(uuid), 1u) << name << " " << uuid;
  for (const std::string& uuid : referenced) {
    EXPECT_TRUE(defined.contains(uuid)) << name << " " << uuid;
  }
}

TEST(OscalTest, InEveryReportOfTheSuiteEachUuidIsDefinedOnceAndEveryReferenceResolves) {
  for (const ReportCase& report : SuiteReports()) {
    if (report.format == "oscal") ExpectReferencesResolve(report.name, report.text);
  }
}

// Framework and requirement ids come from policies, which may name them anything: escaped, they
// stay tokens, and two different pairs never share a control id.
TEST(OscalTest, PolicyIdsOfAnyShapeMakeValidDistinctControls) {
  ScanReport report = RichReport();
  report.frameworks.push_back({"9 nist/800-53 é", "NIST", "5", "NIST"});
  report.frameworks.push_back({"a_b", "A", "1", "A"});
  report.frameworks.push_back({"a", "B", "1", "B"});
  report.rules[0].compliance["9 nist/800-53 é"] = {"SC-8(1)", "AC 17"};
  report.rules[0].compliance["a_b"] = {"c"};
  report.rules[0].compliance["a"] = {"b_c"};
  report.invocation.user = "alice\xc2\xa0";  // a trailing no-break space
  const std::string text = reporters::RenderReport("oscal", report, {});
  ExpectReferencesResolve("policy ids", text);
  TempDir dir;
  WriteFile(dir.path() + "/ids.json", text);
  const CommandResult result = Validate(dir.path() + "/ids.json");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  std::set<std::string> controls;
  const Json document = Json::parse(text);
  for (const Json& finding : document["assessment-results"]["results"][0]["findings"]) {
    EXPECT_TRUE(controls.insert(finding["target"]["target-id"].get<std::string>()).second)
        << finding["target"]["target-id"].dump();
  }
  EXPECT_TRUE(controls.contains("a_5Fb__c__obj"));
  EXPECT_TRUE(controls.contains("a__b_5Fc__obj"));
}

TEST(OscalTest, VerdictsAreThoseOfTheRequirementsAndNotAssessedIsNotSatisfied) {
  const Json document = Json::parse(reporters::RenderReport("oscal", RichReport(), {}));

  const Json& result = document["assessment-results"]["results"][0];
  std::map<std::string, std::string> reasons;
  for (const Json& finding : result["findings"]) {
    reasons[finding["target"]["target-id"].get<std::string>()] =
        finding["target"]["status"]["state"].get<std::string>() + " " +
        finding["target"]["status"]["reason"].get<std::string>();
  }
  EXPECT_EQ(reasons["pci-dss-4.0.1__4.2.1__obj"], "not-satisfied fail");
  EXPECT_EQ(reasons["cis-postgresql-16__5.4__obj"], "not-satisfied fail");
  // The run is incomplete: 4.2.1.1 and 12.3.3 cannot be judged, which is not a pass (fail
  // closed): not-satisfied, because not assessed; still among the reviewed controls.
  EXPECT_EQ(reasons["pci-dss-4.0.1__4.2.1.1__obj"], "not-satisfied not-assessed");
  EXPECT_EQ(reasons["pci-dss-4.0.1__12.3.3__obj"], "not-satisfied not-assessed");
  std::set<std::string> reviewed;
  for (const Json& selection : result["reviewed-controls"]["control-selections"]) {
    EXPECT_FALSE(selection.contains("exclude-controls"));
    for (const Json& control : selection["include-controls"]) {
      reviewed.insert(control["control-id"].get<std::string>());
    }
  }
  EXPECT_TRUE(reviewed.contains("pci-dss-4.0.1__4.2.1.1"));
  EXPECT_TRUE(reviewed.contains("pci-dss-4.0.1__12.3.3"));
  // A server's evidence is dated by its collection.
  for (const Json& observation : result["observations"]) {
    if (observation["title"] == "Evidence of db1.example.com:5432") {
      EXPECT_EQ(observation["collected"], "2026-02-28T23:59:30Z");
      EXPECT_EQ(observation["methods"][0], "TEST");
    }
  }
  // The files the run read, by hash.
  std::set<std::string> hashes;
  for (const Json& resource : document["assessment-results"]["back-matter"]["resources"]) {
    if (!resource.contains("rlinks")) continue;
    hashes.insert(resource["rlinks"][0]["hashes"][0]["value"].get<std::string>());
  }
  for (const Artifact& artifact : RichReport().artifacts) {
    EXPECT_TRUE(hashes.contains(artifact.sha256)) << artifact.path;
  }
}

TEST(OscalTest, TheSameRunGivesTheSameBytes) {
  EXPECT_EQ(reporters::RenderReport("oscal", RichReport(), {}),
            reporters::RenderReport("oscal", RichReport(), {}));
}

}  // namespace
}  // namespace pgward::testing
