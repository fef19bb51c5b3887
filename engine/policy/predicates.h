#pragma once

// The compiled forms of the policy language's predicates (see docs/policy-language.md).
// The loader checks types and builds these; they assume well-typed input.

#include <re2/set.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/model/ip.h"
#include "engine/model/tls_version.h"
#include "engine/policy/predicate.h"

namespace pgward::policy {

enum class Comparison { kEq, kNe, kLt, kLe, kGt, kGe };

PredicatePtr MakeAll(std::vector<PredicatePtr> operands);
PredicatePtr MakeAny(std::vector<PredicatePtr> operands);
PredicatePtr MakeNot(PredicatePtr operand);

// present / absent: the only predicates that are never unknown.
PredicatePtr MakePresence(size_t field, bool integer_column, bool want_present);

// eq, ne, in, not_in over strings.
PredicatePtr MakeStringIn(size_t field, std::vector<std::string> values, bool negate);
// matches, matches_any: the whole value matches one of the patterns (RE2, anchored at both
// ends), so that an allowlist entry `AES` cannot admit `NULL-AES-EXPORT`.
PredicatePtr MakeStringMatches(size_t field, std::unique_ptr<RE2::Set> patterns);

PredicatePtr MakeBoolEquals(size_t field, bool value);
PredicatePtr MakeIntegerCompare(size_t field, Comparison comparison, std::int64_t value);
PredicatePtr MakeIntegerIn(size_t field, std::vector<std::int64_t> values, bool negate);
PredicatePtr MakeTlsCompare(size_t field, Comparison comparison, TlsVersion value);
PredicatePtr MakeTlsIn(size_t field, std::vector<TlsVersion> values, bool negate);

// within: the address (or the whole range) lies inside one of the ranges; overlaps: the range
// shares an address with one of them.
PredicatePtr MakeAddressWithin(size_t field, std::vector<IpRange> ranges);
PredicatePtr MakeRangeWithin(size_t field, std::vector<IpRange> ranges);
PredicatePtr MakeRangeOverlaps(size_t field, std::vector<IpRange> ranges);

// Over string lists: contains (one of the values is an element), all_in (every element is one
// of the values), any_matches (some element matches a pattern), all_match (every element
// matches a pattern), empty.
PredicatePtr MakeListContainsAny(size_t field, std::vector<std::string> values);
// A pg_hba.conf name field admits one of `values`: it names it, or holds a regular expression
// (/...) that finds it (one RE2 cannot read is taken to).
PredicatePtr MakeListAdmitsAny(size_t field, std::vector<std::string> values);
// Such a field admits any name: it holds the keyword all, or its regular expressions find every
// one of `values` (one RE2 cannot read is taken to find it). Names listed one by one never do.
PredicatePtr MakeListAdmitsEvery(size_t field, std::vector<std::string> values);
PredicatePtr MakeListAllIn(size_t field, std::vector<std::string> values);
PredicatePtr MakeListAnyMatches(size_t field, std::unique_ptr<RE2::Set> patterns);
PredicatePtr MakeListAllMatch(size_t field, std::unique_ptr<RE2::Set> patterns);
// all_within: every element is an address or range inside one of the ranges (an element that
// is not an address, like a host name, never is).
PredicatePtr MakeListAllWithin(size_t field, std::vector<IpRange> ranges);
PredicatePtr MakeListEmpty(size_t field, bool want_empty);

// An anchored RE2::Set, or the RE2 error of the first pattern that does not compile.
struct CompiledPatterns {
  std::unique_ptr<RE2::Set> set;
  std::string error;          // empty on success
  size_t failed_pattern = 0;  // index of the pattern that failed
};
CompiledPatterns CompilePatterns(const std::vector<std::string>& patterns);

}  // namespace pgward::policy
