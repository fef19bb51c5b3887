#include "engine/policy/predicates.h"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <vector>

#include "engine/core/name_regex.h"

namespace pgward::policy {
namespace {

// all (conjunction) and any (disjunction) under Kleene logic: `decisive` is the truth value that
// settles the result at once (false for all, true for any); unknown beats the other one.
class JunctionPredicate final : public Predicate {
 public:
  JunctionPredicate(std::vector<PredicatePtr> operands, Truth decisive)
      : operands_(std::move(operands)), decisive_(decisive) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    Truth result = decisive_ == Truth::kFalse ? Truth::kTrue : Truth::kFalse;
    for (const PredicatePtr& operand : operands_) {
      const Truth truth = operand->Evaluate(table, row);
      if (truth == decisive_) return decisive_;
      if (truth == Truth::kUnknown) result = Truth::kUnknown;
    }
    return result;
  }
  void CollectFields(std::vector<size_t>& fields) const override {
    for (const PredicatePtr& operand : operands_) operand->CollectFields(fields);
  }
  void CollectReadFields(std::vector<size_t>& fields) const override {
    for (const PredicatePtr& operand : operands_) operand->CollectReadFields(fields);
  }
  void CollectOffending(const FactTable& table, size_t row,
                        std::vector<std::string>& offending) const override {
    for (const PredicatePtr& operand : operands_) operand->CollectOffending(table, row, offending);
  }

 private:
  std::vector<PredicatePtr> operands_;
  Truth decisive_;
};

class NotPredicate final : public Predicate {
 public:
  explicit NotPredicate(PredicatePtr operand) : operand_(std::move(operand)) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const Truth truth = operand_->Evaluate(table, row);
    if (truth == Truth::kUnknown) return truth;
    return truth == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
  }
  void CollectFields(std::vector<size_t>& fields) const override {
    operand_->CollectFields(fields);
  }
  void CollectReadFields(std::vector<size_t>& fields) const override {
    operand_->CollectReadFields(fields);
  }
  void CollectOffending(const FactTable& table, size_t row,
                        std::vector<std::string>& offending) const override {
    operand_->CollectOffending(table, row, offending);
  }

 private:
  PredicatePtr operand_;
};

// `in []` is false and `not_in []` true whatever the value, absent included: no evidence is
// needed to decide them.
class ConstantPredicate final : public Predicate {
 public:
  explicit ConstantPredicate(bool value) : value_(value) {}
  Truth Evaluate(const FactTable&, size_t) const override { return TruthOf(value_); }
  void CollectFields(std::vector<size_t>&) const override {}
  void CollectReadFields(std::vector<size_t>&) const override {}

 private:
  bool value_;
};

// Base of the leaves over one field.
class FieldPredicate : public Predicate {
 public:
  explicit FieldPredicate(size_t field) : field_(field) {}
  void CollectFields(std::vector<size_t>& fields) const override { fields.push_back(field_); }
  void CollectReadFields(std::vector<size_t>& fields) const override { fields.push_back(field_); }

 protected:
  size_t field_;
};

// A leaf over an interned value: computed once per distinct id of the pool it last saw.
class MemoizedPredicate : public FieldPredicate {
 public:
  using FieldPredicate::FieldPredicate;
  Truth Evaluate(const FactTable& table, size_t row) const final {
    const ValueId id = table.Id(row, field_);
    if (id == kAbsent) return Truth::kUnknown;
    if (table.pool().serial() != memo_pool_) {
      memo_.clear();
      memo_pool_ = table.pool().serial();
    }
    if (id >= memo_.size()) memo_.resize(std::max<size_t>(id + 1, memo_.size() * 2), kUnset);
    std::int8_t& slot = memo_[id];
    if (slot == kUnset) slot = Compute(table.pool(), id) ? 1 : 0;
    return TruthOf(slot == 1);
  }

 protected:
  virtual bool Compute(const ValuePool& pool, ValueId id) const = 0;

