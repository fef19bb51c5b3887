#include "engine/policy/rule_compiler.h"

#include <algorithm>
#include <map>

#include "engine/model/fact_format.h"
#include "engine/policy/predicates.h"

namespace pgward::policy {
namespace {

class RuleCompiler {
 public:
  explicit RuleCompiler(LoadContext& context) : context_(context) {}

  std::optional<Policy> Compile(PolicyDraft& draft) {
    const size_t errors_before = context_.error_count();
    Policy policy;
    policy.name = draft.name;
    policy.version = draft.version;
    policy.description = draft.description;
    policy.frameworks = draft.frameworks;
    for (const DraftParameter& parameter : draft.parameters) {
      policy.parameters.push_back(parameter.parameter);
    }
    std::map<std::string, SourcePosition> ids;
    for (const YamlNode& node : draft.rules) {
      std::optional<Rule> rule = CompileRule(node, draft);
      if (!rule) continue;
      const auto [existing, inserted] = ids.emplace(rule->id, rule->position);
      if (!inserted) {
        context_.Error(LoadErrorCode::kDuplicate, draft.file, node.Find("id")->mark(),
                       "duplicate rule id " + Quoted(rule->id) + " (first defined at line " +
                           std::to_string(existing->second.line) + ")");
        continue;
      }
      policy.rules.push_back(std::move(*rule));
    }
    if (context_.error_count() != errors_before) return std::nullopt;
    return policy;
  }

  std::optional<Rule> CompileRule(const YamlNode& node, PolicyDraft& draft) {
    const std::string& file = draft.file;
    if (!node.IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, node.mark(), "each rule must be a mapping");
      return std::nullopt;
    }
    const size_t errors_before = context_.error_count();
    Rule rule;
    rule.position = {file, node.mark().line + 1, node.mark().column + 1};
    const std::optional<std::string> id = context_.Scalar(node, "id", file, "rule");
    const std::string where = id ? "rule " + Quoted(*id) : "rule";
    context_.CheckKeys(node, Names(kRuleKeys), where, file);
    if (id) {
      const bool valid = !id->empty() && std::all_of(id->begin(), id->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
      if (!valid) {
        context_.Error(
            LoadErrorCode::kInvalidValue, file, node.Find("id")->mark(),
            "rule id " + Quoted(*id) + " may only use letters, digits, '-', '_' and '.'");
      }
      rule.id = *id;
    }
    rule.title = context_.Scalar(node, "title", file, where).value_or("");
    rule.description = context_.OptionalScalar(node, "description", file);
    rule.remediation = context_.OptionalScalar(node, "remediation", file);
    if (const std::optional<YamlNode> severity = node.Find("severity")) {
      rule.severity = context_.ParseSeverityNode(*severity, file).value_or(Severity::kInfo);
    } else {
      context_.Error(LoadErrorCode::kMissingKey, file, node.mark(),
                     "missing required key 'severity' in " + where);
    }

    const FactTypeSpec* target = nullptr;
    if (std::optional<std::string> target_name = context_.Scalar(node, "target", file, where)) {
      target = FindFactType(*target_name);
      if (target == nullptr) {
        std::vector<std::string_view> names;
        for (const FactTypeSpec& type : AllFactTypes()) names.push_back(type.name);
        context_.Error(LoadErrorCode::kUnknownName, file, node.Find("target")->mark(),
                       "unknown target " + Quoted(*target_name) + Hint(*target_name, names));
      }
    }
    if (target != nullptr) {
      rule.target = target->kind;
      if (const std::optional<YamlNode> where_node = node.Find("where")) {
        rule.selector = CompilePredicate(*where_node, *target, draft);
      }
      if (const std::optional<YamlNode> assertion = node.Find("assert")) {
        rule.assertion = CompilePredicate(*assertion, *target, draft);
      } else {
        context_.Error(LoadErrorCode::kMissingKey, file, node.mark(),
                       "missing required key 'assert' in " + where);
      }
      if (std::optional<std::string> message = context_.Scalar(node, "message", file, where)) {
        rule.message = CompileMessage(*message, node.Find("message")->mark(), *target, draft);
      }
      if (const std::optional<YamlNode> variants = node.Find("variants")) {
        rule.variants = CompileVariants(*variants, *target, where, draft);
      }
    }
    if (const std::optional<YamlNode> compliance = node.Find("compliance")) {
      if (!compliance->IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, compliance->mark(),
                       "'compliance' must map frameworks to lists of ids");
      } else {
        std::vector<std::string_view> declared;
        for (const FrameworkInfo& framework : draft.frameworks) declared.push_back(framework.id);
        for (size_t i = 0; i < compliance->size(); ++i) {
          const std::string& framework = compliance->Key(i).Scalar();
          if (!draft.frameworks.empty() && !std::ranges::binary_search(declared, framework)) {
            context_.Error(LoadErrorCode::kUnknownName, file, compliance->Key(i).mark(),
                           "compliance framework " + Quoted(framework) +
                               " is not declared in 'frameworks'" + Hint(framework, declared));
          }
          if (std::optional<std::vector<std::string>> controls = context_.ScalarList(
                  compliance->Value(i), "compliance " + Quoted(framework), file)) {
            rule.compliance[framework] = *controls;
          }
        }
      }
    }
    if (const std::optional<YamlNode> references = node.Find("references")) {
      rule.references = context_.ScalarList(*references, "'references'", file)
                            .value_or(std::vector<std::string>{});
    }
    if (context_.error_count() != errors_before) return std::nullopt;
    return rule;
  }

