// SARIF: every report the suite renders passes the SARIF Multitool (the OASIS schema and
// GitHub's ingestion rules), and the document carries what GitHub code scanning reads.
#include <gtest/gtest.h>

#include <zlib.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"
#include "tests/support/command.h"

namespace pgward::testing {
namespace {

using Json = nlohmann::json;

struct Validation {
  bool ran = false;
  std::vector<std::string> errors;  // "file: rule: message arguments"
};

// The Multitool exits 0 even when it finds errors: what counts is its output log, where a
// result's level is its own or, when absent, its rule's default (SARIF 3.27.10).
Validation ValidateWithMultitool(const std::vector<std::string>& files, const std::string& dir) {
  Validation validation;
  if (!RequireTool(SarifMultitool())) return validation;
  const std::string log = dir + "/multitool.sarif";
  std::vector<std::string> argv{
      SarifMultitool(),        "validate", "--output", log, "--rule-kind", "Sarif;Gh",
      "--max-file-size-in-kb", "1000000"};
  argv.insert(argv.end(), files.begin(), files.end());
  const CommandResult result = RunCommand(argv);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  const Json output = Json::parse(ReadFile(log), nullptr, false);
  if (output.is_discarded() || !output.contains("runs")) {
    ADD_FAILURE() << "the Multitool wrote no log: " << result.out << result.err;
    return validation;
  }
  validation.ran = true;
  for (const Json& run : output["runs"]) {
    std::map<std::string, std::string> default_levels;
    for (const Json& rule : run["tool"]["driver"].value("rules", Json::array())) {
      default_levels[rule["id"]] =
          rule.value("defaultConfiguration", Json::object()).value("level", "warning");
    }
    for (const Json& result : run.value("results", Json::array())) {
      const std::string rule = result.value("ruleId", "");
      const std::string level =
          result.value("level", default_levels.contains(rule) ? default_levels[rule] : "warning");
      if (level != "error") continue;
      const Json locations = result.value("locations", Json::array());
      const std::string where = locations.empty() ? "" : locations[0].dump();
      validation.errors.push_back(where + ": " + rule + ": " + result["message"].dump());
    }
  }
  return validation;
}

TEST(SarifTest, MultitoolFindsNoErrorInAnySarifOfTheSuite) {
  TempDir dir;
  const std::vector<std::string> files = WriteSuiteReports("sarif", "sarif", dir.path());
  ASSERT_GE(files.size(), 5u);
  const Validation validation = ValidateWithMultitool(files, dir.path());
  ASSERT_TRUE(validation.ran);
  EXPECT_TRUE(validation.errors.empty()) << ::testing::PrintToString(validation.errors);
}

// The check above would pass on a validator that accepts anything: this one must complain.
TEST(SarifTest, MultitoolReportsAnInvalidDocument) {
  TempDir dir;
  reporters::RenderOptions options;
  options.source_root = kFixtureSourceRoot;
  Json broken = Json::parse(reporters::RenderReport("sarif", RichReport(), options));
  for (Json& result : broken["runs"][0]["results"]) {
    result["locations"] = Json::array(
        {{{"physicalLocation",
           {{"artifactLocation", {{"uri", "not a uri"}}}, {"region", {{"startLine", 0}}}}}}});
  }
  WriteFile(dir.path() + "/broken.sarif", broken.dump(2));
  const Validation validation = ValidateWithMultitool({dir.path() + "/broken.sarif"}, dir.path());
  ASSERT_TRUE(validation.ran);
  EXPECT_FALSE(validation.errors.empty());
}

// The OASIS schema itself (draft-04), with a real validator: the Multitool's checks above are
// its own reading of it.
CommandResult ValidateWithOasisSchema(const std::vector<std::string>& files) {
  return ValidateAgainstSchema(
      std::string(PGWARD_SOURCE_DIR) + "/fixtures/reports/sarif-schema-2.1.0.json", files);
}

TEST(SarifTest, EverySarifOfTheSuiteMatchesTheOasisSchema) {
  if (!RequireTool(kDebianPython)) return;
  TempDir dir;
  const std::vector<std::string> files = WriteSuiteReports("sarif", "sarif", dir.path());
  ASSERT_GE(files.size(), 5u);
  const CommandResult result = ValidateWithOasisSchema(files);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find(std::to_string(files.size()) + " validated, 0 errors"),
            std::string::npos)
      << result.out;
  // And it does reject: a baselineState SARIF does not know, a result without a message.
  Json broken = Json::parse(ReadFile(files.front()));
  broken["runs"][0]["results"] = Json::array({{{"ruleId", "X"}, {"baselineState", "fixed"}}});
  WriteFile(dir.path() + "/broken.sarif", broken.dump());
  const CommandResult rejected = ValidateWithOasisSchema({dir.path() + "/broken.sarif"});
  EXPECT_EQ(rejected.exit_code, 1) << rejected.out << rejected.err;
}

const Json& FindRule(const Json& run, const std::string& id) {
  for (const Json& rule : run["tool"]["driver"]["rules"]) {
    if (rule["id"] == id) return rule;
  }
  throw std::runtime_error("no rule " + id);
}

std::vector<Json> ResultsOf(const Json& run, const std::string& rule_id) {
  std::vector<Json> results;
  for (const Json& result : run["results"]) {
    if (result["ruleId"] == rule_id) results.push_back(result);
  }
  return results;
}

class RichSarifTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.source_root = kFixtureSourceRoot;
    sarif_ = Json::parse(reporters::RenderReport("sarif", RichReport(), options_));
    run_ = sarif_["runs"][0];
  }

  reporters::RenderOptions options_;
  Json sarif_, run_;
};

