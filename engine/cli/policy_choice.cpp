#include "engine/cli/policy_choice.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "engine/policy/builtin.h"
#include "engine/policy/loader.h"

namespace pgward::cli {

std::vector<const policy::Policy*> LoadedPolicies::Pointers() const {
  std::vector<const policy::Policy*> pointers;
  for (const policy::Policy& policy : policies) pointers.push_back(&policy);
  return pointers;
}

LoadedPolicies LoadPolicies(const PolicyChoice& choice, std::ostream& err) {
  policy::ParameterOverrides overrides;
  overrides.assignments = choice.assignments;
  overrides.values_files = choice.values_files;
  LoadedPolicies loaded;
  std::set<std::string> printed;  // a bad --set value breaks every rule that uses it: once
  auto take = [&](policy::LoadResult result) {
    if (!result.policy) {
      for (const policy::LoadError& error : result.errors) {
        if (printed.insert(error.ToString()).second) err << error.ToString() << "\n";
      }
      loaded.ok = false;
      return;
    }
    loaded.policies.push_back(std::move(*result.policy));
  };
  for (const std::string& file : choice.policies) take(policy::LoadPolicyFile(file, overrides));
  for (const std::string& pack : choice.packs) take(policy::LoadBuiltinPack(pack, overrides));
  if (choice.policies.empty() && choice.packs.empty()) {
    take(policy::LoadBuiltinPack("baseline", overrides));
  }
  // The same rule twice would report every problem twice, once per pack.
  std::map<std::string, std::string> owners;
  for (const policy::Policy& policy : loaded.policies) {
    for (const policy::Rule& rule : policy.rules) {
      const auto [owner, inserted] = owners.emplace(rule.id, policy.name);
      if (!inserted) {
        err << "pgward: rule " << rule.id << " is in both " << owner->second << " and "
            << policy.name << ": scan with one of them\n";
        loaded.ok = false;
      }
    }
  }
  return loaded;
}

std::vector<RuleInfo> RuleInfos(const std::vector<policy::Policy>& policies) {
  std::vector<RuleInfo> rules;
  for (const policy::Policy& policy : policies) {
    for (const policy::Rule& rule : policy.rules)
      rules.push_back(policy::RuleInfoOf(rule, policy.name));
  }
  std::sort(rules.begin(), rules.end(),
            [](const RuleInfo& a, const RuleInfo& b) { return a.id < b.id; });
  return rules;
}

}  // namespace pgward::cli
