#include "engine/policy/evaluator.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "engine/core/file_digest.h"
#include "engine/core/side_thread.h"
#include "engine/model/fact_format.h"

namespace pgward::policy {
namespace {

constexpr size_t kSamplePids = 5;

// The non-volatile fields of a fact type: what identifies "the same problem".
std::vector<size_t> IdentityFields(const FactTypeSpec& spec) {
  std::vector<size_t> fields;
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (!spec.fields[i].is_volatile) fields.push_back(i);
  }
  return fields;
}

std::vector<bool> IntegerFlags(const FactTypeSpec& spec, const std::vector<size_t>& fields) {
  std::vector<bool> flags;
  for (size_t field : fields) {
    flags.push_back(spec.fields[field].type == FieldType::kInteger ||
                    spec.fields[field].type == FieldType::kTimestamp);
  }
  return flags;
}

// Fingerprint text: rule, then field=value for every identifying field, in declaration order,
// values as compact JSON. Values are rendered, not ids, so that the fingerprint is the same in
// any run.
std::string Fingerprint(const Rule& rule, const FactTable& table, size_t row,
                        const std::vector<size_t>& identity) {
  std::string text;
  text.reserve(1024);  // a pg_hba.conf rule's fields take about 600 bytes
  text += "pgward/v1\n";
  text += rule.id;
  text += '\n';
  for (size_t field : identity) {
    text += table.spec().fields[field].name;
    text += '=';
    AppendFieldJson(text, table, row, field);
    text += '\n';
  }
  std::string fingerprint = Sha256Hex(text);
  if (fingerprint.size() > 32) fingerprint.resize(32);  // empty stays empty: no digest, none
  return fingerprint;
}

std::string MissingEvidence(const Rule& rule, const FactTable& table, size_t row) {
  std::vector<size_t> fields;
  if (rule.selector) rule.selector->CollectFields(fields);
  rule.assertion->CollectFields(fields);
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  std::string absent, hints;
  for (size_t field : fields) {
    if (IsAbsent(table, row, field)) {
      const FieldSpec& spec = table.spec().fields[field];
      absent += (absent.empty() ? "" : ", ") + std::string(spec.name);
      // Fields collected together share their hint: it is said once.
      if (spec.how_to_collect.empty()) continue;
      const std::string hint = "; " + std::string(spec.how_to_collect);
      if (hints.find(hint) == std::string::npos) hints += hint;
    }
  }
  return "cannot evaluate " + rule.id + ": evidence missing (" +
         (absent.empty() ? std::string("unknown") : absent) + " not collected" + hints + ")";
}

class RuleEvaluator {
 public:
  RuleEvaluator(const Rule& rule, const std::shared_ptr<const FactSet>& facts, Evaluation& out)
      : rule_(rule),
        facts_(facts),
        table_(facts->table(rule.target)),
        out_(out),
        identity_(IdentityFields(table_.spec())),
        identity_integer_(IntegerFlags(table_.spec(), identity_)),
        target_field_(table_.spec().FieldIndex(table_.spec().target_field).value()),
        pid_field_(table_.spec().FieldIndex("pid")),
        groups_connections_(table_.kind() == FactKind::kConnection) {}

