#include "engine/policy/policy_tests.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include "engine/core/input_file.h"
#include "engine/core/yaml_tree.h"
#include "engine/model/facts_yaml.h"
#include "engine/policy/evaluator.h"
#include "engine/policy/loader.h"

namespace pgward::policy {
namespace {

namespace fs = std::filesystem;

std::string Location(const std::string& file, const YamlNode& node) {
  return file + ":" + std::to_string(node.mark().line + 1);
}

// Parameter values of a case (a mapping) as --set assignments, so they go through the same checks.
std::vector<std::string> Assignments(const std::optional<YamlNode>& set) {
  std::vector<std::string> assignments;
  if (!set || !set->IsMap()) return assignments;
  for (size_t i = 0; i < set->size(); ++i) {
    const YamlNode given = set->Value(i);
    std::string value;
    if (given.IsSequence()) {
      for (size_t j = 0; j < given.size(); ++j) {
        value += (value.empty() ? "" : ",") + given.Element(j).Scalar();
      }
    } else {
      value = given.Scalar();
    }
    assignments.push_back(set->Key(i).Scalar() + "=" + value);
  }
  return assignments;
}

// An expected count: absent is none.
std::optional<long> ExpectedCount(const YamlNode& expect, std::string_view key) {
  const std::optional<YamlNode> node = expect.Find(key);
  if (!node) return 0;
  const std::string& text = node->Scalar();
  long count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || count < 0) {
    return std::nullopt;
  }
  return count;
}

struct Coverage {
  bool has_failing = false;
  bool has_passing = false;
};

class Runner {
 public:
  void RunFile(const fs::path& path, PolicyTestReport& report) {
    const InputFile input = ReadInputFile(path.string(), kDefaultMaxConfigBytes);
    if (input.error) {
      report.errors.push_back(path.string() + ": cannot read the file: " + *input.error);
      return;
    }
    const std::variant<YamlTree, YamlError> parsed = YamlTree::Parse(input.contents);
    if (const YamlError* error = std::get_if<YamlError>(&parsed)) {
      report.errors.push_back(path.string() + ":" + std::to_string(error->mark.line + 1) + ":" +
                              std::to_string(error->mark.column + 1) +
                              ": invalid YAML: " + error->message);
      return;
    }
    const YamlNode root = std::get<YamlTree>(parsed).root();
    if (!root.IsMap() || root.ScalarOf("kind") != "PolicyTest") return;
    const std::string file = path.string();
    const std::optional<YamlNode> cases = root.Find("cases");
    const std::string policy = root.ScalarOf("policy");
    if (policy.empty() || !cases || !cases->IsSequence()) {
      report.errors.push_back(file + ": a PolicyTest needs 'policy' and a list of 'cases'");
      return;
    }
    const std::string policy_path = (path.parent_path() / policy).lexically_normal().string();
    std::map<std::string, Coverage>& coverage = coverage_[policy_path];
    for (size_t i = 0; i < cases->size(); ++i) {
      report.outcomes.push_back(RunCase(file, policy_path, cases->Element(i), coverage, report));
    }
  }

  void CheckCoverage(PolicyTestReport& report) {
    for (auto& [policy_path, rules] : coverage_) {
      const LoadResult loaded = LoadPolicyFile(policy_path);
      if (!loaded.policy) continue;  // reported with the cases
      for (const Rule& rule : loaded.policy->rules) {
        const Coverage& covered = rules[rule.id];
        if (!covered.has_failing) {
          report.errors.push_back(policy_path + ": rule " + rule.id + " has no failing case");
        }
        if (!covered.has_passing) {
          report.errors.push_back(policy_path + ": rule " + rule.id + " has no passing case");
        }
      }
    }
  }