 private:
  static constexpr std::int8_t kUnset = -1;
  mutable std::vector<std::int8_t> memo_;
  mutable std::uint64_t memo_pool_ = 0;  // the serial of the pool the memo's ids belong to
};

class PresencePredicate final : public FieldPredicate {
 public:
  PresencePredicate(size_t field, bool integer_column, bool want_present)
      : FieldPredicate(field), integer_column_(integer_column), want_present_(want_present) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const bool present =
        integer_column_ ? table.Integer(row, field_).has_value() : table.Id(row, field_) != kAbsent;
    return TruthOf(present == want_present_);
  }
  // Never unknown: an absent field is an answer here, not missing evidence.
  void CollectFields(std::vector<size_t>&) const override {}

 private:
  bool integer_column_;
  bool want_present_;
};

class StringInPredicate final : public MemoizedPredicate {
 public:
  StringInPredicate(size_t field, std::vector<std::string> values, bool negate)
      : MemoizedPredicate(field), values_(values.begin(), values.end()), negate_(negate) {}

 protected:
  bool Compute(const ValuePool& pool, ValueId id) const override {
    return values_.contains(std::string(pool.String(id))) != negate_;
  }

 private:
  std::unordered_set<std::string> values_;
  bool negate_;
};

bool SetMatches(const RE2::Set& patterns, std::string_view text) {
  return patterns.Match(re2::StringPiece(text.data(), text.size()), nullptr);
}

class StringMatchesPredicate final : public MemoizedPredicate {
 public:
  StringMatchesPredicate(size_t field, std::unique_ptr<RE2::Set> patterns)
      : MemoizedPredicate(field), patterns_(std::move(patterns)) {}

 protected:
  bool Compute(const ValuePool& pool, ValueId id) const override {
    return SetMatches(*patterns_, pool.String(id));
  }

 private:
  std::unique_ptr<RE2::Set> patterns_;
};

class BoolEqualsPredicate final : public FieldPredicate {
 public:
  BoolEqualsPredicate(size_t field, bool value) : FieldPredicate(field), value_(value) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const std::optional<bool> actual = table.Bool(row, field_);
    if (!actual) return Truth::kUnknown;
    return TruthOf(*actual == value_);
  }

 private:
  bool value_;
};

template <typename T>
bool Compare(const T& actual, Comparison comparison, const T& expected) {
  switch (comparison) {
    case Comparison::kEq:
      return actual == expected;
    case Comparison::kNe:
      return actual != expected;
    case Comparison::kLt:
      return actual < expected;
    case Comparison::kLe:
      return actual <= expected;
    case Comparison::kGt:
      return actual > expected;
    case Comparison::kGe:
      return actual >= expected;
  }
  return false;
}

class IntegerComparePredicate final : public FieldPredicate {
 public:
  IntegerComparePredicate(size_t field, Comparison comparison, std::int64_t value)
      : FieldPredicate(field), comparison_(comparison), value_(value) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const std::optional<std::int64_t> actual = table.Integer(row, field_);
    if (!actual) return Truth::kUnknown;
    return TruthOf(Compare(*actual, comparison_, value_));
  }

 private:
  Comparison comparison_;
  std::int64_t value_;
};

class IntegerInPredicate final : public FieldPredicate {
 public:
  IntegerInPredicate(size_t field, std::vector<std::int64_t> values, bool negate)
      : FieldPredicate(field), values_(std::move(values)), negate_(negate) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const std::optional<std::int64_t> actual = table.Integer(row, field_);
    if (!actual) return Truth::kUnknown;
    const bool found = std::find(values_.begin(), values_.end(), *actual) != values_.end();
    return TruthOf(found != negate_);
  }

 private:
  std::vector<std::int64_t> values_;
  bool negate_;
};

class TlsComparePredicate final : public FieldPredicate {
 public:
  TlsComparePredicate(size_t field, Comparison comparison, TlsVersion value)
      : FieldPredicate(field), comparison_(comparison), value_(value) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const std::optional<TlsVersion> actual = table.Tls(row, field_);
    if (!actual) return Truth::kUnknown;
    return TruthOf(Compare(*actual, comparison_, value_));
  }

 private:
  Comparison comparison_;
  TlsVersion value_;
};