  void Run() {
    for (size_t row = 0; row < table_.size(); ++row) {
      RuleCheck& check = CheckFor(row);
      const Truth selected = rule_.selector ? rule_.selector->Evaluate(table_, row) : Truth::kTrue;
      if (selected == Truth::kFalse) continue;
      ++check.facts_checked;
      Truth truth = rule_.assertion->Evaluate(table_, row);
      if (truth == Truth::kTrue) continue;
      // Whether the rule applies at all is unknown: not a failure, but not a pass either.
      if (selected == Truth::kUnknown) truth = Truth::kUnknown;
      if (truth == Truth::kFalse) {
        ++check.failures;
      } else {
        ++check.errors;
      }
      const FindingStatus status =
          truth == Truth::kFalse ? FindingStatus::kFail : FindingStatus::kError;
      // Evidence that is missing has no variant: its message says what is missing.
      const RuleVariant* variant = status == FindingStatus::kFail ? VariantFor(row) : nullptr;
      if (groups_connections_) {
        Fold(row, status, variant);
      } else {
        failed_.push_back({row, status, variant});
      }
    }
    // The findings made once their number is known: a vector of findings grown one by one
    // copies them at each doubling, into memory the kernel must first clear.
    out_.findings.reserve(out_.findings.size() + failed_.size());
    for (const Failed& failed : failed_) Emit(failed.row, failed.status, failed.variant);
    for (const Group& group : groups_) {
      Finding& finding = out_.findings[group.finding];
      finding.count = group.count;
      if (group.count > 1) {
        finding.message =
            RenderMessage(rule_, MessageOf(group.variant), table_, group.row, group.count);
      }
    }
    // A rule that found nothing to check on a target did not apply there: it is no check.
    for (auto& [target, check] : checks_) {
      if (check.facts_checked > 0) out_.checks.push_back(std::move(check));
    }
  }

 private:
  struct Group {
    size_t row;      // the first fact of the group
    size_t finding;  // index in out_.findings
    std::int64_t count;
    FindingStatus status;
    const RuleVariant* variant;
  };

  // The variant a failing fact takes: the first whose condition holds.
  const RuleVariant* VariantFor(size_t row) const {
    for (const RuleVariant& variant : rule_.variants) {
      if (variant.when->Evaluate(table_, row) == Truth::kTrue) return &variant;
    }
    return nullptr;
  }

  const std::vector<MessagePart>& MessageOf(const RuleVariant* variant) const {
    return variant && variant->message ? *variant->message : rule_.message;
  }

  std::string_view Target(size_t row) const {
    const ValueId id = table_.Id(row, target_field_);
    return id == kAbsent ? std::string_view("(unknown)") : table_.pool().String(id);
  }

  // By the target's interned id: one vector lookup per row instead of a string comparison.
  RuleCheck& CheckFor(size_t row) {
    const ValueId target = table_.Id(row, target_field_);
    if (target >= check_by_target_.size()) check_by_target_.resize(target + 1, nullptr);
    RuleCheck*& check = check_by_target_[target];
    if (check == nullptr) {
      const std::string name(Target(row));
      check = &checks_.emplace(name, RuleCheck{rule_.id, name}).first->second;
    }
    return *check;
  }

  size_t Emit(size_t row, FindingStatus status, const RuleVariant* variant) {
    Finding finding;
    finding.rule_id = rule_.id;
    finding.severity = variant && variant->severity ? *variant->severity : rule_.severity;
    finding.status = status;
    finding.message = status == FindingStatus::kError
                          ? MissingEvidence(rule_, table_, row)
                          : RenderMessage(rule_, MessageOf(variant), table_, row, 1);
    finding.target = std::string(Target(row));
    const FactSource& source = table_.source(row);
    if (source.file != kAbsent) {
      finding.location =
          SourceLocation{std::string(table_.pool().String(source.file)), source.line};
    }
    finding.subject = FindingSubject{facts_, rule_.target, row, groups_connections_};
    if (pid_field_) {
      if (std::optional<std::int64_t> pid = table_.Integer(row, *pid_field_)) {
        finding.sample_pids.push_back(*pid);
      }
    }
    out_.findings.push_back(std::move(finding));
    return out_.findings.size() - 1;
  }

  // Identical connection facts become one finding: hash the identifying ids, confirm equality
  // against the group's first row (hash collisions must not merge different sessions).
  void Fold(size_t row, FindingStatus status, const RuleVariant* variant) {
    // Facts alike in every identifying field may still differ in a volatile one that a
    // variant's condition reads: they fold only within one variant.
    std::uint64_t hash =
        static_cast<std::uint64_t>(status) + 0x9e3779b97f4a7c15ull +
        (variant ? static_cast<std::uint64_t>(variant - rule_.variants.data()) + 1 : 0);
    for (size_t i = 0; i < identity_.size(); ++i) {
      hash = (hash ^ Raw(row, i)) * 0x100000001b3ull;
    }
    std::vector<size_t>& candidates = by_hash_[hash];
    for (size_t index : candidates) {
      Group& group = groups_[index];
      if (group.status != status || group.variant != variant || !SameIdentity(group.row, row)) {
        continue;
      }
      ++group.count;
      Finding& finding = out_.findings[group.finding];
      if (finding.sample_pids.size() < kSamplePids && pid_field_) {
        if (std::optional<std::int64_t> pid = table_.Integer(row, *pid_field_)) {
          finding.sample_pids.push_back(*pid);
        }
      }
      return;
    }
    candidates.push_back(groups_.size());
    groups_.push_back({row, Emit(row, status, variant), 1, status, variant});
  }

