#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/findings/finding.h"
#include "engine/findings/report.h"
#include "engine/model/fact_table.h"
#include "engine/policy/policy.h"

namespace pgward::policy {

struct Evaluation {
  std::vector<Finding> findings;  // sorted: rule id, target, location, message, fingerprint
  std::vector<RuleCheck> checks;  // sorted: rule id, target
};

// Evaluates every rule of every policy over the facts. Identical connection findings (same
// rule and the same non-volatile fields) are folded into one, with a count and sample pids.
// Findings refer to their facts, and keep the set alive.
Evaluation Evaluate(const std::vector<const Policy*>& policies,
                    const std::shared_ptr<const FactSet>& facts);

// A message of a rule (its own, or a variant's) for one fact (count: the number of facts folded
// into the finding). Lists longer than kMessageListItems are cut to their first items and a
// count: a message is read by people; the finding's subject keeps the whole list.
std::string RenderMessage(const Rule& rule, const std::vector<MessagePart>& message,
                          const FactTable& table, size_t row, std::int64_t count);

inline constexpr size_t kMessageListItems = 8;

// Appends `items` joined by ", ", summarised past kMessageListItems:
// "a, b, c, d, e, f, g, and 123 more (130 in all)".
void AppendSummarized(std::string& message, const std::vector<std::string_view>& items);

}  // namespace pgward::policy
