#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/findings/finding.h"
#include "engine/findings/report.h"
#include "engine/model/fact_schema.h"
#include "engine/model/tls_version.h"
#include "engine/policy/predicate.h"

namespace pgward::policy {

enum class ParameterType { kBool, kInteger, kString, kTlsVersion, kStringList, kCidrList };

std::string_view ParameterTypeName(ParameterType type);

using ParameterValue =
    std::variant<bool, std::int64_t, std::string, TlsVersion, std::vector<std::string>>;

// A value as text: lists comma-separated ("a, b"), TLS versions by name.
std::string ParameterValueText(const ParameterValue& value);

struct Parameter {
  std::string name;
  ParameterType type = ParameterType::kString;
  ParameterValue value;  // the default, or the value a pack, values file or --set gave it
  std::string description;
  std::optional<std::int64_t> minimum;  // integer parameters: the values allowed
  std::optional<std::int64_t> maximum;
};

// Where something was written: "file:line:column" in errors, file and line in findings.
struct SourcePosition {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// A piece of a message template: literal text, the value of a field or parameter, the number
// of facts folded into the finding ({count}), or the list elements that failed ({offending}).
struct MessagePart {
  enum class Kind { kText, kField, kParameter, kCount, kOffending } kind = Kind::kText;
  std::string text;  // literal text, or the parameter's rendered value
  size_t field = 0;  // kField
};

// Another severity or message for the failing facts that match `when`: md5 on a server that
// deprecates it is worse than md5 on one that does not.
struct RuleVariant {
  PredicatePtr when;
  std::optional<Severity> severity;                 // absent: the rule's
  std::optional<std::vector<MessagePart>> message;  // absent: the rule's
};

struct Rule {
  std::string id;
  std::string title;
  std::string description;
  Severity severity = Severity::kMedium;
  FactKind target = FactKind::kConnection;
  PredicatePtr selector;   // which facts the rule applies to; null: all of them
  PredicatePtr assertion;  // what must hold for each of them
  std::vector<MessagePart> message;
  // The first variant whose `when` holds on a failing fact gives its finding's severity and
  // message; a fact that matches none keeps the rule's.
  std::vector<RuleVariant> variants;
  std::string remediation;
  std::map<std::string, std::vector<std::string>> compliance;
  std::vector<std::string> references;
  SourcePosition position;  // where the rule is defined
};

struct Policy {
  std::string name;
  std::string version;
  std::string description;
  // The compliance frameworks its rules map to, by id; a pack has its policy's.
  std::vector<FrameworkInfo> frameworks;
  std::vector<Parameter> parameters;
  std::vector<Rule> rules;  // in definition order
};

// What reports say about a rule of the policy named `policy`.
RuleInfo RuleInfoOf(const Rule& rule, const std::string& policy);

}  // namespace pgward::policy