  bool SameIdentity(size_t a, size_t b) const {
    for (size_t i = 0; i < identity_.size(); ++i) {
      if (Raw(a, i) != Raw(b, i)) return false;
    }
    return true;
  }

  // The stored value of the i-th identity field: an id, or the integer's bits.
  std::uint64_t Raw(size_t row, size_t i) const {
    if (identity_integer_[i]) {
      return static_cast<std::uint64_t>(
          table_.Integer(row, identity_[i]).value_or(FactTable::kAbsentInteger));
    }
    return table_.Id(row, identity_[i]);
  }

  const Rule& rule_;
  const std::shared_ptr<const FactSet>& facts_;
  const FactTable& table_;
  Evaluation& out_;
  std::vector<size_t> identity_;
  std::vector<bool> identity_integer_;  // per identity field: stored as an integer column
  size_t target_field_;
  std::optional<size_t> pid_field_;
  bool groups_connections_;
  std::map<std::string, RuleCheck> checks_;  // std::map: stable addresses for check_by_target_
  std::vector<RuleCheck*> check_by_target_;
  std::vector<Group> groups_;
  // The facts that fail, in order, when each is a finding of its own (not folded).
  struct Failed {
    size_t row;
    FindingStatus status;
    const RuleVariant* variant;
  };
  std::vector<Failed> failed_;
  std::unordered_map<std::uint64_t, std::vector<size_t>> by_hash_;
};

}  // namespace

void AppendSummarized(std::string& message, const std::vector<std::string_view>& items) {
  const size_t shown = items.size() > kMessageListItems ? kMessageListItems - 1 : items.size();
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) message += ", ";
    message += items[i];
  }
  if (shown < items.size()) {
    message += ", and " + std::to_string(items.size() - shown) + " more (" +
               std::to_string(items.size()) + " in all)";
  }
}

std::string RenderMessage(const Rule& rule, const std::vector<MessagePart>& parts,
                          const FactTable& table, size_t row, std::int64_t count) {
  std::string message;
  for (const MessagePart& part : parts) {
    switch (part.kind) {
      case MessagePart::Kind::kText:
      case MessagePart::Kind::kParameter:
        message += part.text;
        break;
      case MessagePart::Kind::kField:
        if (table.spec().fields[part.field].type == FieldType::kStringList &&
            table.Id(row, part.field) != kAbsent) {
          const std::span<const ValueId> list = table.pool().List(table.Id(row, part.field));
          std::vector<std::string_view> items;
          items.reserve(list.size());
          for (const ValueId item : list) items.push_back(table.pool().String(item));
          AppendSummarized(message, items);
        } else {
          message += FormatField(table, row, part.field);
        }
        break;
      case MessagePart::Kind::kCount:
        message += std::to_string(count);
        break;
      case MessagePart::Kind::kOffending: {
        std::vector<std::string> offending;
        rule.assertion->CollectOffending(table, row, offending);
        AppendSummarized(message,
                         std::vector<std::string_view>(offending.begin(), offending.end()));
        break;
      }
    }
  }
  return message;
}

