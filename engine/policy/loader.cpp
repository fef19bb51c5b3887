#include "engine/policy/loader.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "engine/core/redact.h"
#include "engine/policy/builtin.h"
#include "engine/policy/load_context.h"
#include "engine/policy/parameter_values.h"
#include "engine/policy/policy_reader.h"
#include "engine/policy/rule_compiler.h"

namespace pgward::policy {

std::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kBool:
      return "bool";
    case ParameterType::kInteger:
      return "integer";
    case ParameterType::kString:
      return "string";
    case ParameterType::kTlsVersion:
      return "tls_version";
    case ParameterType::kStringList:
      return "string_list";
    case ParameterType::kCidrList:
      return "cidr_list";
  }
  return "";
}

RuleInfo RuleInfoOf(const Rule& rule, const std::string& policy) {
  std::vector<Severity> variant_severities;
  for (const RuleVariant& variant : rule.variants) {
    if (variant.severity && *variant.severity != rule.severity) {
      variant_severities.push_back(*variant.severity);
    }
  }
  std::sort(variant_severities.begin(), variant_severities.end());
  variant_severities.erase(std::unique(variant_severities.begin(), variant_severities.end()),
                           variant_severities.end());
  return RuleInfo{rule.id,
                  rule.title,
                  rule.description,
                  rule.severity,
                  std::string(FactType(rule.target).name),
                  rule.remediation,
                  rule.compliance,
                  rule.references,
                  policy,
                  std::move(variant_severities)};
}

std::string ParameterValueText(const ParameterValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, TlsVersion>) {
          return std::string(TlsVersionName(v));
        } else {
          std::string joined;
          for (const std::string& item : v) joined += (joined.empty() ? "" : ", ") + item;
          return joined;
        }
      },
      value);
}

std::string_view LoadErrorCodeName(LoadErrorCode code) {
  switch (code) {
    case LoadErrorCode::kUnreadable:
      return "unreadable";
    case LoadErrorCode::kInvalidYaml:
      return "invalid_yaml";
    case LoadErrorCode::kUnsupported:
      return "unsupported";
    case LoadErrorCode::kMissingKey:
      return "missing_key";
    case LoadErrorCode::kUnknownKey:
      return "unknown_key";
    case LoadErrorCode::kDuplicate:
      return "duplicate";
    case LoadErrorCode::kWrongType:
      return "wrong_type";
    case LoadErrorCode::kUnknownName:
      return "unknown_name";
    case LoadErrorCode::kInvalidValue:
      return "invalid_value";
  }
  return "";
}

std::string LoadError::ToString() const {
  // Paths and values come from the command line and files: they can hold secrets.
  if (position.line == 0) return RedactSecrets(position.file + ": " + message);
  return RedactSecrets(position.file + ":" + std::to_string(position.line) + ":" +
                       std::to_string(position.column) + ": " + message);
}

namespace {

// A pack of one's own may tune the built-in rules wherever pgward is installed:
// `policy: pgward:catalog.yaml` is rules/catalog.yaml as compiled into the binary.
constexpr std::string_view kBuiltinPrefix = "pgward:";

InputFile ReadFromDiskOrBuiltin(const std::string& path) {
  if (path.starts_with(kBuiltinPrefix)) {
    return ReadBuiltinFile("rules/" + path.substr(kBuiltinPrefix.size()));
  }
  return ReadFromDisk(path);
}

// The stages in order, for a Policy or a Pack (whose policy is read and settled first, then its
// rules selected and their severities tuned).
class Loader {
 public:
  Loader(FileReader reader, const ParameterOverrides& overrides)
      : context_(std::move(reader)), overrides_(overrides) {}

  LoadResult Load(const std::string& path, const std::optional<std::string>& text) {
    LoadResult result;
    std::optional<YamlNode> root = context_.Parse(path, text);
    if (root) {
      const std::string kind = context_.Scalar(*root, "kind", path).value_or("");
      if (kind == "Pack") {
        result.policy = LoadPack(*root, path);
      } else if (kind == "Policy") {
        std::optional<PolicyDraft> draft = ReadPolicy(context_, *root, path);
        if (draft) {
          ApplyOverrides(context_, *draft, overrides_);
          result.policy = CompilePolicy(context_, *draft);
        }
      }
    }
    result.errors = context_.TakeErrors();
    if (!result.errors.empty()) result.policy.reset();
    return result;
  }

