#include "engine/cli/policy_commands.h"

#include <algorithm>
#include <iostream>

#include "engine/core/exit_code.h"
#include "engine/policy/builtin.h"
#include "engine/policy/loader.h"
#include "engine/policy/policy_tests.h"

namespace pgward::cli {
namespace {

void PrintErrors(const std::vector<policy::LoadError>& errors, std::ostream& err) {
  for (const policy::LoadError& error : errors) err << error.ToString() << "\n";
}

}  // namespace

int RunPolicyList(const std::string& pack, std::ostream& out, std::ostream& err) {
  const policy::LoadResult loaded = policy::LoadBuiltinPack(pack.empty() ? "baseline" : pack);
  if (!loaded.policy) {
    PrintErrors(loaded.errors, err);
    return ToInt(ExitCode::kUsageOrInputError);
  }
  const policy::Policy& catalog = *loaded.policy;
  out << "pack " << catalog.name << " " << catalog.version << ": " << catalog.description << "\n";
  out << "packs: ";
  const std::vector<std::string> packs = policy::BuiltinPackNames();
  for (size_t i = 0; i < packs.size(); ++i) out << (i ? ", " : "") << packs[i];
  out << "\n\n";
  size_t id_width = 2, target_width = 6;
  for (const policy::Rule& rule : catalog.rules) {
    id_width = std::max(id_width, rule.id.size());
    target_width = std::max(target_width, FactType(rule.target).name.size());
  }
  for (const policy::Rule& rule : catalog.rules) {
    std::string compliance;
    for (const auto& [framework, ids] : rule.compliance) {
      compliance += (compliance.empty() ? "" : "; ") + framework + " ";
      for (size_t i = 0; i < ids.size(); ++i) compliance += (i ? "," : "") + ids[i];
    }
    out << rule.id << std::string(id_width - rule.id.size() + 2, ' ') << SeverityName(rule.severity)
        << std::string(10 - SeverityName(rule.severity).size(), ' ') << FactType(rule.target).name
        << std::string(target_width - FactType(rule.target).name.size() + 2, ' ') << rule.title
        << (compliance.empty() ? "" : "  [" + compliance + "]") << "\n";
  }
  out << "\nparameters (tune with --set NAME=VALUE or --values FILE):\n";
  for (const policy::Parameter& parameter : catalog.parameters) {
    out << "  " << parameter.name << " (" << policy::ParameterTypeName(parameter.type) << ") = "
        << (std::holds_alternative<std::vector<std::string>>(parameter.value)
                ? "[" + policy::ParameterValueText(parameter.value) + "]"
                : policy::ParameterValueText(parameter.value))
        << "\n";
  }
  return ToInt(ExitCode::kOk);
}

int RunPolicyLint(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  bool ok = true;
  for (const std::string& file : files) {
    const policy::LoadResult loaded = policy::LoadPolicyFile(file);
    if (loaded.policy) {
      out << file << ": ok, " << loaded.policy->rules.size() << " rule(s)\n";
    } else {
      PrintErrors(loaded.errors, err);
      ok = false;
    }
  }
  return ToInt(ok ? ExitCode::kOk : ExitCode::kUsageOrInputError);
}

int RunPolicyTest(const std::string& directory, std::ostream& out, std::ostream& err) {
  const policy::PolicyTestReport report = policy::RunPolicyTests(directory);
  size_t passed = 0, failed = 0;
  for (const policy::PolicyTestOutcome& outcome : report.outcomes) {
    if (outcome.passed) {
      ++passed;
      out << "ok    " << outcome.rule_id << "  " << outcome.name << "\n";
    } else {
      ++failed;
      out << "FAIL  " << outcome.rule_id << "  " << outcome.name << " (" << outcome.location
          << "): " << outcome.detail << "\n";
    }
  }
  for (const std::string& error : report.errors) err << "pgward: " << error << "\n";
  out << "policy tests: " << passed << " passed, " << failed << " failed, " << report.errors.size()
      << " error(s)\n";
  if (report.outcomes.empty() && report.errors.empty()) {
    err << "pgward: no PolicyTest files under " << directory << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  if (failed > 0) return ToInt(ExitCode::kFindings);
  return ToInt(report.errors.empty() ? ExitCode::kOk : ExitCode::kUsageOrInputError);
}

}  // namespace pgward::cli