 private:
  PolicyTestOutcome RunCase(const std::string& file, const std::string& policy_path,
                            const YamlNode& test_case, std::map<std::string, Coverage>& coverage,
                            PolicyTestReport& report) {
    PolicyTestOutcome outcome;
    outcome.location = Location(file, test_case);
    outcome.rule_id = test_case.ScalarOf("rule");
    outcome.name = test_case.Find("name") ? test_case.ScalarOf("name") : "(unnamed)";
    auto fail = [&](std::string detail) {
      outcome.detail = std::move(detail);
      return outcome;
    };
    const std::optional<YamlNode> facts_node = test_case.Find("facts");
    const std::optional<YamlNode> expect = test_case.Find("expect");
    const std::optional<YamlNode> set = test_case.Find("set");
    if (outcome.rule_id.empty() || !facts_node || !expect) {
      return fail("a case needs 'rule', 'facts' and 'expect'");
    }
    if (!expect->IsMap() || (set && !set->IsMap())) {
      return fail("'expect' and 'set' are mappings");
    }
    const std::optional<long> want_fail = ExpectedCount(*expect, "fail");
    const std::optional<long> want_error = ExpectedCount(*expect, "error");
    if (!want_fail || !want_error) {
      return fail("'expect' counts ('fail', 'error') must be whole numbers");
    }
    ParameterOverrides overrides;
    overrides.assignments = Assignments(set);
    const LoadResult loaded = LoadPolicyFile(policy_path, overrides);
    if (!loaded.policy) {
      for (const LoadError& error : loaded.errors) report.errors.push_back(error.ToString());
      return fail("the policy does not load");
    }
    const bool known = std::any_of(loaded.policy->rules.begin(), loaded.policy->rules.end(),
                                   [&](const Rule& rule) { return rule.id == outcome.rule_id; });
    if (!known) return fail("the policy has no rule " + outcome.rule_id);

    const auto facts = std::make_shared<FactSet>();
    if (std::optional<std::string> error = AddFactsFromYaml(*facts_node, *facts)) {
      return fail(file + ":" + *error);
    }
    // Every rule is evaluated; the case looks at the findings of its own rule only.
    const Evaluation evaluation = Evaluate({&*loaded.policy}, facts);
    std::vector<const Finding*> fired;
    for (const Finding& finding : evaluation.findings) {
      if (finding.rule_id == outcome.rule_id) fired.push_back(&finding);
    }
    auto count = [&](FindingStatus status) {
      return static_cast<long>(std::count_if(
          fired.begin(), fired.end(), [&](const Finding* f) { return f->status == status; }));
    };
    (*want_fail > 0 ? coverage[outcome.rule_id].has_failing
                    : coverage[outcome.rule_id].has_passing) = true;
    std::string problems;
    if (count(FindingStatus::kFail) != *want_fail) {
      problems += "expected " + std::to_string(*want_fail) + " failing finding(s), got " +
                  std::to_string(count(FindingStatus::kFail)) + "; ";
    }
    if (count(FindingStatus::kError) != *want_error) {
      problems += "expected " + std::to_string(*want_error) + " evidence error(s), got " +
                  std::to_string(count(FindingStatus::kError)) + "; ";
    }
    // A list the case expects of the findings, in any order.
    const auto compare = [&](const char* key, std::vector<std::string> got) {
      const std::optional<YamlNode> expected = expect->Find(key);
      if (!expected) return;
      std::vector<std::string> wanted;
      if (expected->IsScalar()) wanted.push_back(expected->Scalar());
      for (size_t i = 0; expected->IsSequence() && i < expected->size(); ++i) {
        wanted.push_back(expected->Element(i).Scalar());
      }
      std::sort(wanted.begin(), wanted.end());
      std::sort(got.begin(), got.end());
      if (wanted == got) return;
      problems += std::string(key) + " differ: got";
      for (const std::string& item : got) problems += " [" + item + "]";
      problems += "; ";
    };
    std::vector<std::string> messages, severities;
    for (const Finding* finding : fired) {
      messages.push_back(finding->message);
      severities.emplace_back(SeverityName(finding->severity));
    }
    compare("messages", std::move(messages));
    compare("severities", std::move(severities));
    if (!problems.empty()) return fail(problems.substr(0, problems.size() - 2));
    outcome.passed = true;
    return outcome;
  }

  std::map<std::string, std::map<std::string, Coverage>> coverage_;
};

}  // namespace

PolicyTestReport RunPolicyTests(const std::string& directory) {
  PolicyTestReport report;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    report.errors.push_back(directory + ": not a directory");
    return report;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(directory, error)) {
    const std::string extension = entry.path().extension().string();
    if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());  // a stable order of outcomes
  Runner runner;
  for (const fs::path& file : files) runner.RunFile(file, report);
  runner.CheckCoverage(report);
  return report;
}

}  // namespace pgward::policy