  std::vector<RuleVariant> CompileVariants(const YamlNode& node, const FactTypeSpec& target,
                                           const std::string& rule, PolicyDraft& draft) {
    const std::string& file = draft.file;
    std::vector<RuleVariant> variants;
    if (!node.IsSequence() || node.size() == 0) {
      context_.Error(LoadErrorCode::kWrongType, file, node.mark(),
                     "'variants' of " + rule + " must be a non-empty list");
      return variants;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const YamlNode item = node.Element(i);
      const std::string where = "a variant of " + rule;
      if (!item.IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, item.mark(),
                       where + " must be a mapping with 'when' and 'severity' or 'message'");
        continue;
      }
      context_.CheckKeys(item, Names(kVariantKeys), where, file);
      RuleVariant variant;
      if (const std::optional<YamlNode> when = item.Find("when")) {
        variant.when = CompilePredicate(*when, target, draft);
      } else {
        context_.Error(LoadErrorCode::kMissingKey, file, item.mark(),
                       "missing required key 'when' in " + where);
      }
      const std::optional<YamlNode> severity = item.Find("severity");
      if (severity) variant.severity = context_.ParseSeverityNode(*severity, file);
      const std::optional<YamlNode> message_node = item.Find("message");
      if (message_node) {
        if (std::optional<std::string> message = context_.Scalar(item, "message", file, where)) {
          variant.message = CompileMessage(*message, message_node->mark(), target, draft);
        }
      }
      if (!severity && !message_node) {
        context_.Error(LoadErrorCode::kMissingKey, file, item.mark(),
                       where + " changes nothing: give it a 'severity', a 'message' or both");
      }
      variants.push_back(std::move(variant));
    }
    return variants;
  }