  std::optional<Policy> LoadPack(const YamlNode& root, const std::string& file) {
    context_.CheckKeys(root, Names(kPackKeys), "a Pack", file);
    Policy metadata;
    ReadMetadata(context_, root, file, metadata.name, metadata.version, metadata.description);
    const std::optional<std::string> policy_reference = context_.Scalar(root, "policy", file);
    if (!policy_reference) return std::nullopt;
    // Relative to the pack, like an include; or pgward:NAME, a built-in file.
    const std::string policy_path =
        policy_reference->starts_with(kBuiltinPrefix)
            ? *policy_reference
            : (std::filesystem::path(file).parent_path() / *policy_reference)
                  .lexically_normal()
                  .string();
    std::optional<YamlNode> policy_root = context_.Parse(policy_path, std::nullopt);
    if (!policy_root) return std::nullopt;
    if (policy_root->Find("kind")->Scalar() != "Policy") {
      context_.Error(LoadErrorCode::kWrongType, file, root.Find("policy")->mark(),
                     "'policy' must name a file of kind Policy");
      return std::nullopt;
    }
    std::optional<PolicyDraft> draft = ReadPolicy(context_, *policy_root, policy_path);
    if (!draft) return std::nullopt;
    if (const std::optional<YamlNode> values = root.Find("parameters")) {
      ApplyValues(context_, *draft, *values, file);
    }
    ApplyOverrides(context_, *draft, overrides_);
    std::optional<Policy> policy = CompilePolicy(context_, *draft);
    if (!policy) return std::nullopt;

    std::map<std::string, Rule> by_id;
    std::vector<std::string> order;
    for (Rule& rule : policy->rules) {
      order.push_back(rule.id);
      by_id.emplace(rule.id, std::move(rule));
    }
    std::vector<std::string_view> ids(order.begin(), order.end());
    // `rules` keeps the rules it names, `exclude` drops those it names: each id must be known.
    const auto named_rules = [&](const YamlNode& list,
                                 const char* key) -> std::optional<std::set<std::string>> {
      std::optional<std::vector<std::string>> named =
          context_.ScalarList(list, "'" + std::string(key) + "'", file);
      if (!named) return std::nullopt;
      for (size_t i = 0; i < named->size(); ++i) {
        if (!by_id.contains((*named)[i])) {
          context_.Error(
              LoadErrorCode::kUnknownName, file, list.Element(i).mark(),
              "unknown rule id " + Quoted((*named)[i]) + " in pack" + Hint((*named)[i], ids));
        }
      }
      return std::set<std::string>(named->begin(), named->end());
    };
    if (const std::optional<YamlNode> rules = root.Find("rules")) {
      const std::optional<std::set<std::string>> keep = named_rules(*rules, "rules");
      if (!keep) return std::nullopt;
      std::erase_if(order, [&](const std::string& id) { return !keep->contains(id); });
    }
    if (const std::optional<YamlNode> exclude = root.Find("exclude")) {
      const std::optional<std::set<std::string>> drop = named_rules(*exclude, "exclude");
      if (!drop) return std::nullopt;
      std::erase_if(order, [&](const std::string& id) { return drop->contains(id); });
    }
    if (const std::optional<YamlNode> severities = root.Find("severities")) {
      if (!severities->IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, severities->mark(),
                       "'severities' must map rule ids to severities");
      } else {
        for (size_t i = 0; i < severities->size(); ++i) {
          const std::string& id = severities->Key(i).Scalar();
          auto rule = by_id.find(id);
          if (rule == by_id.end()) {
            context_.Error(LoadErrorCode::kUnknownName, file, severities->Key(i).mark(),
                           "unknown rule id " + Quoted(id) + Hint(id, ids));
            continue;
          }
          // The pack decides the rule's severity, its variants' included: a variant must not
          // lower a finding below what the pack asked for (--fail-on would pass it).
          if (std::optional<Severity> severity =
                  context_.ParseSeverityNode(severities->Value(i), file)) {
            rule->second.severity = *severity;
            for (RuleVariant& variant : rule->second.variants) variant.severity.reset();
          }
        }
      }
    }
    if (!(context_.error_count() == 0)) return std::nullopt;
    Policy pack;
    pack.name = metadata.name;
    pack.version = metadata.version;
    pack.description = metadata.description;
    pack.parameters = std::move(policy->parameters);
    pack.frameworks = std::move(policy->frameworks);
    for (const std::string& id : order) pack.rules.push_back(std::move(by_id.at(id)));
    return pack;
  }

 private:
  LoadContext context_;
  const ParameterOverrides& overrides_;
};

}  // namespace

LoadResult LoadPolicyFile(const std::string& path, const ParameterOverrides& overrides) {
  return Loader(ReadFromDiskOrBuiltin, overrides).Load(path, std::nullopt);
}

LoadResult LoadPolicyText(const std::string& text, const std::string& path,
                          const ParameterOverrides& overrides) {
  return Loader(ReadFromDiskOrBuiltin, overrides).Load(path, text);
}

LoadResult LoadPolicyFrom(const FileReader& reader, const std::string& path,
                          const ParameterOverrides& overrides) {
  return Loader(reader, overrides).Load(path, std::nullopt);
}

}  // namespace pgward::policy
