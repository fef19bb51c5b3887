#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model/fact_table.h"

namespace pgward::policy {

// Three-valued truth: a predicate over an absent field is unknown, never false, so that a rule
// cannot pass on evidence that was not collected (Kleene logic for all/any/not).
enum class Truth : std::int8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

inline Truth TruthOf(bool value) { return value ? Truth::kTrue : Truth::kFalse; }

// A compiled predicate over the rows of one fact table. Leaves memoize their result per
// distinct value id, so each distinct string, address or list is tested once per evaluation.
class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual Truth Evaluate(const FactTable& table, size_t row) const = 0;
  // The fields whose absence makes the predicate unknown: the evidence a finding with an unknown
  // result lacks.
  virtual void CollectFields(std::vector<size_t>& fields) const = 0;
  // Every field the predicate reads, presence tests included: what collection is to gather for
  // it.
  virtual void CollectReadFields(std::vector<size_t>& fields) const = 0;
  // The list elements that make an all_in / all_match test fail on this row (for the
  // {offending} message placeholder, e.g. the suites of ssl_ciphers outside an allowlist).
  virtual void CollectOffending(const FactTable& /*table*/, size_t /*row*/,
                                std::vector<std::string>& /*offending*/) const {}
};

using PredicatePtr = std::unique_ptr<const Predicate>;

}  // namespace pgward::policy