TEST_F(RichSarifTest, RulesCarryWhatGithubReads) {
  EXPECT_EQ(sarif_["version"], "2.1.0");
  EXPECT_TRUE(sarif_["$schema"].get<std::string>().ends_with("sarif-schema-2.1.0.json"));
  const Json& driver = run_["tool"]["driver"];
  EXPECT_EQ(driver["name"], "pgward");
  EXPECT_TRUE(driver.contains("semanticVersion"));
  EXPECT_TRUE(driver.contains("informationUri"));
  const std::map<std::string, std::string> scores = {{"PGW-HBA-002", "9.5"},
                                                     {"PGW-CONN-001", "8.0"},
                                                     {"PGW-SRV-001", "5.5"},
                                                     // low, with a high variant: the worst
                                                     {"PGW-HBA-009", "8.0"}};
  for (const auto& [id, score] : scores) {
    const Json& rule = FindRule(run_, id);
    EXPECT_EQ(rule["properties"]["security-severity"], score) << id;  // a string, not a number
    EXPECT_EQ(rule["properties"]["tags"][0], "security");
    EXPECT_FALSE(rule["name"].get<std::string>().empty());
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(rule["fullDescription"]["text"].get<std::string>().empty());
    EXPECT_NE(rule["help"]["markdown"].get<std::string>().find("**Remediation:**"),
              std::string::npos);
    EXPECT_NE(rule["help"]["text"].get<std::string>().find("Remediation: "), std::string::npos);
  }
  EXPECT_EQ(FindRule(run_, "PGW-HBA-002")["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(FindRule(run_, "PGW-SRV-001")["defaultConfiguration"]["level"], "warning");
  EXPECT_EQ(FindRule(run_, "PGW-HBA-009")["defaultConfiguration"]["level"], "note");
  EXPECT_EQ(FindRule(run_, "PGW-CONN-001")["helpUri"],
            "https://www.postgresql.org/docs/current/ssl-tcp.html");
}

TEST_F(RichSarifTest, ComplianceIsTaxonomiesAndRelationships) {
  std::vector<std::string> names;
  for (const Json& taxonomy : run_["taxonomies"]) names.push_back(taxonomy["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"cis-postgresql-16", "pci-dss-4.0.1"}));
  // Every relationship points at its taxon by index as well as by id.
  for (const Json& rule : run_["tool"]["driver"]["rules"]) {
    for (const Json& relationship : rule.value("relationships", Json::array())) {
      const Json& target = relationship["target"];
      const Json& taxonomy = run_["taxonomies"][target["toolComponent"]["index"].get<size_t>()];
      EXPECT_EQ(taxonomy["name"], target["toolComponent"]["name"]);
      EXPECT_EQ(taxonomy["taxa"][target["index"].get<size_t>()]["id"], target["id"]);
    }
  }
  EXPECT_EQ(FindRule(run_, "PGW-CONN-001")["relationships"].size(), 3u);
}

TEST_F(RichSarifTest, ResultsHaveLocationsFingerprintsAndRuleIndexes) {
  for (const Json& result : run_["results"]) {
    const Json& rule = run_["tool"]["driver"]["rules"][result["ruleIndex"].get<size_t>()];
    EXPECT_EQ(rule["id"], result["ruleId"]);
    EXPECT_GE(result["locations"].size(), 1u);
    EXPECT_EQ(result["partialFingerprints"]["pgward/v1"].get<std::string>().size(), 32u);
    EXPECT_TRUE(result["message"]["text"].get<std::string>().ends_with("."));
  }
  // A file under the source root: relative, percent-encoded, with its base id and artifact.
  const std::vector<Json> trust = ResultsOf(run_, "PGW-HBA-002");
  ASSERT_EQ(trust.size(), 2u);
  const Json& outside = trust[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(outside["artifactLocation"]["uri"], "file:///etc/postgresql/15/main/pg_hba.conf");
  EXPECT_FALSE(outside["artifactLocation"].contains("uriBaseId"));
  const Json& included = trust[1]["locations"][0]["physicalLocation"];
  EXPECT_EQ(included["artifactLocation"]["uri"], "conf/include%20dir/extra%20%231.conf");
  EXPECT_EQ(included["artifactLocation"]["uriBaseId"], "SRCROOT");
  EXPECT_EQ(included["region"]["startLine"], 2);
  const Json& artifact = run_["artifacts"][included["artifactLocation"]["index"].get<size_t>()];
  EXPECT_EQ(artifact["location"]["uri"], included["artifactLocation"]["uri"]);
  EXPECT_EQ(artifact["hashes"]["sha-256"].get<std::string>().size(), 64u);
  EXPECT_EQ(run_["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///src/pgward-fixture/");
  // A live finding with no inventory line names the server; one with a line points at it.
  const Json plaintext = ResultsOf(run_, "PGW-CONN-001").at(0);
  EXPECT_EQ(plaintext["locations"][0]["logicalLocations"][0]["name"], "db1.example.com:5432");
  EXPECT_NE(plaintext["message"]["text"].get<std::string>().find("(3 identical connections)"),
            std::string::npos);
  EXPECT_EQ(ResultsOf(run_, "PGW-SRV-001")
                .at(0)["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "inventory.yaml");
}

TEST_F(RichSarifTest, WaivedFindingsAreExternalSuppressionsOrLeftOut) {
  const std::vector<Json> waived = ResultsOf(run_, "PGW-CONN-002");
  ASSERT_EQ(waived.size(), 1u);  // the undecided one is a notification, not a result
  const Json& suppression = waived[0]["suppressions"][0];
  EXPECT_EQ(suppression["kind"], "external");
  EXPECT_EQ(suppression["justification"],
            "legacy BI client, replacement planned in Q3 (expires 2026-12-31)");
  // An expired waiver no longer suppresses.
  EXPECT_FALSE(ResultsOf(run_, "PGW-HBA-009").at(0).contains("suppressions"));

  options_.sarif_omit_suppressed = true;
  const Json omitted = Json::parse(reporters::RenderReport("sarif", RichReport(), options_));
  EXPECT_TRUE(ResultsOf(omitted["runs"][0], "PGW-CONN-002").empty());
  EXPECT_EQ(omitted["runs"][0]["results"].size(), run_["results"].size() - 1);
}

TEST_F(RichSarifTest, InvocationTellsAnIncompleteRun) {
  const Json& invocation = run_["invocations"][0];
  EXPECT_FALSE(invocation["executionSuccessful"]);
  EXPECT_EQ(invocation["exitCode"], 3);
  EXPECT_EQ(invocation["startTimeUtc"], "2026-03-01T10:00:00Z");
  const Json& notifications = invocation["toolExecutionNotifications"];
  ASSERT_EQ(notifications.size(), 2u);
  EXPECT_EQ(notifications[0]["level"], "error");
  EXPECT_NE(notifications[0]["message"]["text"].get<std::string>().find("permission denied"),
            std::string::npos);
  EXPECT_EQ(notifications[1]["associatedRule"]["id"], "PGW-CONN-002");
  // Stable across runs: a category per set of targets, no GUID, no time.
  EXPECT_EQ(run_["automationDetails"]["id"].get<std::string>().rfind("pgward/", 0), 0u);
  EXPECT_TRUE(run_["automationDetails"]["id"].get<std::string>().ends_with("/"));
}

// One file named two ways is one category (else its old alerts would never close), and a
// category given by the user is the id.
TEST(SarifTest, TheCategoryIsStableAndCanBeNamed) {
  ScanReport report = RichReport();
  reporters::RenderOptions options;
  options.source_root = kFixtureSourceRoot;
  const auto id = [&](const ScanReport& scan) {
    return Json::parse(reporters::RenderReport("sarif", scan,
                                               options))["runs"][0]["automationDetails"]["id"]
        .get<std::string>();
  };
  const std::string named_one_way = id(report);
  for (std::string& target : report.targets) {
    if (target.starts_with(std::string(kFixtureSourceRoot) + "/")) {
      target = std::string(kFixtureSourceRoot) + "/./" +
               target.substr(std::string(kFixtureSourceRoot).size() + 1);
    }
  }
  EXPECT_EQ(id(report), named_one_way);
  report.targets.push_back("another.example.com:5432");
  EXPECT_NE(id(report), named_one_way);
  options.sarif_category = "pgward-pg-hba";
  EXPECT_EQ(id(report), "pgward-pg-hba/");
}

TEST(SarifTest, ReproducibleScanHasNoTimesAndSucceedsWhenComplete) {
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != "sarif" || report.name != "secure_pg_hba") continue;
    const Json invocation = Json::parse(report.text)["runs"][0]["invocations"][0];
    EXPECT_FALSE(invocation.contains("startTimeUtc"));
    EXPECT_FALSE(invocation.contains("endTimeUtc"));
    EXPECT_TRUE(invocation["executionSuccessful"]);
    EXPECT_EQ(invocation["exitCode"], 0);
  }
}

// The SARIF of a real scan, its results by rule and state, and the gzip size GitHub measures.
struct LargeScan {
  CommandResult result;
  Json sarif;
  size_t gzip_bytes = 0;
};

LargeScan ScanForSarif(const std::string& hba, const std::string& dir) {
  LargeScan scan;
  const std::string sarif = dir + "/large.sarif";
  scan.result = RunPgward({"scan", "--hba", hba, "--sarif", sarif, "--reproducible"});
  const std::string text = ReadFile(sarif);
  scan.sarif = Json::parse(text, nullptr, false);
  uLongf size = compressBound(text.size());
  std::string compressed(size, '\0');
  // zlib's deflate at its default level, as gzip and the upload action use it.
  EXPECT_EQ(
      compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                reinterpret_cast<const Bytef*>(text.data()), text.size(), Z_DEFAULT_COMPRESSION),
      Z_OK);
  scan.gzip_bytes = size;
  return scan;
}

// `count` host lines, each for its own database and address and with md5: each makes two findings
// alike but for their names, so their SARIF compresses well.
std::string HostLines(int count) {
  std::string hba;
  for (int i = 0; i < count; ++i) {
    hba += "host db" + std::to_string(i) + " app 10." + std::to_string(i / 256 % 256) + "." +
           std::to_string(i % 256) + ".1/32 md5\n";
  }
  return hba;
}

// GitHub rejects a whole upload past 25,000 results or 10 MB gzip-compressed: past them the
// most severe results are kept, the rest counted per rule, and the run says so.
TEST(SarifTest, PastGithubsResultLimitTheMostSevereAreKeptAndTheRestCounted) {
  TempDir dir;
  WriteFile(dir.path() + "/pg_hba.conf", HostLines(30000));
  const LargeScan scan = ScanForSarif(dir.path() + "/pg_hba.conf", dir.path());
  EXPECT_EQ(scan.result.exit_code, 1) << scan.result.err;
  EXPECT_NE(scan.result.err.find("results left out, the most severe kept"), std::string::npos)
      << scan.result.err;
  const Json& run = scan.sarif["runs"][0];
  const Json& results = run["results"];
  EXPECT_LE(results.size(), 25000u);
  // Listed and left out, the counts add up to the JSON report's findings.
  std::map<std::string, size_t> listed, left_out;
  for (const Json& result : results) {
    if (result["properties"].contains("leftOut")) {
      left_out[result["ruleId"]] += result["properties"]["leftOut"].get<size_t>();
    } else {
      ++listed[result["ruleId"]];
    }
  }
  EXPECT_FALSE(left_out.empty());
  const CommandResult json = RunPgward(
      {"scan", "--hba", dir.path() + "/pg_hba.conf", "--format", "json", "--reproducible"});
  std::map<std::string, size_t> findings;
  Severity lowest_listed = Severity::kCritical;
  const Json report = Json::parse(json.out);
  for (const Json& finding : report["findings"]) ++findings[finding["rule_id"]];
  for (const auto& [rule, count] : findings) {
    EXPECT_EQ(listed[rule] + left_out[rule], count) << rule;
  }
  for (const Json& result : results) {
    if (result["properties"].contains("leftOut")) continue;
    lowest_listed = std::min(lowest_listed,
                             *ParseSeverity(result["properties"]["severity"].get<std::string>()));
  }
  // Nothing listed is less severe than anything left out.
  for (const Json& result : results) {
    if (!result["properties"].contains("leftOut")) continue;
    const std::string rule = result["ruleId"];
    const Json& rule_json = FindRule(run, rule);
    EXPECT_LE(*ParseSeverity(rule_json["properties"]["severity"].get<std::string>()), lowest_listed)
        << rule;
  }
  bool notified = false;
  for (const Json& notification : run["invocations"][0]["toolExecutionNotifications"]) {
    notified |= notification["message"]["text"].get<std::string>().find("results left out") !=
                std::string::npos;
  }
  EXPECT_TRUE(notified);
  EXPECT_LE(scan.gzip_bytes, 10'000'000u);
  const Validation validation = ValidateWithMultitool({dir.path() + "/large.sarif"}, dir.path());
  ASSERT_TRUE(validation.ran);
  EXPECT_TRUE(validation.errors.empty()) << ::testing::PrintToString(validation.errors);
}

// Past 10 MB but compressible, as a large scan's SARIF is: written whole, without measuring all of
// it (its first few hundred kilobytes compressed, the rest counted as it is, already fit).
TEST(SarifTest, ALargeDocumentThatCompressesIsWrittenWhole) {
  TempDir dir;
  // 24,000 results, under GitHub's 25,000, in about 11 MB.
  WriteFile(dir.path() + "/pg_hba.conf", HostLines(12000));
  const LargeScan scan = ScanForSarif(dir.path() + "/pg_hba.conf", dir.path());
  EXPECT_EQ(scan.result.exit_code, 1) << scan.result.err;
  EXPECT_EQ(scan.result.err.find("left out"), std::string::npos) << scan.result.err;
  EXPECT_GT(ReadFile(dir.path() + "/large.sarif").size(), 10'000'000u);
  EXPECT_LE(scan.gzip_bytes, 10'000'000u);
  const Json& results = scan.sarif["runs"][0]["results"];
  const CommandResult json = RunPgward(
      {"scan", "--hba", dir.path() + "/pg_hba.conf", "--format", "json", "--reproducible"});
  EXPECT_EQ(results.size(), Json::parse(json.out)["findings"].size());
  // Standard output, measured in full as it is made, agrees.
  const CommandResult out = RunPgward(
      {"scan", "--hba", dir.path() + "/pg_hba.conf", "--format", "sarif", "--reproducible"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  EXPECT_TRUE(Json::parse(out.out)["runs"][0]["results"] == results);
}

// Fewer results than 25,000 but more than 10 MB gzip-compressed: cut until it fits.
TEST(SarifTest, PastGithubsSizeLimitResultsAreCutUntilItFits) {
  TempDir dir;
  std::string hba;
  // Host names of 2,000 random characters: findings whose messages name them barely compress.
  std::uint32_t state = 7;
  for (int line = 0; line < 5000; ++line) {
    std::string host;
    for (int i = 0; i < 2000; ++i) {
      state = state * 1103515245u + 12345u;
      host += "abcdefghijklmnopqrstuvwxyz0123456789"[(state >> 16) % 36];
    }
    hba += "host all all " + host + ".example.com md5\n";
  }
  WriteFile(dir.path() + "/pg_hba.conf", hba);
  const LargeScan scan = ScanForSarif(dir.path() + "/pg_hba.conf", dir.path());
  EXPECT_EQ(scan.result.exit_code, 1) << scan.result.err;
  const Json& results = scan.sarif["runs"][0]["results"];
  EXPECT_LT(results.size(), 25000u);
  EXPECT_LE(scan.gzip_bytes, 10'000'000u);
  // Cut, not emptied: the limit is used.
  EXPECT_GT(scan.gzip_bytes, 5'000'000u);
  EXPECT_NE(scan.result.err.find("results left out"), std::string::npos) << scan.result.err;
  // A file is written at once and again once cut; standard output, which cannot start again, is
  // measured first: the same results either way.
  const CommandResult out = RunPgward(
      {"scan", "--hba", dir.path() + "/pg_hba.conf", "--format", "sarif", "--reproducible"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  EXPECT_TRUE(Json::parse(out.out)["runs"][0]["results"] == results);
}

}  // namespace
}  // namespace pgward::testing