Evaluation Evaluate(const std::vector<const Policy*>& policies,
                    const std::shared_ptr<const FactSet>& facts) {
  std::vector<const Rule*> rules;
  for (const Policy* policy : policies) {
    for (const Rule& rule : policy->rules) rules.push_back(&rule);
  }
  // Rules are independent (each owns its predicates' memo tables; the facts are only read), so
  // they are evaluated side by side, and the results joined in rule order as if one by one.
  std::vector<Evaluation> per_rule(rules.size());
  const unsigned workers = std::clamp<unsigned>(std::thread::hardware_concurrency(), 1, 8);
  std::atomic<size_t> next_rule = 0;
  {
    const auto evaluate = [&] {
      for (size_t r; (r = next_rule.fetch_add(1)) < rules.size();) {
        RuleEvaluator(*rules[r], facts, per_rule[r]).Run();
      }
    };
    RunOnThreads(std::min<size_t>(workers, rules.size()), evaluate);
  }
  // Each finding's fingerprint (its identifying fields rendered and hashed, the costliest part of
  // a finding) is made once every rule is evaluated, in slices of all the rules' findings taken
  // side by side: made with its rule, the last large rule (a 10,000-line file's have 2,500
  // findings, 8 ms) kept one core busy after the others had finished. Emit gives every finding
  // its subject: the row the fingerprint is of.
  {
    struct Slice {
      size_t rule, begin, end;
    };
    constexpr size_t kSliceFindings = 256;
    std::vector<Slice> slices;
    std::vector<std::vector<size_t>> identities(rules.size());
    for (size_t r = 0; r < rules.size(); ++r) {
      const size_t count = per_rule[r].findings.size();
      if (count == 0) continue;
      identities[r] = IdentityFields(facts->table(rules[r]->target).spec());
      for (size_t begin = 0; begin < count; begin += kSliceFindings) {
        slices.push_back({r, begin, std::min(begin + kSliceFindings, count)});
      }
    }
    std::atomic<size_t> next_slice = 0;
    const auto fingerprint = [&] {
      for (size_t s; (s = next_slice.fetch_add(1)) < slices.size();) {
        const Slice& slice = slices[s];
        const Rule& rule = *rules[slice.rule];
        const FactTable& table = facts->table(rule.target);
        for (size_t i = slice.begin; i < slice.end; ++i) {
          Finding& finding = per_rule[slice.rule].findings[i];
          finding.fingerprint =
              Fingerprint(rule, table, finding.subject->row, identities[slice.rule]);
        }
      }
    };
    RunOnThreads(std::min<size_t>(workers, slices.size()), fingerprint);
  }
  Evaluation evaluation;
  // The findings' places sorted, by rule and index (ties keep rule order), then each finding
  // moved once, from its rule's part into its place.
  std::vector<std::pair<size_t, size_t>> order;
  size_t total = 0;
  for (const Evaluation& part : per_rule) total += part.findings.size();
  order.reserve(total);
  for (size_t r = 0; r < per_rule.size(); ++r) {
    for (size_t i = 0; i < per_rule[r].findings.size(); ++i) order.emplace_back(r, i);
  }
  const auto at = [&](const std::pair<size_t, size_t>& place) -> Finding& {
    return per_rule[place.first].findings[place.second];
  };
  std::stable_sort(order.begin(), order.end(), [&](const auto& left, const auto& right) {
    return FindingBefore(at(left), at(right));
  });
  std::vector<Finding>& findings = evaluation.findings;
  findings.reserve(order.size());
  for (const std::pair<size_t, size_t>& place : order) findings.push_back(std::move(at(place)));
  for (Evaluation& part : per_rule) {
    std::move(part.checks.begin(), part.checks.end(), std::back_inserter(evaluation.checks));
  }
  per_rule.clear();
  // The same problem twice in one target (two identical pg_hba.conf lines) keeps apart.
  // Counted over views first (no copy of each fingerprint), renamed once the views are gone.
  std::vector<int> ordinal(findings.size());
  {
    std::unordered_map<std::string_view, int> seen;
    seen.reserve(findings.size());
    for (size_t i = 0; i < findings.size(); ++i) ordinal[i] = seen[findings[i].fingerprint]++;
  }
  for (size_t i = 0; i < findings.size(); ++i) {
    if (ordinal[i] > 0) findings[i].fingerprint += "/" + std::to_string(ordinal[i] + 1);
  }
  std::sort(evaluation.checks.begin(), evaluation.checks.end(), CheckBefore);
  return evaluation;
}

}  // namespace pgward::policy
