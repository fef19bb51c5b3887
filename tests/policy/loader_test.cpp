// Strict loading: every malformed policy is an error with file:line:column and, where a name
// was mistyped, a suggestion; nothing is compiled from a file with an error.
#include "engine/policy/loader.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace pgward::policy {
namespace {

// A valid policy; each test breaks one thing in it.
const std::string kValid = R"(apiVersion: pgward/v1
kind: Policy
metadata:
  name: test
  version: "1"
parameters:
  min_tls:
    type: tls_version
    default: TLSv1.2
  allowed:
    type: string_list
    default: ["TLS_AES_.*", "ECDHE-.*-GCM-.*"]
  networks:
    type: cidr_list
    default: [10.0.0.0/8]
rules:
  - id: T-001
    title: old TLS
    severity: high
    target: connection
    where:
      ssl: {eq: true}
    assert:
      tls_version: {ge: {param: min_tls}}
    message: "{user} uses {tls_version}, below {param.min_tls}"
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Every error of loading `text`, one "file:line:column: message" per line.
std::string Errors(const std::string& text, const ParameterOverrides& overrides = {}) {
  const LoadResult result = LoadPolicyText(text, "policy.yaml", overrides);
  EXPECT_FALSE(result.policy.has_value());
  std::string all;
  for (const LoadError& error : result.errors) {
    all += (all.empty() ? "" : "\n") + error.ToString();
  }
  return all;
}

TEST(PolicyLoaderTest, ValidPolicyLoads) {
  const LoadResult result = LoadPolicyText(kValid, "policy.yaml");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  ASSERT_TRUE(result.policy.has_value());
  ASSERT_EQ(result.policy->rules.size(), 1u);
  EXPECT_EQ(result.policy->rules[0].id, "T-001");
  EXPECT_EQ(result.policy->rules[0].severity, Severity::kHigh);
  EXPECT_EQ(result.policy->rules[0].position.line, 17);
}

struct Case {
  const char* name;
  std::string text;
  std::string error;
  std::string codes;  // LoadErrorCodeName of each error, comma-separated
};

std::string Codes(const std::string& text) {
  std::string codes;
  for (const LoadError& error : LoadPolicyText(text, "policy.yaml").errors) {
    codes += (codes.empty() ? "" : ",") + std::string(LoadErrorCodeName(error.code));
  }
  return codes;
}

class MalformedPolicyTest : public ::testing::TestWithParam<Case> {};

TEST_P(MalformedPolicyTest, ReportsTheErrorWithItsPosition) {
  EXPECT_EQ(Errors(GetParam().text), GetParam().error);
  EXPECT_EQ(Codes(GetParam().text), GetParam().codes);
}

INSTANTIATE_TEST_SUITE_P(
    PolicyLoaderTest, MalformedPolicyTest,
    ::testing::Values(
        Case{"InvalidYaml", Replace(kValid, "name: test", "name: [test"),
             "policy.yaml:5:10: invalid YAML: while parsing a flow sequence: did not find expected "
             "',' "
             "or ']'",
             "invalid_yaml"},
        Case{"WrongApiVersion", Replace(kValid, "pgward/v1", "pgward/v2"),
             "policy.yaml:1:13: unsupported apiVersion 'pgward/v2' (expected 'pgward/v1')",
             "unsupported"},
        Case{"UnknownKind", Replace(kValid, "kind: Policy", "kind: Polcy"),
             "policy.yaml:2:7: unknown kind 'Polcy' (expected 'Policy' or 'Pack') (did you "
             "mean 'Policy'?)",
             "unsupported"},
        Case{"UnknownTopLevelKey", Replace(kValid, "rules:", "rule:"),
             "policy.yaml:16:1: unknown key 'rule' in a Policy (did you mean 'rules'?)\n"
             "policy.yaml:1:1: missing required list 'rules'",
             "unknown_key,missing_key"},
        Case{"UnknownRuleKey", Replace(kValid, "    title: old TLS", "    titel: old TLS"),
             "policy.yaml:18:5: unknown key 'titel' in rule 'T-001' (did you mean 'title'?)\n"
             "policy.yaml:17:5: missing required key 'title' in rule 'T-001'",
             "unknown_key,missing_key"},
        Case{"MissingTitle", Replace(kValid, "    title: old TLS\n", ""),
             "policy.yaml:17:5: missing required key 'title' in rule 'T-001'", "missing_key"},
        Case{"UnknownSeverity", Replace(kValid, "severity: high", "severity: hihg"),
             "policy.yaml:19:15: unknown severity 'hihg' (info, low, medium, high or critical) "
             "(did you mean 'high'?)",
             "unknown_name"},
        Case{"UnknownTarget", Replace(kValid, "target: connection", "target: conection"),
             "policy.yaml:20:13: unknown target 'conection' (did you mean 'connection'?)",
             "unknown_name"},
        Case{"UnknownField", Replace(kValid, "tls_version: {ge", "tls_versoin: {ge"),
             "policy.yaml:24:7: unknown field 'tls_versoin' for target 'connection' (did you "
             "mean 'tls_version'?)",
             "unknown_name"},
        Case{"OperatorForWrongType", Replace(kValid, "ssl: {eq: true}", "ssl: {matches: x}"),
             "policy.yaml:22:13: operator 'matches' does not apply to bool field 'ssl' "
             "(operators: eq, ne, present, absent)",
             "unknown_name"},
        Case{"MistypedOperator", Replace(kValid, "{ge: {param", "{gte: {param"),
             "policy.yaml:24:21: operator 'gte' does not apply to tls_version field "
             "'tls_version' (operators: eq, ne, lt, le, gt, ge, in, not_in, present, absent) "
             "(did you mean 'gt'?)",
             "unknown_name"},
        Case{"UnknownTlsVersion", Replace(kValid, "{ge: {param: min_tls}}", "{ge: TLSv1.4}"),
             "policy.yaml:24:25: unknown TLS version 'TLSv1.4' in 'tls_version.ge' (TLSv1, "
             "TLSv1.1, TLSv1.2 or TLSv1.3) (did you mean 'TLSv1.1'?)",
             "unknown_name"},
        Case{"UnknownParameter", Replace(kValid, "{param: min_tls}}", "{param: min_tsl}}"),
             "policy.yaml:24:33: unknown parameter 'min_tsl' of policy 'test' (did you mean "
             "'min_tls'?)",
             "unknown_name"},
        Case{"ParameterOfWrongType", Replace(kValid, "{param: min_tls}}", "{param: allowed}}"),
             "policy.yaml:24:33: parameter 'allowed' is a string_list, but 'tls_version.ge' "
             "needs a tls_version",
             "wrong_type"},
        Case{"BadRegex",
             Replace(kValid, "      ssl: {eq: true}", "      cipher: {matches_any: [\"AES(\"]}"),
             "policy.yaml:22:30: invalid regular expression 'AES(' in 'cipher.matches_any': "
             "missing ): AES(",
             "invalid_value"},
        Case{"BadCidr",
             Replace(kValid, "      ssl: {eq: true}", "      client_addr: {within: [10.0.0.0/33]}"),
             "policy.yaml:22:30: invalid CIDR '10.0.0.0/33' in 'client_addr.within' (expected "
             "an address or address/prefix, e.g. 10.0.0.0/8)",
             "invalid_value"},
        Case{"BadCidrDefault", Replace(kValid, "default: [10.0.0.0/8]", "default: [10.0.0/8]"),
             "policy.yaml:15:15: invalid CIDR '10.0.0/8' in the default of parameter 'networks' "
             "(expected an address or address/prefix, e.g. 10.0.0.0/8)",
             "invalid_value"},
        Case{"UnknownParameterType", Replace(kValid, "type: cidr_list", "type: cidrs"),
             "policy.yaml:14:11: unknown parameter type 'cidrs'", "unknown_name"},
        Case{"DefaultOfWrongType", Replace(kValid, "default: TLSv1.2", "default: [TLSv1.2]"),
             "policy.yaml:9:14: the default of parameter 'min_tls' must be a tls_version",
             "wrong_type"},
        Case{"DuplicateRuleId", kValid + R"(  - id: T-001
    title: again
    severity: low
    target: server
    assert: {ssl: {eq: true}}
    message: "ssl is off"
)",
             "policy.yaml:26:9: duplicate rule id 'T-001' (first defined at line 17)", "duplicate"},
        Case{"DuplicateKey",
             Replace(kValid, "    severity: high\n", "    severity: high\n    severity: low\n"),
             "policy.yaml:20:5: duplicate key 'severity' in rule 'T-001'", "duplicate"},
        Case{"UnknownMessageField", Replace(kValid, "{user} uses", "{usr} uses"),
             "policy.yaml:25:14: message: unknown field 'usr' for target 'connection' (did you "
             "mean 'user'?)",
             "unknown_name"},
        Case{"VariantWithoutWhen",
             Replace(kValid, "    message: \"{user} uses",
                     "    variants:\n      - {severity: low}\n    message: \"{user} uses"),
             "policy.yaml:26:9: missing required key 'when' in a variant of rule 'T-001'",
             "missing_key"},
        Case{"VariantThatChangesNothing",
             Replace(kValid, "    message: \"{user} uses",
                     "    variants:\n      - when: {ssl: {eq: true}}\n    message: \"{user} uses"),
             "policy.yaml:26:9: a variant of rule 'T-001' changes nothing: give it a 'severity', "
             "a 'message' or both",
             "missing_key"},
        Case{"VariantsNotAList",
             Replace(kValid, "    message: \"{user} uses",
                     "    variants: {when: {ssl: {eq: true}}}\n    message: \"{user} uses"),
             "policy.yaml:25:15: 'variants' of rule 'T-001' must be a non-empty list",
             "wrong_type"},
        Case{"VariantWithAnUnknownFieldAndSeverity",
             Replace(kValid, "    message: \"{user} uses",
                     "    variants:\n      - when: {tls_versoin: {eq: TLSv1}}\n        severity: "
                     "severe\n    message: \"{user} uses"),
             "policy.yaml:26:16: unknown field 'tls_versoin' for target 'connection' (did you "
             "mean 'tls_version'?)\n"
             "policy.yaml:27:19: unknown severity 'severe' (info, low, medium, high or critical)",
             "unknown_name,unknown_name"},
        Case{"MissingAssert",
             Replace(kValid, "    assert:\n      tls_version: {ge: {param: min_tls}}\n", ""),
             "policy.yaml:17:5: missing required key 'assert' in rule 'T-001'", "missing_key"},
        Case{"EmptyAny", Replace(kValid, "      ssl: {eq: true}", "      any: []"),
             "policy.yaml:22:12: 'any' needs a non-empty list", "invalid_value"},
        Case{"BadRuleId", Replace(kValid, "id: T-001", "id: T 001"),
             "policy.yaml:17:9: rule id 'T 001' may only use letters, digits, '-', '_' and '.'",
             "invalid_value"},
        Case{"UndeclaredFramework",
             Replace(Replace(kValid, "rules:\n",
                             "frameworks:\n  pci-dss-4.0.1: {title: PCI DSS v4.0.1}\nrules:\n"),
                     "    message:", "    compliance: {pci-dss-4.01: [\"4.2.1\"]}\n    message:"),
             "policy.yaml:27:18: compliance framework 'pci-dss-4.01' is not declared in "
             "'frameworks' (did you mean 'pci-dss-4.0.1'?)",
             "unknown_name"},
        Case{"BoolOperandNotBool", Replace(kValid, "ssl: {eq: true}", "ssl: {eq: yes}"),
             "policy.yaml:22:17: 'ssl.eq' must be true or false, not 'yes'", "wrong_type"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// A pack keeps the rules `rules` names (all of them when it names none) but those `exclude`
// names; an id either names that the policy does not have is an error where it is written.
TEST(PolicyLoaderTest, APackLeavesOutTheRulesItExcludes) {
  const std::string pack = R"(apiVersion: pgward/v1
kind: Pack
metadata: {name: p, version: "1"}
policy: pgward:catalog.yaml
exclude: [PGW-CONN-001, PGW-SRV-010]
)";
  const LoadResult loaded = LoadPolicyText(pack, "pack.yaml");
  ASSERT_TRUE(loaded.policy) << (loaded.errors.empty() ? "" : loaded.errors[0].ToString());
  std::set<std::string> ids;
  for (const Rule& rule : loaded.policy->rules) ids.insert(rule.id);
  EXPECT_FALSE(ids.contains("PGW-CONN-001"));
  EXPECT_FALSE(ids.contains("PGW-SRV-010"));
  EXPECT_TRUE(ids.contains("PGW-CONN-002"));
  EXPECT_TRUE(ids.contains("PGW-SRV-004"));

  const LoadResult mistyped =
      LoadPolicyText(Replace(pack, "PGW-SRV-010", "PGW-SRV-O10"), "pack.yaml");
  EXPECT_FALSE(mistyped.policy);
  ASSERT_EQ(mistyped.errors.size(), 1u);
  EXPECT_EQ(mistyped.errors[0].ToString(),
            "pack.yaml:5:25: unknown rule id 'PGW-SRV-O10' in pack (did you mean 'PGW-SRV-010'?)");
}

// A pack's severity for a rule is every finding's: PGW-HBA-004's PostgreSQL 18 variant keeps its
// message but no severity of its own, so it cannot fall below what the pack asked for.
TEST(PolicyLoaderTest, APacksSeverityIsTheVariantsToo) {
  const auto hba004 = [](const std::string& pack) -> const Rule* {
    static LoadResult loaded;
    loaded = LoadPolicyText(pack, "pack.yaml");
    EXPECT_TRUE(loaded.policy) << (loaded.errors.empty() ? "" : loaded.errors[0].ToString());
    if (!loaded.policy) return nullptr;
    for (const Rule& rule : loaded.policy->rules) {
      if (rule.id == "PGW-HBA-004") return &rule;
    }
    return nullptr;
  };
  const std::string pack = R"(apiVersion: pgward/v1
kind: Pack
metadata: {name: p, version: "1"}
policy: pgward:catalog.yaml
rules: [PGW-HBA-004]
)";
  const Rule* as_written = hba004(pack);
  ASSERT_TRUE(as_written);
  ASSERT_EQ(as_written->variants.size(), 1u);
  EXPECT_EQ(as_written->variants[0].severity, Severity::kHigh);
  const Rule* critical = hba004(pack + "severities: {PGW-HBA-004: critical}\n");
  ASSERT_TRUE(critical);
  EXPECT_EQ(critical->severity, Severity::kCritical);
  ASSERT_EQ(critical->variants.size(), 1u);
  EXPECT_FALSE(critical->variants[0].severity);
  EXPECT_TRUE(critical->variants[0].message);
}

// What a rule reads, presence tests included (what collection gathers for it), apart from what
// makes it unknown (the evidence a finding lacks): a presence test is never unknown.
TEST(PolicyLoaderTest, PresenceTestsReadTheirFieldWithoutNeedingIt) {
  const LoadResult loaded = LoadPolicyText(
      Replace(kValid, "      tls_version: {ge: {param: min_tls}}",
              "      tls_version: {ge: {param: min_tls}}\n      client_dn: {present: true}"),
      "policy.yaml");
  ASSERT_TRUE(loaded.policy) << (loaded.errors.empty() ? "" : loaded.errors[0].ToString());
  const Predicate& assertion = *loaded.policy->rules.at(0).assertion;
  std::vector<size_t> unknown_when_absent, read;
  assertion.CollectFields(unknown_when_absent);
  assertion.CollectReadFields(read);
  constexpr size_t kTlsVersion = FieldOf<FactKind::kConnection>("tls_version");
  constexpr size_t kClientDn = FieldOf<FactKind::kConnection>("client_dn");
  EXPECT_EQ(unknown_when_absent, std::vector<size_t>{kTlsVersion});
  EXPECT_EQ(std::set<size_t>(read.begin(), read.end()), (std::set<size_t>{kTlsVersion, kClientDn}));
}

TEST(PolicyLoaderTest, CommandLineParametersAreTypedAndChecked) {
  ParameterOverrides overrides;
  overrides.assignments = {"min_tls=TLSv1.3"};
  const LoadResult result = LoadPolicyText(kValid, "policy.yaml", overrides);
  ASSERT_TRUE(result.policy.has_value());
  EXPECT_EQ(std::get<TlsVersion>(result.policy->parameters[0].value), TlsVersion::kTls1_3);

  overrides.assignments = {"min_tsl=TLSv1.3"};
  EXPECT_EQ(Errors(kValid, overrides),
            "command line: --set: unknown parameter 'min_tsl' of policy 'test' (did you mean "
            "'min_tls'?)");
  overrides.assignments = {"min_tls=TLSv9"};
  EXPECT_EQ(Errors(kValid, overrides),
            "command line: unknown TLS version 'TLSv9' in --set min_tls (TLSv1, TLSv1.1, "
            "TLSv1.2 or TLSv1.3) (did you mean 'TLSv1'?)");
  overrides.assignments = {"networks=10.0.0.0/8, 192.168.0.0/16"};
  const LoadResult lists = LoadPolicyText(kValid, "policy.yaml", overrides);
  ASSERT_TRUE(lists.policy.has_value());
  EXPECT_EQ(std::get<std::vector<std::string>>(lists.policy->parameters[2].value),
            (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  overrides.assignments = {"min_tls"};
  EXPECT_EQ(Errors(kValid, overrides), "command line: --set min_tls: expected NAME=VALUE");
}

TEST(PolicyLoaderTest, EveryErrorIsReportedNotJustTheFirst) {
  std::string text = Replace(kValid, "severity: high", "severity: hihg");
  text = Replace(text, "target: connection", "target: conection");
  const LoadResult result = LoadPolicyText(text, "policy.yaml");
  EXPECT_FALSE(result.policy.has_value());
  EXPECT_EQ(result.errors.size(), 2u);
}

}  // namespace
}  // namespace pgward::policy