  std::vector<MessagePart> CompileMessage(const std::string& text, const YamlMark& mark,
                                          const FactTypeSpec& target, PolicyDraft& draft) {
    std::vector<MessagePart> parts;
    std::string literal;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
        literal += '{';
        ++i;
        continue;
      }
      if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      if (text[i] != '{') {
        literal += text[i];
        continue;
      }
      const size_t close = text.find('}', i);
      if (close == std::string::npos) {
        context_.Error(LoadErrorCode::kInvalidValue, draft.file, mark,
                       "unterminated '{' in message (write '{{' for a brace)");
        return parts;
      }
      const std::string name = text.substr(i + 1, close - i - 1);
      if (!literal.empty()) parts.push_back({MessagePart::Kind::kText, std::move(literal), 0});
      literal.clear();
      if (name == "count") {
        parts.push_back({MessagePart::Kind::kCount, "", 0});
      } else if (name == "offending") {
        parts.push_back({MessagePart::Kind::kOffending, "", 0});
      } else if (name.rfind("param.", 0) == 0) {
        const std::string parameter_name = name.substr(6);
        if (DraftParameter* parameter = context_.FindParameter(draft, parameter_name)) {
          parts.push_back(
              {MessagePart::Kind::kParameter, ParameterValueText(parameter->parameter.value), 0});
        } else {
          context_.Error(LoadErrorCode::kUnknownName, draft.file, mark,
                         "message: " + context_.UnknownParameter(draft, parameter_name));
        }
      } else if (std::optional<size_t> field = target.FieldIndex(name)) {
        parts.push_back({MessagePart::Kind::kField, "", *field});
      } else {
        context_.Error(LoadErrorCode::kUnknownName, draft.file, mark,
                       "message: " + UnknownField(name, target));
      }
      i = close;
    }
    if (!literal.empty()) parts.push_back({MessagePart::Kind::kText, std::move(literal), 0});
    return parts;
  }

  static std::string UnknownField(const std::string& name, const FactTypeSpec& target) {
    std::vector<std::string_view> names;
    for (const FieldSpec& field : target.fields) names.push_back(field.name);
    return "unknown field " + Quoted(name) + " for target " + Quoted(target.name) +
           Hint(name, names);
  }

  // --- predicates -------------------------------------------------------------------------

  PredicatePtr CompilePredicate(const YamlNode& node, const FactTypeSpec& target,
                                PolicyDraft& draft) {
    if (!node.IsMap() || node.size() == 0) {
      context_.Error(LoadErrorCode::kWrongType, draft.file, node.mark(),
                     "a predicate must be a mapping of fields to tests, or all/any/not");
      return nullptr;
    }
    std::vector<PredicatePtr> conjuncts;
    bool ok = true;
    std::set<std::string> seen;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string& key = node.Key(i).Scalar();
      const YamlNode value = node.Value(i);
      if (!seen.insert(key).second) {
        context_.Error(LoadErrorCode::kDuplicate, draft.file, node.Key(i).mark(),
                       "duplicate key " + Quoted(key) + " in predicate");
        ok = false;
        continue;
      }
      PredicatePtr compiled;
      if (key == "all" || key == "any") {
        if (!value.IsSequence() || value.size() == 0) {
          context_.Error(LoadErrorCode::kInvalidValue, draft.file, value.mark(),
                         Quoted(key) + " needs a non-empty list");
          ok = false;
          continue;
        }
        std::vector<PredicatePtr> operands;
        for (size_t j = 0; j < value.size(); ++j) {
          PredicatePtr compiled_operand = CompilePredicate(value.Element(j), target, draft);
          ok = ok && compiled_operand != nullptr;
          operands.push_back(std::move(compiled_operand));
        }
        if (ok)
          compiled = key == "all" ? MakeAll(std::move(operands)) : MakeAny(std::move(operands));
      } else if (key == "not") {
        PredicatePtr operand = CompilePredicate(value, target, draft);
        if (operand) compiled = MakeNot(std::move(operand));
      } else if (std::optional<size_t> field = target.FieldIndex(key)) {
        compiled = CompileFieldTests(*field, target, value, draft);
      } else {
        context_.Error(LoadErrorCode::kUnknownName, draft.file, node.Key(i).mark(),
                       UnknownField(key, target));
      }
      if (!compiled) {
        ok = false;
        continue;
      }
      conjuncts.push_back(std::move(compiled));
    }
    if (!ok) return nullptr;
    return MakeAll(std::move(conjuncts));
  }

  static std::vector<std::string_view> OperatorsFor(FieldType type) {
    switch (type) {
      case FieldType::kString:
        return {"eq", "ne", "in", "not_in", "matches", "matches_any", "present", "absent"};
      case FieldType::kBool:
        return {"eq", "ne", "present", "absent"};
      case FieldType::kInteger:
      case FieldType::kTimestamp:
      case FieldType::kTlsVersion:
        return {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "present", "absent"};
      case FieldType::kAddress:
        return {"within", "present", "absent"};
      case FieldType::kRange:
        return {"within", "overlaps", "present", "absent"};
      case FieldType::kStringList:
        return {"contains",  "contains_any", "admits_any", "admits_every", "all_in", "any_matches",
                "all_match", "all_within",   "empty",      "present",      "absent"};
    }
    return {};
  }

  // `field: {op: operand, ...}`: every test must hold.
  PredicatePtr CompileFieldTests(size_t field, const FactTypeSpec& target, const YamlNode& tests,
                                 PolicyDraft& draft) {
    const FieldSpec& spec = target.fields[field];
    const std::vector<std::string_view> operators = OperatorsFor(spec.type);
    if (!tests.IsMap() || tests.size() == 0) {
      context_.Error(LoadErrorCode::kWrongType, draft.file, tests.mark(),
                     "field " + Quoted(spec.name) + " needs a mapping of tests, e.g. {eq: ...}");
      return nullptr;
    }
    std::vector<PredicatePtr> compiled;
    bool ok = true;
    for (size_t i = 0; i < tests.size(); ++i) {
      const std::string& op = tests.Key(i).Scalar();
      if (std::find(operators.begin(), operators.end(), op) == operators.end()) {
        std::string list;
        for (std::string_view name : operators)
          list += (list.empty() ? "" : ", ") + std::string(name);
        context_.Error(LoadErrorCode::kUnknownName, draft.file, tests.Key(i).mark(),
                       "operator " + Quoted(op) + " does not apply to " +
                           std::string(FieldTypeName(spec.type)) + " field " + Quoted(spec.name) +
                           " (operators: " + list + ")" + Hint(op, operators));
        ok = false;
        continue;
      }
      PredicatePtr test = CompileTest(field, spec, op, tests.Value(i), draft);
      if (!test) {
        ok = false;
        continue;
      }
      compiled.push_back(std::move(test));
    }
    if (!ok) return nullptr;
    return MakeAll(std::move(compiled));
  }

  // The operand of a test: a literal, or {param: NAME} of a compatible type.
  std::optional<ParameterValue> Operand(const YamlNode& node, ParameterType type,
                                        const std::string& what, PolicyDraft& draft) {
    if (const std::optional<YamlNode> reference = node.Find("param")) {
      if (node.size() != 1 || !reference->IsScalar()) {
        context_.Error(LoadErrorCode::kWrongType, draft.file, node.mark(),
                       "a parameter reference is written {param: NAME}");
        return std::nullopt;
      }
      const std::string& name = reference->Scalar();
      DraftParameter* parameter = context_.FindParameter(draft, name);
      if (parameter == nullptr) {
        context_.Error(LoadErrorCode::kUnknownName, draft.file, reference->mark(),
                       context_.UnknownParameter(draft, name));
        return std::nullopt;
      }
      const ParameterType actual = parameter->parameter.type;
      const bool compatible = actual == type || (type == ParameterType::kStringList &&
                                                 actual == ParameterType::kCidrList);
      if (!compatible) {
        context_.Error(LoadErrorCode::kWrongType, draft.file, reference->mark(),
                       "parameter " + Quoted(name) + " is a " +
                           std::string(ParameterTypeName(actual)) + ", but " + what + " needs a " +
                           std::string(ParameterTypeName(type)));
        return std::nullopt;
      }
      return parameter->parameter.value;
    }
    return context_.ParseValue(type, node, what, draft.file);
  }

  PredicatePtr CompileTest(size_t field, const FieldSpec& spec, const std::string& op,
                           const YamlNode& operand, PolicyDraft& draft) {
    const std::string what = Quoted(std::string(spec.name) + "." + op);
    const bool integer_column =
        spec.type == FieldType::kInteger || spec.type == FieldType::kTimestamp;
    if (op == "present" || op == "absent") {
      std::optional<ParameterValue> value = Operand(operand, ParameterType::kBool, what, draft);
      if (!value) return nullptr;
      const bool want_present = std::get<bool>(*value) == (op == "present");
      return MakePresence(field, integer_column, want_present);
    }
    const bool is_list_op = op == "in" || op == "not_in";
    switch (spec.type) {
      case FieldType::kString: {
        if (op == "matches" || op == "matches_any") {
          return CompileRegexTest(
              operand, op == "matches" ? ParameterType::kString : ParameterType::kStringList, what,
              draft, [&](std::unique_ptr<RE2::Set> set) {
                return MakeStringMatches(field, std::move(set));
              });
        }
        const ParameterType type = is_list_op ? ParameterType::kStringList : ParameterType::kString;
        std::optional<ParameterValue> value = Operand(operand, type, what, draft);
        if (!value) return nullptr;
        std::vector<std::string> values =
            is_list_op ? std::get<std::vector<std::string>>(*value)
                       : std::vector<std::string>{std::get<std::string>(*value)};
        return MakeStringIn(field, std::move(values), op == "ne" || op == "not_in");
      }
      case FieldType::kBool: {
        std::optional<ParameterValue> value = Operand(operand, ParameterType::kBool, what, draft);
        if (!value) return nullptr;
        return MakeBoolEquals(field, std::get<bool>(*value) == (op == "eq"));
      }
      case FieldType::kInteger:
      case FieldType::kTimestamp:
        return CompileIntegerTest(field, spec, op, operand, what, draft);
      case FieldType::kTlsVersion: {
        if (is_list_op) {
          std::optional<ParameterValue> value =
              Operand(operand, ParameterType::kStringList, what, draft);
          if (!value) return nullptr;
          std::vector<TlsVersion> versions;
          for (const std::string& name : std::get<std::vector<std::string>>(*value)) {
            std::optional<ParameterValue> version = context_.ParseScalarValue(
                ParameterType::kTlsVersion, name, what, draft.file, operand.mark());
            if (!version) return nullptr;
            versions.push_back(std::get<TlsVersion>(*version));
          }
          return MakeTlsIn(field, std::move(versions), op == "not_in");
        }
        std::optional<ParameterValue> value =
            Operand(operand, ParameterType::kTlsVersion, what, draft);
        if (!value) return nullptr;
        return MakeTlsCompare(field, ToComparison(op), std::get<TlsVersion>(*value));
      }
      case FieldType::kAddress:
      case FieldType::kRange: {
        std::optional<ParameterValue> value =
            Operand(operand, ParameterType::kCidrList, what, draft);
        if (!value) return nullptr;
        std::vector<IpRange> ranges;
        for (const std::string& cidr : std::get<std::vector<std::string>>(*value)) {
          std::optional<IpRange> range = ParseIpRange(cidr);
          if (!range) {  // a string_list parameter passed where CIDRs are needed
            context_.Error(LoadErrorCode::kInvalidValue, draft.file, operand.mark(),
                           "invalid CIDR " + Quoted(cidr) + " in " + what);
            return nullptr;
          }
          ranges.push_back(*range);
        }
        if (spec.type == FieldType::kAddress) return MakeAddressWithin(field, std::move(ranges));
        if (op == "within") return MakeRangeWithin(field, std::move(ranges));
        return MakeRangeOverlaps(field, std::move(ranges));
      }
      case FieldType::kStringList: {
        if (op == "empty") {
          std::optional<ParameterValue> value = Operand(operand, ParameterType::kBool, what, draft);
          if (!value) return nullptr;
          return MakeListEmpty(field, std::get<bool>(*value));
        }
        if (op == "all_within") {
          std::optional<ParameterValue> value =
              Operand(operand, ParameterType::kCidrList, what, draft);
          if (!value) return nullptr;
          std::vector<IpRange> ranges;
          for (const std::string& cidr : std::get<std::vector<std::string>>(*value)) {
            std::optional<IpRange> range = ParseIpRange(cidr);
            if (!range) {
              context_.Error(LoadErrorCode::kInvalidValue, draft.file, operand.mark(),
                             "invalid CIDR " + Quoted(cidr) + " in " + what);
              return nullptr;
            }
            ranges.push_back(*range);
          }
          return MakeListAllWithin(field, std::move(ranges));
        }
        if (op == "any_matches" || op == "all_match") {
          return CompileRegexTest(
              operand, ParameterType::kStringList, what, draft, [&](std::unique_ptr<RE2::Set> set) {
                return op == "any_matches" ? MakeListAnyMatches(field, std::move(set))
                                           : MakeListAllMatch(field, std::move(set));
              });
        }
        const ParameterType type =
            op == "contains" ? ParameterType::kString : ParameterType::kStringList;
        std::optional<ParameterValue> value = Operand(operand, type, what, draft);
        if (!value) return nullptr;
        std::vector<std::string> values =
            op == "contains" ? std::vector<std::string>{std::get<std::string>(*value)}
                             : std::get<std::vector<std::string>>(*value);
        if (op == "all_in") return MakeListAllIn(field, std::move(values));
        if (op == "admits_any") return MakeListAdmitsAny(field, std::move(values));
        if (op == "admits_every") {
          // Every one of no names is admitted by any field: the test would hold for all.
          if (values.empty()) {
            context_.Error(LoadErrorCode::kInvalidValue, draft.file, operand.mark(),
                           what + " needs at least one name");
            return nullptr;
          }
          return MakeListAdmitsEvery(field, std::move(values));
        }
        return MakeListContainsAny(field, std::move(values));
      }
    }
    return nullptr;
  }

  PredicatePtr CompileRegexTest(
      const YamlNode& operand, ParameterType type, const std::string& what, PolicyDraft& draft,
      const std::function<PredicatePtr(std::unique_ptr<RE2::Set>)>& make) {
    std::optional<ParameterValue> value = Operand(operand, type, what, draft);
    if (!value) return nullptr;
    std::vector<std::string> patterns =
        type == ParameterType::kString ? std::vector<std::string>{std::get<std::string>(*value)}
                                       : std::get<std::vector<std::string>>(*value);
    CompiledPatterns compiled = CompilePatterns(patterns);
    if (!compiled.set) {
      const std::string message = "invalid regular expression " +
                                  Quoted(patterns[compiled.failed_pattern]) + " in " + what + ": " +
                                  compiled.error;
      // A parameter's pattern is reported where its value was given (--set, a values file).
      if (const std::optional<YamlNode> reference = operand.Find("param")) {
        const DraftParameter* parameter = context_.FindParameter(draft, reference->Scalar());
        context_.Error(LoadErrorCode::kInvalidValue, parameter->value_file, parameter->value_mark,
                       "parameter " + Quoted(parameter->parameter.name) + ": " + message);
        return nullptr;
      }
      const YamlNode at = operand.IsSequence() && compiled.failed_pattern < operand.size()
                              ? operand.Element(compiled.failed_pattern)
                              : operand;
      context_.Error(LoadErrorCode::kInvalidValue, draft.file, at.mark(), message);
      return nullptr;
    }
    return make(std::move(compiled.set));
  }

  PredicatePtr CompileIntegerTest(size_t field, const FieldSpec& spec, const std::string& op,
                                  const YamlNode& operand, const std::string& what,
                                  PolicyDraft& draft) {
    // Timestamps take dates ("2026-01-31") as well as seconds since the epoch.
    auto to_integer = [&](const std::string& text) -> std::optional<std::int64_t> {
      if (spec.type == FieldType::kTimestamp) {
        if (std::optional<std::int64_t> seconds = ParseTimestamp(text)) return seconds;
      }
      std::optional<ParameterValue> value = context_.ParseScalarValue(
          ParameterType::kInteger, text, what, draft.file, operand.mark());
      if (!value) return std::nullopt;
      return std::get<std::int64_t>(*value);
    };
    if (op == "in" || op == "not_in") {
      std::optional<ParameterValue> value =
          Operand(operand, ParameterType::kStringList, what, draft);
      if (!value) return nullptr;
      std::vector<std::int64_t> values;
      for (const std::string& text : std::get<std::vector<std::string>>(*value)) {
        std::optional<std::int64_t> number = to_integer(text);
        if (!number) return nullptr;
        values.push_back(*number);
      }
      return MakeIntegerIn(field, std::move(values), op == "not_in");
    }
    std::optional<std::int64_t> number;
    if (operand.IsMap()) {
      std::optional<ParameterValue> value = Operand(operand, ParameterType::kInteger, what, draft);
      if (!value) return nullptr;
      number = std::get<std::int64_t>(*value);
    } else if (operand.IsScalar()) {
      number = to_integer(operand.Scalar());
    } else {
      context_.Error(LoadErrorCode::kWrongType, draft.file, operand.mark(),
                     what + " must be a number");
    }
    if (!number) return nullptr;
    return MakeIntegerCompare(field, ToComparison(op), *number);
  }

  static Comparison ToComparison(const std::string& op) {
    if (op == "ne") return Comparison::kNe;
    if (op == "lt") return Comparison::kLt;
    if (op == "le") return Comparison::kLe;
    if (op == "gt") return Comparison::kGt;
    if (op == "ge") return Comparison::kGe;
    return Comparison::kEq;
  }

 private:
  LoadContext& context_;
};

}  // namespace

std::optional<Policy> CompilePolicy(LoadContext& context, PolicyDraft& draft) {
  return RuleCompiler(context).Compile(draft);
}

}  // namespace pgward::policy