class TlsInPredicate final : public FieldPredicate {
 public:
  TlsInPredicate(size_t field, std::vector<TlsVersion> values, bool negate)
      : FieldPredicate(field), values_(std::move(values)), negate_(negate) {}
  Truth Evaluate(const FactTable& table, size_t row) const override {
    const std::optional<TlsVersion> actual = table.Tls(row, field_);
    if (!actual) return Truth::kUnknown;
    const bool found = std::find(values_.begin(), values_.end(), *actual) != values_.end();
    return TruthOf(found != negate_);
  }

 private:
  std::vector<TlsVersion> values_;
  bool negate_;
};

class AddressWithinPredicate final : public MemoizedPredicate {
 public:
  AddressWithinPredicate(size_t field, std::vector<IpRange> ranges)
      : MemoizedPredicate(field), ranges_(std::move(ranges)) {}

 protected:
  bool Compute(const ValuePool& pool, ValueId id) const override {
    const IpAddress& address = pool.Address(id);
    return std::any_of(ranges_.begin(), ranges_.end(),
                       [&](const IpRange& range) { return range.Contains(address); });
  }

 private:
  std::vector<IpRange> ranges_;
};

class RangeTestPredicate final : public MemoizedPredicate {
 public:
  RangeTestPredicate(size_t field, std::vector<IpRange> ranges, bool overlaps)
      : MemoizedPredicate(field), ranges_(std::move(ranges)), overlaps_(overlaps) {}

 protected:
  bool Compute(const ValuePool& pool, ValueId id) const override {
    const IpRange& value = pool.Range(id);
    return std::any_of(ranges_.begin(), ranges_.end(), [&](const IpRange& range) {
      return overlaps_ ? range.Overlaps(value) : range.Contains(value);
    });
  }

 private:
  std::vector<IpRange> ranges_;
  bool overlaps_;
};

class ListPredicate final : public MemoizedPredicate {
 public:
  enum class Mode {
    kContainsAny,
    kAdmitsAny,
    kAdmitsEvery,
    kAllIn,
    kAnyMatches,
    kAllMatch,
    kAllWithin,
    kEmpty,
    kNotEmpty
  };
  ListPredicate(size_t field, Mode mode, std::vector<std::string> values,
                std::unique_ptr<RE2::Set> patterns, std::vector<IpRange> ranges = {})
      : MemoizedPredicate(field),
        mode_(mode),
        values_(values.begin(), values.end()),
        patterns_(std::move(patterns)),
        ranges_(std::move(ranges)) {}

 protected:
  bool Compute(const ValuePool& pool, ValueId id) const override {
    const std::span<const ValueId> elements = pool.List(id);
    auto listed = [&](ValueId element) { return Admits(pool, element); };
    switch (mode_) {
      case Mode::kContainsAny:
      case Mode::kAdmitsAny:
        return std::any_of(elements.begin(), elements.end(), listed);
      case Mode::kAdmitsEvery: {
        // Names listed one by one are a choice of names however many they are: only the keyword
        // and regular expressions count.
        std::vector<const std::string*> missing;
        for (const std::string& value : values_) missing.push_back(&value);
        for (ValueId element : elements) {
          const std::string_view text = pool.String(element);
          if (text == "all") return true;
          if (!text.starts_with('/')) continue;
          const NameRegex regex(text.substr(1));
          // One RE2 cannot read may find any name, and is taken to.
          std::erase_if(missing, [&](const std::string* value) {
            return regex.Finds(*value).value_or(true);
          });
          if (missing.empty()) return true;
        }
        return false;
      }
      case Mode::kAllIn:
        return std::all_of(elements.begin(), elements.end(), listed);
      case Mode::kAnyMatches:
        return std::any_of(elements.begin(), elements.end(),
                           [&](ValueId element) { return Admits(pool, element); });
      case Mode::kAllMatch:
      case Mode::kAllWithin:
        return std::all_of(elements.begin(), elements.end(),
                           [&](ValueId element) { return Admits(pool, element); });
      case Mode::kEmpty:
        return elements.empty();
      case Mode::kNotEmpty:
        return !elements.empty();
    }
    return false;
  }

