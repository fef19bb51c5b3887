// The JSON report: every report of the suite validates against schemas/report.schema.json with
// a real validator (Debian's python3-jsonschema, Draft 2020-12), and docs/report-json.md
// documents every field of the schema.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"
#include "tests/support/command.h"

namespace pgward::testing {
namespace {

using Json = nlohmann::ordered_json;

const std::string kSchema = std::string(PGWARD_SOURCE_DIR) + "/schemas/report.schema.json";

CommandResult Validate(const std::vector<std::string>& files) {
  return ValidateAgainstSchema(kSchema, files);
}

TEST(JsonSchemaTest, EveryJsonReportOfTheSuiteMatchesTheSchema) {
  if (!RequireTool(kDebianPython)) return;
  TempDir dir;
  const std::vector<std::string> files = WriteSuiteReports("json", "json", dir.path());
  ASSERT_GE(files.size(), 4u);
  const CommandResult result = Validate(files);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err
                                 << "(python3-jsonschema comes with scripts/install-deps)";
  EXPECT_NE(result.out.find(std::to_string(files.size()) + " validated, 0 errors"),
            std::string::npos)
      << result.out;
}

// The check above would pass on a schema or validator that accepts anything.
TEST(JsonSchemaTest, TheSchemaRejectsUnknownFieldsAndWrongValues) {
  if (!RequireTool(kDebianPython)) return;
  TempDir dir;
  Json report = Json::parse(reporters::RenderReport("json", RichReport(), {}));
  report["findings"][0]["extra"] = 1;
  report["findings"][1]["severity"] = "severe";
  report["artifacts"][0]["sha256"] = "not a digest";
  WriteFile(dir.path() + "/bad.json", report.dump());
  const CommandResult result = Validate({dir.path() + "/bad.json"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("1 validated, 3 errors"), std::string::npos) << result.out;
}

TEST(JsonSchemaTest, HostileNamesYieldValidJson) {
  const std::string text = reporters::RenderReport("json", HostileReport(), {});
  const Json report = Json::parse(text);  // throws on invalid UTF-8 or bad escapes
  const std::string role = report["findings"][0]["subject"]["user"];
  EXPECT_EQ(role, "bad\x01role\x1b[31m<&\"'>");  // control characters survive, escaped
  EXPECT_NE(text.find("\\u0001"), std::string::npos);
  const std::string application = report["findings"][0]["subject"]["application_name"];
  EXPECT_TRUE(application.starts_with("app\xEF\xBF\xBD")) << application;  // U+FFFD
}

// Collects the property names of every object the schema describes.
void CollectFields(const Json& schema, std::set<std::string>& fields) {
  if (!schema.is_object()) return;
  if (schema.contains("properties")) {
    for (const auto& [name, property] : schema["properties"].items()) {
      fields.insert(name);
      CollectFields(property, fields);
    }
  }
  for (const char* key : {"$defs", "items", "oneOf"}) {
    if (!schema.contains(key)) continue;
    for (const auto& [name, child] : schema[key].items()) CollectFields(child, fields);
  }
}

TEST(JsonSchemaTest, TheDocumentationNamesEveryField) {
  const Json schema = Json::parse(ReadFile(kSchema));
  const std::string doc = ReadFile(std::string(PGWARD_SOURCE_DIR) + "/docs/report-json.md");
  std::set<std::string> fields;
  CollectFields(schema, fields);
  EXPECT_GT(fields.size(), 40u);
  for (const std::string& field : fields) {
    EXPECT_NE(doc.find("`" + field + "`"), std::string::npos) << field << " is not documented";
  }
}

}  // namespace
}  // namespace pgward::testing
