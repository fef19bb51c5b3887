#pragma once

#include <string>
#include <vector>

#include "engine/findings/finding.h"
#include "engine/model/fact_table.h"
#include "engine/policy/policy.h"

namespace pgward::policy {

// How one rule fared on one target: the evidence that a control was checked, even when it
// passed (JUnit testcases, SARIF invocation notes).
struct RuleCheck {
  std::string rule_id;
  std::string target;
  size_t facts_checked = 0;  // facts the selector kept
  size_t failures = 0;       // facts that failed (before grouping)
  size_t errors = 0;         // facts whose evidence was incomplete
};

struct Evaluation {
  std::vector<Finding> findings;  // sorted: rule id, target, location, fingerprint
  std::vector<RuleCheck> checks;  // sorted: rule id, target
};

// Evaluates every rule of every policy over the facts. Identical connection findings (same
// rule and the same non-volatile fields) are folded into one, with a count and sample pids.
Evaluation Evaluate(const std::vector<const Policy*>& policies, const FactSet& facts);

// The message of a rule for one fact (count: the number of facts folded into the finding).
std::string RenderMessage(const Rule& rule, const FactTable& table, size_t row, std::int64_t count);

}  // namespace pgward::policy
