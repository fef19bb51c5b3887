// The fact types and fields are declared once in code; the policy JSON Schema (for editors) and
// docs/policy-language.md must say the same, and the schema must accept the built-in rules and
// reject a mistyped policy.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/model/fact_schema.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

const std::string kRoot = PGWARD_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(PolicySchemaTest, SchemaDeclaresEveryFactTypeAndFieldAsTheCodeDoes) {
  const nlohmann::json schema =
      nlohmann::json::parse(ReadFile(kRoot + "/schemas/policy.schema.json"));
  std::set<std::string> targets;
  for (const auto& name : schema["$defs"]["rule"]["properties"]["target"]["enum"]) {
    targets.insert(name.get<std::string>());
  }
  std::set<std::string> declared;
  for (const FactTypeSpec& type : AllFactTypes()) {
    declared.insert(std::string(type.name));
    const nlohmann::json& properties =
        schema["$defs"]["predicate_" + std::string(type.name)]["properties"];
    std::set<std::string> fields;
    for (const auto& [name, value] : properties.items()) {
      if (name != "all" && name != "any" && name != "not") fields.insert(name);
    }
    std::set<std::string> expected;
    for (const FieldSpec& field : type.fields) {
      expected.insert(std::string(field.name));
      ASSERT_TRUE(properties.contains(std::string(field.name))) << type.name << "." << field.name;
      EXPECT_EQ(properties[std::string(field.name)]["$ref"],
                "#/$defs/tests_" + std::string(FieldTypeName(field.type)))
          << type.name << "." << field.name;
    }
    EXPECT_EQ(fields, expected) << type.name;
  }
  EXPECT_EQ(targets, declared);
}

TEST(PolicySchemaTest, DocsDescribeEveryFactTypeAndField) {
  const std::string docs = ReadFile(kRoot + "/docs/policy-language.md");
  for (const FactTypeSpec& type : AllFactTypes()) {
    const size_t section = docs.find("### `" + std::string(type.name) + "`");
    ASSERT_NE(section, std::string::npos) << type.name;
    const size_t next = docs.find("\n### ", section + 1);
    const std::string body = docs.substr(section, next - section);
    size_t rows = 0;
    for (size_t at = body.find("\n| `"); at != std::string::npos; at = body.find("\n| `", at + 1)) {
      ++rows;
    }
    EXPECT_EQ(rows, type.fields.size()) << type.name << ": documented fields";
    for (const FieldSpec& field : type.fields) {
      EXPECT_NE(body.find("| `" + std::string(field.name) + "` | " +
                          std::string(FieldTypeName(field.type)) + " |"),
                std::string::npos)
          << type.name << "." << field.name;
    }
  }
}

// Validates YAML files against the schema with Debian's python3-jsonschema; prints the errors.
testing::CommandResult Validate(const std::vector<std::string>& files) {
  static constexpr char kValidator[] = R"(
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
errors = 0
for path in sys.argv[2:]:
    for error in jsonschema.Draft7Validator(schema).iter_errors(yaml.safe_load(open(path))):
        errors += 1
        print(path, error.message)
sys.exit(1 if errors else 0)
)";
  std::vector<std::string> argv = {"/usr/bin/python3", "-c", kValidator,
                                   kRoot + "/schemas/policy.schema.json"};
  argv.insert(argv.end(), files.begin(), files.end());
  return testing::RunCommand(argv);
}

TEST(PolicySchemaTest, BuiltinRulesAndPacksValidate) {
  const auto result = Validate({kRoot + "/rules/catalog.yaml", kRoot + "/rules/packs/baseline.yaml",
                                kRoot + "/rules/packs/pci-dss-4.0.yaml",
                                kRoot + "/rules/packs/cis-postgresql.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST(PolicySchemaTest, SchemaRejectsAMistypedField) {
  const std::string path = ::testing::TempDir() + "/typo-policy.yaml";
  std::ofstream(path) << "apiVersion: pgward/v1\nkind: Policy\nmetadata: {name: t}\nrules:\n"
                         "  - id: T-1\n    title: t\n    severity: high\n    target: connection\n"
                         "    assert: {tls_versoin: {ge: TLSv1.2}}\n    message: m\n";
  const auto result = Validate({path});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("tls_versoin"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace pgward
