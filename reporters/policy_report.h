#pragma once

// The listings of the policy commands: `policy list` (a pack's rules and parameters), `policy
// lint` and `policy test`. Each over its own plain model, which the command fills from the
// policies: reporters never see a policy.

#include <ostream>
#include <string>
#include <vector>

#include "engine/findings/report.h"

namespace pgward::reporters {

struct PackListing {
  std::string name;
  std::string version;
  std::string description;
  std::vector<std::string> packs;  // every built-in pack
  std::vector<RuleInfo> rules;     // in the pack's order
  struct Parameter {
    std::string name;
    std::string type;
    std::string value;  // as --set takes it; lists in brackets
  };
  std::vector<Parameter> parameters;
};

// One line per rule (id, severity, fact type, title, compliance), then the parameters.
void WritePackListing(const PackListing& listing, std::ostream& out);

// `policy lint`: a policy file that loaded, with its number of rules.
void WriteLintSuccess(const std::string& file, size_t rules, std::ostream& out);

struct PolicyTestListing {
  struct Case {
    std::string rule_id;
    std::string name;
    std::string location;  // file:line of the case
    bool passed = false;
    std::string detail;  // why it failed
  };
  std::vector<Case> cases;
  size_t errors = 0;  // files that could not be loaded, rules without cases
};

// One line per case, then the totals.
void WritePolicyTestListing(const PolicyTestListing& listing, std::ostream& out);

}  // namespace pgward::reporters
