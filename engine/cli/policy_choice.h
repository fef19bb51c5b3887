#pragma once

// Which policies a run evaluates: --policy files, built-in --pack names (the baseline pack when
// neither), tuned by --set and --values. Shared by `scan` and `hba diff`.

#include <iosfwd>
#include <string>
#include <vector>

#include "engine/findings/report.h"
#include "engine/policy/policy.h"

namespace pgward::cli {

struct PolicyChoice {
  std::vector<std::string> policies;
  std::vector<std::string> packs;
  std::vector<std::string> assignments;  // --set NAME=VALUE
  std::vector<std::string> values_files;
};

struct LoadedPolicies {
  std::vector<policy::Policy> policies;
  bool ok = true;  // false: the errors were printed, nothing may be evaluated

  // What policy::Evaluate takes. An evaluation memoizes answers in the policies' predicates:
  // two evaluations at once need two loads.
  std::vector<const policy::Policy*> Pointers() const;
};

LoadedPolicies LoadPolicies(const PolicyChoice& choice, std::ostream& err);

// The rules of the policies, sorted by id, as reports describe them.
std::vector<RuleInfo> RuleInfos(const std::vector<policy::Policy>& policies);

}  // namespace pgward::cli
