#include "engine/cli/policy_commands.h"

#include <iostream>
#include <variant>

#include "engine/core/exit_code.h"
#include "engine/policy/builtin.h"
#include "engine/policy/loader.h"
#include "engine/policy/policy_tests.h"
#include "reporters/policy_report.h"

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
  reporters::PackListing listing{
      catalog.name, catalog.version, catalog.description, policy::BuiltinPackNames(), {}, {}};
  for (const policy::Rule& rule : catalog.rules) {
    listing.rules.push_back(policy::RuleInfoOf(rule, catalog.name));
  }
  for (const policy::Parameter& parameter : catalog.parameters) {
    const std::string value = policy::ParameterValueText(parameter.value);
    listing.parameters.push_back(
        {parameter.name, std::string(policy::ParameterTypeName(parameter.type)),
         std::holds_alternative<std::vector<std::string>>(parameter.value) ? "[" + value + "]"
                                                                           : value});
  }
  reporters::WritePackListing(listing, out);
  return ToInt(ExitCode::kOk);
}

int RunPolicyLint(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  bool ok = true;
  for (const std::string& file : files) {
    const policy::LoadResult loaded = policy::LoadPolicyFile(file);
    if (loaded.policy) {
      reporters::WriteLintSuccess(file, loaded.policy->rules.size(), out);
    } else {
      PrintErrors(loaded.errors, err);
      ok = false;
    }
  }
  return ToInt(ok ? ExitCode::kOk : ExitCode::kUsageOrInputError);
}

int RunPolicyTest(const std::string& directory, std::ostream& out, std::ostream& err) {
  const policy::PolicyTestReport report = policy::RunPolicyTests(directory);
  reporters::PolicyTestListing listing;
  bool failed = false;
  for (const policy::PolicyTestOutcome& outcome : report.outcomes) {
    listing.cases.push_back(
        {outcome.rule_id, outcome.name, outcome.location, outcome.passed, outcome.detail});
    failed = failed || !outcome.passed;
  }
  listing.errors = report.errors.size();
  for (const std::string& error : report.errors) err << "pgward: " << error << "\n";
  reporters::WritePolicyTestListing(listing, out);
  if (report.outcomes.empty() && report.errors.empty()) {
    err << "pgward: no PolicyTest files under " << directory << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  if (failed) return ToInt(ExitCode::kFindings);
  return ToInt(report.errors.empty() ? ExitCode::kOk : ExitCode::kUsageOrInputError);
}

}  // namespace pgward::cli