 public:
  void CollectOffending(const FactTable& table, size_t row,
                        std::vector<std::string>& offending) const override {
    if (mode_ != Mode::kAllIn && mode_ != Mode::kAllMatch && mode_ != Mode::kAllWithin) return;
    const ValueId id = table.Id(row, field_);
    if (id == kAbsent) return;
    for (ValueId element : table.pool().List(id)) {
      if (Admits(table.pool(), element)) continue;
      const std::string_view text = table.pool().String(element);
      const std::optional<IpRange> range =
          mode_ == Mode::kAllWithin ? ParseFormattedIpRange(text) : std::nullopt;
      if (!range) {
        offending.emplace_back(text);
        continue;
      }
      // Ends inside the allowed ranges are trimmed off (0.0.0.0-127.0.0.0 against 127.0.0.0/8
      // offends as 0.0.0.0-126.255.255.255); a range around them keeps its name (0.0.0.0/0).
      const std::vector<IpRange> outside = Outside(*range, ranges_);
      offending.push_back(outside.empty()
                              ? std::string(text)
                              : FormatIpRange({outside.front().first, outside.back().last}));
    }
  }

 private:
  // Whether one element satisfies the test's value list or patterns.
  bool Admits(const ValuePool& pool, ValueId element) const {
    if (mode_ == Mode::kAllWithin) {
      const std::optional<IpRange> range = ParseFormattedIpRange(pool.String(element));
      return range && std::any_of(ranges_.begin(), ranges_.end(),
                                  [&](const IpRange& allowed) { return allowed.Contains(*range); });
    }
    if (patterns_) return SetMatches(*patterns_, pool.String(element));
    const std::string_view text = pool.String(element);
    if (values_.contains(std::string(text))) return true;
    return mode_ == Mode::kAdmitsAny && text.starts_with('/') && RegexAdmitsAny(text.substr(1));
  }

  // A name field's regular expression (PostgreSQL 16+: a token that starts with '/'), of which
  // one RE2 cannot read may find anything, and is taken to.
  bool RegexAdmitsAny(std::string_view pattern) const {
    const NameRegex regex(pattern);
    // Only names: a regular expression is never the keyword `all`, nor a +group membership.
    return std::any_of(values_.begin(), values_.end(), [&](const std::string& value) {
      return value != "all" && !value.starts_with('+') && regex.Finds(value).value_or(true);
    });
  }

  Mode mode_;
  std::unordered_set<std::string> values_;
  std::unique_ptr<RE2::Set> patterns_;
  std::vector<IpRange> ranges_;
};

}  // namespace

PredicatePtr MakeAll(std::vector<PredicatePtr> operands) {
  if (operands.size() == 1) return std::move(operands.front());
  return std::make_unique<JunctionPredicate>(std::move(operands), Truth::kFalse);
}

PredicatePtr MakeAny(std::vector<PredicatePtr> operands) {
  if (operands.size() == 1) return std::move(operands.front());
  return std::make_unique<JunctionPredicate>(std::move(operands), Truth::kTrue);
}

PredicatePtr MakeNot(PredicatePtr operand) {
  return std::make_unique<NotPredicate>(std::move(operand));
}

PredicatePtr MakePresence(size_t field, bool integer_column, bool want_present) {
  return std::make_unique<PresencePredicate>(field, integer_column, want_present);
}

PredicatePtr MakeStringIn(size_t field, std::vector<std::string> values, bool negate) {
  if (values.empty()) return std::make_unique<ConstantPredicate>(negate);
  return std::make_unique<StringInPredicate>(field, std::move(values), negate);
}

