#include "engine/policy/policy_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "engine/core/input_file.h"
#include "engine/core/yaml_document.h"
#include "engine/model/facts_yaml.h"
#include "engine/policy/evaluator.h"
#include "engine/policy/loader.h"

namespace pgward::policy {
namespace {

namespace fs = std::filesystem;

std::string Location(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1);
}

// Parameter values of a case as --set assignments, so they go through the same checks.
std::vector<std::string> Assignments(const YAML::Node& set) {
  std::vector<std::string> assignments;
  if (!set) return assignments;
  for (auto it = set.begin(); it != set.end(); ++it) {
    std::string value;
    if (it->second.IsSequence()) {
      // A copy: `it->second` lives in a proxy that dies with the expression that made it.
      const YAML::Node list = it->second;
      for (const YAML::Node& item : list) {
        value += (value.empty() ? "" : ",") + item.Scalar();
      }
    } else {
      value = it->second.Scalar();
    }
    assignments.push_back(it->first.Scalar() + "=" + value);
  }
  return assignments;
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
    YAML::Node root;
    try {
      root = LoadYamlDocument(input.contents);
    } catch (const YAML::Exception& error) {
      report.errors.push_back(path.string() + ":" + std::to_string(error.mark.line + 1) + ":" +
                              std::to_string(error.mark.column + 1) +
                              ": invalid YAML: " + error.msg);
      return;
    }
    if (!root.IsMap() || !root["kind"] || root["kind"].Scalar() != "PolicyTest") return;
    const std::string file = path.string();
    if (!root["policy"] || !root["cases"] || !root["cases"].IsSequence()) {
      report.errors.push_back(file + ": a PolicyTest needs 'policy' and a list of 'cases'");
      return;
    }
    const std::string policy_path =
        (path.parent_path() / root["policy"].Scalar()).lexically_normal().string();
    std::map<std::string, Coverage>& coverage = coverage_[policy_path];
    for (const YAML::Node& test_case : root["cases"]) {
      report.outcomes.push_back(RunCase(file, policy_path, test_case, coverage, report));
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
                            const YAML::Node& test_case, std::map<std::string, Coverage>& coverage,
                            PolicyTestReport& report) {
    PolicyTestOutcome outcome;
    outcome.location = Location(file, test_case);
    outcome.rule_id = test_case["rule"] ? test_case["rule"].Scalar() : "";
    outcome.name = test_case["name"] ? test_case["name"].Scalar() : "(unnamed)";
    auto fail = [&](std::string detail) {
      outcome.detail = std::move(detail);
      return outcome;
    };
    if (outcome.rule_id.empty() || !test_case["facts"] || !test_case["expect"]) {
      return fail("a case needs 'rule', 'facts' and 'expect'");
    }
    ParameterOverrides overrides;
    overrides.assignments = Assignments(test_case["set"]);
    const LoadResult loaded = LoadPolicyFile(policy_path, overrides);
    if (!loaded.policy) {
      for (const LoadError& error : loaded.errors) report.errors.push_back(error.ToString());
      return fail("the policy does not load");
    }
    const bool known = std::any_of(loaded.policy->rules.begin(), loaded.policy->rules.end(),
                                   [&](const Rule& rule) { return rule.id == outcome.rule_id; });
    if (!known) return fail("the policy has no rule " + outcome.rule_id);

    const auto facts = std::make_shared<FactSet>();
    if (std::optional<std::string> error = AddFactsFromYaml(test_case["facts"], *facts)) {
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
    const YAML::Node expect = test_case["expect"];
    const long want_fail = expect["fail"] ? expect["fail"].as<long>() : 0;
    const long want_error = expect["error"] ? expect["error"].as<long>() : 0;
    (want_fail > 0 ? coverage[outcome.rule_id].has_failing
                   : coverage[outcome.rule_id].has_passing) = true;
    std::string problems;
    if (count(FindingStatus::kFail) != want_fail) {
      problems += "expected " + std::to_string(want_fail) + " failing finding(s), got " +
                  std::to_string(count(FindingStatus::kFail)) + "; ";
    }
    if (count(FindingStatus::kError) != want_error) {
      problems += "expected " + std::to_string(want_error) + " evidence error(s), got " +
                  std::to_string(count(FindingStatus::kError)) + "; ";
    }
    // A list the case expects of the findings, in any order.
    const auto compare = [&](const char* key, std::vector<std::string> got) {
      const YAML::Node expected = expect[key];
      if (!expected) return;
      std::vector<std::string> wanted;
      for (const YAML::Node& item : expected) wanted.push_back(item.Scalar());
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