PredicatePtr MakeStringMatches(size_t field, std::unique_ptr<RE2::Set> patterns) {
  return std::make_unique<StringMatchesPredicate>(field, std::move(patterns));
}

PredicatePtr MakeBoolEquals(size_t field, bool value) {
  return std::make_unique<BoolEqualsPredicate>(field, value);
}

PredicatePtr MakeIntegerCompare(size_t field, Comparison comparison, std::int64_t value) {
  return std::make_unique<IntegerComparePredicate>(field, comparison, value);
}

PredicatePtr MakeIntegerIn(size_t field, std::vector<std::int64_t> values, bool negate) {
  return std::make_unique<IntegerInPredicate>(field, std::move(values), negate);
}

PredicatePtr MakeTlsCompare(size_t field, Comparison comparison, TlsVersion value) {
  return std::make_unique<TlsComparePredicate>(field, comparison, value);
}

PredicatePtr MakeTlsIn(size_t field, std::vector<TlsVersion> values, bool negate) {
  return std::make_unique<TlsInPredicate>(field, std::move(values), negate);
}

PredicatePtr MakeAddressWithin(size_t field, std::vector<IpRange> ranges) {
  if (ranges.empty()) return std::make_unique<ConstantPredicate>(false);
  return std::make_unique<AddressWithinPredicate>(field, std::move(ranges));
}

PredicatePtr MakeRangeWithin(size_t field, std::vector<IpRange> ranges) {
  if (ranges.empty()) return std::make_unique<ConstantPredicate>(false);
  return std::make_unique<RangeTestPredicate>(field, std::move(ranges), false);
}

PredicatePtr MakeRangeOverlaps(size_t field, std::vector<IpRange> ranges) {
  if (ranges.empty()) return std::make_unique<ConstantPredicate>(false);
  return std::make_unique<RangeTestPredicate>(field, std::move(ranges), true);
}

PredicatePtr MakeListContainsAny(size_t field, std::vector<std::string> values) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kContainsAny,
                                         std::move(values), nullptr);
}

PredicatePtr MakeListAdmitsAny(size_t field, std::vector<std::string> values) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kAdmitsAny, std::move(values),
                                         nullptr);
}

PredicatePtr MakeListAdmitsEvery(size_t field, std::vector<std::string> values) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kAdmitsEvery,
                                         std::move(values), nullptr);
}

PredicatePtr MakeListAllIn(size_t field, std::vector<std::string> values) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kAllIn, std::move(values),
                                         nullptr);
}

PredicatePtr MakeListAnyMatches(size_t field, std::unique_ptr<RE2::Set> patterns) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kAnyMatches,
                                         std::vector<std::string>{}, std::move(patterns));
}

PredicatePtr MakeListAllMatch(size_t field, std::unique_ptr<RE2::Set> patterns) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kAllMatch,
                                         std::vector<std::string>{}, std::move(patterns));
}

PredicatePtr MakeListAllWithin(size_t field, std::vector<IpRange> ranges) {
  return std::make_unique<ListPredicate>(field, ListPredicate::Mode::kAllWithin,
                                         std::vector<std::string>{}, nullptr, std::move(ranges));
}

PredicatePtr MakeListEmpty(size_t field, bool want_empty) {
  return std::make_unique<ListPredicate>(
      field, want_empty ? ListPredicate::Mode::kEmpty : ListPredicate::Mode::kNotEmpty,
      std::vector<std::string>{}, nullptr);
}

CompiledPatterns CompilePatterns(const std::vector<std::string>& patterns) {
  CompiledPatterns compiled;
  RE2::Options options;
  options.set_log_errors(false);
  auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
  for (size_t i = 0; i < patterns.size(); ++i) {
    std::string error;
    if (set->Add(patterns[i], &error) < 0) {
      compiled.error = error;
      compiled.failed_pattern = i;
      return compiled;
    }
  }
  if (!set->Compile()) {
    compiled.error = "the patterns need more memory than RE2 allows";
    return compiled;
  }
  compiled.set = std::move(set);
  return compiled;
}

}  // namespace pgward::policy
