#include "engine/policy/loader.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "engine/core/redact.h"
#include "engine/core/suggest.h"
#include "engine/core/yaml_document.h"
#include "engine/model/fact_format.h"
#include "engine/policy/predicates.h"

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

std::string LoadError::ToString() const {
  // Paths and values come from the command line and files: they can hold secrets.
  if (position.line == 0) return RedactSecrets(position.file + ": " + message);
  return RedactSecrets(position.file + ":" + std::to_string(position.line) + ":" +
                       std::to_string(position.column) + ": " + message);
}

namespace {

constexpr std::string_view kApiVersion = "pgward/v1";

constexpr std::string_view kPolicyKeys[] = {"apiVersion", "kind",       "metadata",
                                            "parameters", "frameworks", "rules"};
constexpr std::string_view kFrameworkKeys[] = {"title", "version", "organization"};
constexpr std::string_view kPackKeys[] = {"apiVersion", "kind",       "metadata",  "policy",
                                          "rules",      "parameters", "severities"};
constexpr std::string_view kMetadataKeys[] = {"name", "version", "description"};
constexpr std::string_view kParameterKeys[] = {"type", "default", "description", "minimum",
                                               "maximum"};
constexpr std::string_view kRuleKeys[] = {"id",          "title",      "description", "severity",
                                          "target",      "where",      "assert",      "message",
                                          "remediation", "compliance", "references"};
constexpr std::string_view kParameterTypeNames[] = {"bool",        "integer",     "string",
                                                    "tls_version", "string_list", "cidr_list"};
constexpr std::string_view kSeverityNames[] = {"info", "low", "medium", "high", "critical"};
constexpr std::string_view kTlsVersionNames[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

InputFile ReadFromDisk(const std::string& path) {
  return ReadInputFile(path, kDefaultMaxConfigBytes);
}

template <size_t N>
std::span<const std::string_view> Names(const std::string_view (&names)[N]) {
  return std::span<const std::string_view>(names, N);
}

std::string Hint(std::string_view word, std::span<const std::string_view> candidates) {
  if (std::optional<std::string> match = ClosestMatch(word, candidates)) {
    return " (did you mean '" + *match + "'?)";
  }
  return "";
}

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A parameter while its value is still being settled (defaults, pack, values files, --set).
struct DraftParameter {
  Parameter parameter;
  YAML::Mark mark;
  // Where the value was last set (the default, a pack, a values file, --set): errors that the
  // value causes later, such as a pattern RE2 rejects, point there.
  std::string value_file;
  YAML::Mark value_mark = YAML::Mark::null_mark();
};

// A Policy document read and checked, with its rules kept as YAML until parameters are final.
struct PolicyDraft {
  std::string file;
  std::string name, version, description;
  std::vector<DraftParameter> parameters;
  std::vector<FrameworkInfo> frameworks;  // sorted by id
  std::vector<YAML::Node> rules;
};

class Loader {
 public:
  Loader(FileReader reader, const ParameterOverrides& overrides)
      : reader_(std::move(reader)), overrides_(overrides) {}

  LoadResult Load(const std::string& path, const std::optional<std::string>& text) {
    LoadResult result;
    std::optional<YAML::Node> root = Parse(path, text);
    if (root) {
      const std::string kind = Scalar(*root, "kind", path).value_or("");
      if (kind == "Pack") {
        result.policy = LoadPack(*root, path);
      } else if (kind == "Policy") {
        std::optional<PolicyDraft> draft = ReadPolicy(*root, path);
        if (draft) {
          ApplyOverrides(*draft);
          result.policy = Compile(*draft);
        }
      }
    }
    result.errors = std::move(errors_);
    if (!result.errors.empty()) result.policy.reset();
    return result;
  }

 private:
  // --- errors ---------------------------------------------------------------------------

  void Error(const std::string& file, const YAML::Mark& mark, std::string message) {
    SourcePosition position{file, 0, 0};
    if (!mark.is_null()) {
      position.line = mark.line + 1;
      position.column = mark.column + 1;
    }
    errors_.push_back({position, std::move(message)});
  }

  // --- YAML shape helpers ---------------------------------------------------------------

  std::optional<YAML::Node> Parse(const std::string& path, const std::optional<std::string>& text) {
    const size_t errors_before = errors_.size();
    InputFile file = text ? InputFile{*text, std::nullopt} : reader_(path);
    if (file.error) {
      Error(path, YAML::Mark::null_mark(), "cannot read the file: " + *file.error);
      return std::nullopt;
    }
    const std::optional<std::string> content = std::move(file.contents);
    try {
      YAML::Node root = LoadYamlDocument(*content);
      if (!root.IsMap()) {
        Error(path, root.Mark(), "a policy file must be a mapping with apiVersion and kind");
        return std::nullopt;
      }
      const std::optional<std::string> api = Scalar(root, "apiVersion", path);
      if (api && *api != kApiVersion) {
        Error(path, root["apiVersion"].Mark(),
              "unsupported apiVersion " + Quoted(*api) + " (expected " + Quoted(kApiVersion) + ")");
      }
      const std::optional<std::string> kind = Scalar(root, "kind", path);
      if (kind && *kind != "Policy" && *kind != "Pack") {
        Error(path, root["kind"].Mark(),
              "unknown kind " + Quoted(*kind) + " (expected 'Policy' or 'Pack')" +
                  Hint(*kind, std::vector<std::string_view>{"Policy", "Pack"}));
      }
      if (!api || !kind || errors_.size() != errors_before) return std::nullopt;
      return root;
    } catch (const YAML::Exception& error) {
      Error(path, error.mark, "invalid YAML: " + error.msg);
      return std::nullopt;
    }
  }

  // YAML itself allows a key twice (the later one silently wins): an error here.
  void CheckDuplicateKeys(const YAML::Node& map, const std::string& where,
                          const std::string& file) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!seen.insert(it->first.Scalar()).second) {
        Error(file, it->first.Mark(),
              "duplicate key " + Quoted(it->first.Scalar()) + " in " + where);
      }
    }
  }

  // Reports keys outside `allowed` (with a suggestion) and keys given twice.
  void CheckKeys(const YAML::Node& map, std::span<const std::string_view> allowed,
                 const std::string& where, const std::string& file) {
    CheckDuplicateKeys(map, where, file);
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(file, it->first.Mark(),
              "unknown key " + Quoted(key) + " in " + where + Hint(key, allowed));
      }
    }
  }

  // A required scalar string.
  std::optional<std::string> Scalar(const YAML::Node& map, const std::string& key,
                                    const std::string& file, const std::string& where = "") {
    const YAML::Node node = map[key];
    if (!node) {
      Error(file, map.Mark(),
            "missing required key " + Quoted(key) + (where.empty() ? "" : " in " + where));
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      Error(file, node.Mark(), Quoted(key) + " must be a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::string OptionalScalar(const YAML::Node& map, const std::string& key,
                             const std::string& file) {
    const YAML::Node node = map[key];
    if (!node) return "";
    if (!node.IsScalar()) {
      Error(file, node.Mark(), Quoted(key) + " must be a string");
      return "";
    }
    return node.Scalar();
  }

  std::optional<std::vector<std::string>> ScalarList(const YAML::Node& node,
                                                     const std::string& what,
                                                     const std::string& file) {
    if (!node.IsSequence()) {
      Error(file, node.Mark(), what + " must be a list");
      return std::nullopt;
    }
    std::vector<std::string> values;
    for (const YAML::Node& element : node) {
      if (!element.IsScalar()) {
        Error(file, element.Mark(), "each entry of " + what + " must be a string");
        return std::nullopt;
      }
      values.push_back(element.Scalar());
    }
    return values;
  }

  // --- parameters -------------------------------------------------------------------------

  std::optional<ParameterValue> ParseValue(ParameterType type, const YAML::Node& node,
                                           const std::string& what, const std::string& file) {
    auto expect_scalar = [&]() {
      if (node.IsScalar()) return true;
      Error(file, node.Mark(), what + " must be a " + std::string(ParameterTypeName(type)));
      return false;
    };
    switch (type) {
      case ParameterType::kBool:
      case ParameterType::kInteger:
      case ParameterType::kString:
      case ParameterType::kTlsVersion:
        if (!expect_scalar()) return std::nullopt;
        return ParseScalarValue(type, node.Scalar(), what, file, node.Mark());
      case ParameterType::kStringList:
      case ParameterType::kCidrList: {
        std::optional<std::vector<std::string>> list = ScalarList(node, what, file);
        if (!list) return std::nullopt;
        if (type == ParameterType::kCidrList) {
          for (size_t i = 0; i < list->size(); ++i) {
            if (!ParseIpRange((*list)[i])) {
              Error(file, node[i].Mark(),
                    "invalid CIDR " + Quoted((*list)[i]) + " in " + what +
                        " (expected an address or address/prefix, e.g. 10.0.0.0/8)");
              return std::nullopt;
            }
          }
        }
        return *list;
      }
    }
    return std::nullopt;
  }

  std::optional<ParameterValue> ParseScalarValue(ParameterType type, const std::string& text,
                                                 const std::string& what, const std::string& file,
                                                 const YAML::Mark& mark) {
    switch (type) {
      case ParameterType::kBool:
        if (text == "true") return true;
        if (text == "false") return false;
        Error(file, mark, what + " must be true or false, not " + Quoted(text));
        return std::nullopt;
      case ParameterType::kInteger: {
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
          Error(file, mark, what + " must be an integer, not " + Quoted(text));
          return std::nullopt;
        }
        return value;
      }
      case ParameterType::kString:
        return text;
      case ParameterType::kTlsVersion:
        if (std::optional<TlsVersion> version = ParseTlsVersion(text)) return *version;
        Error(file, mark,
              "unknown TLS version " + Quoted(text) + " in " + what +
                  " (TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)" + Hint(text, Names(kTlsVersionNames)));
        return std::nullopt;
      case ParameterType::kStringList:
      case ParameterType::kCidrList: {
        // On the command line a list is comma-separated.
        std::vector<std::string> values;
        std::stringstream stream(text);
        for (std::string item; std::getline(stream, item, ',');) {
          const size_t first = item.find_first_not_of(' ');
          const size_t last = item.find_last_not_of(' ');
          if (first == std::string::npos) continue;
          values.push_back(item.substr(first, last - first + 1));
          if (type == ParameterType::kCidrList && !ParseIpRange(values.back())) {
            Error(file, mark, "invalid CIDR " + Quoted(values.back()) + " in " + what);
            return std::nullopt;
          }
        }
        return values;
      }
    }
    return std::nullopt;
  }

  void ReadParameters(const YAML::Node& node, const std::string& file, PolicyDraft& draft) {
    if (!node) return;
    if (!node.IsMap()) {
      Error(file, node.Mark(), "'parameters' must be a mapping of name to definition");
      return;
    }
    CheckDuplicateKeys(node, "parameters", file);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.Scalar();
      const YAML::Node definition = it->second;
      const std::string where = "parameter " + Quoted(name);
      if (!definition.IsMap()) {
        Error(file, definition.Mark(), where + " must be a mapping with type and default");
        continue;
      }
      CheckKeys(definition, Names(kParameterKeys), where, file);
      const std::optional<std::string> type_name = Scalar(definition, "type", file, where);
      if (!type_name) continue;
      std::optional<ParameterType> type;
      for (size_t i = 0; i < std::size(kParameterTypeNames); ++i) {
        if (kParameterTypeNames[i] == *type_name) type = static_cast<ParameterType>(i);
      }
      if (!type) {
        Error(file, definition["type"].Mark(),
              "unknown parameter type " + Quoted(*type_name) +
                  Hint(*type_name, Names(kParameterTypeNames)));
        continue;
      }
      if (!definition["default"]) {
        Error(file, definition.Mark(), "missing required key 'default' in " + where);
        continue;
      }
      Parameter parameter{name, *type, {}, OptionalScalar(definition, "description", file), {}, {}};
      if (!ReadBounds(definition, where, file, parameter)) continue;
      std::optional<ParameterValue> value =
          ParseValue(*type, definition["default"], "the default of " + where, file);
      if (!value || !WithinBounds(parameter, *value, "the default of " + where, file,
                                  definition["default"].Mark())) {
        continue;
      }
      parameter.value = *value;
      draft.parameters.push_back(
          {std::move(parameter), it->first.Mark(), file, definition["default"].Mark()});
    }
  }

  // An integer parameter's optional `minimum` and `maximum`.
  bool ReadBounds(const YAML::Node& definition, const std::string& where, const std::string& file,
                  Parameter& parameter) {
    for (const char* key : {"minimum", "maximum"}) {
      const YAML::Node bound = definition[key];
      if (!bound) continue;
      if (parameter.type != ParameterType::kInteger) {
        Error(file, bound.Mark(), std::string(key) + " applies to integer parameters only");
        return false;
      }
      std::optional<ParameterValue> value = ParseValue(
          ParameterType::kInteger, bound, std::string("the ") + key + " of " + where, file);
      if (!value) return false;
      (std::string_view(key) == "minimum" ? parameter.minimum : parameter.maximum) =
          std::get<std::int64_t>(*value);
    }
    return true;
  }

  bool WithinBounds(const Parameter& parameter, const ParameterValue& value,
                    const std::string& what, const std::string& file, const YAML::Mark& mark) {
    const auto* number = std::get_if<std::int64_t>(&value);
    if (number == nullptr) return true;
    if (parameter.minimum && *number < *parameter.minimum) {
      Error(file, mark,
            what + " must be at least " + std::to_string(*parameter.minimum) + ", not " +
                std::to_string(*number));
      return false;
    }
    if (parameter.maximum && *number > *parameter.maximum) {
      Error(file, mark,
            what + " must be at most " + std::to_string(*parameter.maximum) + ", not " +
                std::to_string(*number));
      return false;
    }
    return true;
  }

  DraftParameter* FindParameter(PolicyDraft& draft, const std::string& name) {
    for (DraftParameter& parameter : draft.parameters) {
      if (parameter.parameter.name == name) return &parameter;
    }
    return nullptr;
  }

  std::string UnknownParameter(PolicyDraft& draft, const std::string& name) {
    std::vector<std::string_view> names;
    for (const DraftParameter& parameter : draft.parameters) {
      names.push_back(parameter.parameter.name);
    }
    return "unknown parameter " + Quoted(name) + " of policy " + Quoted(draft.name) +
           Hint(name, names);
  }

  // Values given as a YAML mapping of name -> value (a pack's `parameters`, a values file).
  void ApplyValues(PolicyDraft& draft, const YAML::Node& values, const std::string& file) {
    if (!values.IsMap()) {
      Error(file, values.Mark(), "parameter values must be a mapping of name to value");
      return;
    }
    CheckDuplicateKeys(values, "parameter values", file);
    for (auto it = values.begin(); it != values.end(); ++it) {
      const std::string name = it->first.Scalar();
      DraftParameter* parameter = FindParameter(draft, name);
      if (parameter == nullptr) {
        Error(file, it->first.Mark(), UnknownParameter(draft, name));
        continue;
      }
      const std::string what = "parameter " + Quoted(name);
      std::optional<ParameterValue> value =
          ParseValue(parameter->parameter.type, it->second, what, file);
      if (value && WithinBounds(parameter->parameter, *value, what, file, it->second.Mark())) {
        parameter->parameter.value = *value;
        parameter->value_file = file;
        parameter->value_mark = it->second.Mark();
      }
    }
  }

  void ApplyOverrides(PolicyDraft& draft) {
    for (const std::string& path : overrides_.values_files) {
      const InputFile values = ReadFromDisk(path);
      if (values.error) {
        Error(path, YAML::Mark::null_mark(), "cannot read the values file: " + *values.error);
        continue;
      }
      try {
        ApplyValues(draft, LoadYamlDocument(values.contents), path);
      } catch (const YAML::Exception& error) {
        Error(path, error.mark, "invalid YAML: " + error.msg);
      }
    }
    for (const std::string& assignment : overrides_.assignments) {
      const size_t equals = assignment.find('=');
      const std::string where = "--set " + assignment;
      if (equals == std::string::npos || equals == 0) {
        Error("command line", YAML::Mark::null_mark(), where + ": expected NAME=VALUE");
        continue;
      }
      const std::string name = assignment.substr(0, equals);
      DraftParameter* parameter = FindParameter(draft, name);
      if (parameter == nullptr) {
        Error("command line", YAML::Mark::null_mark(), "--set: " + UnknownParameter(draft, name));
        continue;
      }
      std::optional<ParameterValue> value =
          ParseScalarValue(parameter->parameter.type, assignment.substr(equals + 1),
                           "--set " + name, "command line", YAML::Mark::null_mark());
      if (value && WithinBounds(parameter->parameter, *value, "--set " + name, "command line",
                                YAML::Mark::null_mark())) {
        parameter->parameter.value = *value;
        parameter->value_file = "command line (--set " + name + ")";
        parameter->value_mark = YAML::Mark::null_mark();
      }
    }
  }

  // --- documents --------------------------------------------------------------------------

  void ReadMetadata(const YAML::Node& root, const std::string& file, std::string& name,
                    std::string& version, std::string& description) {
    const YAML::Node metadata = root["metadata"];
    if (!metadata || !metadata.IsMap()) {
      Error(file, metadata ? metadata.Mark() : root.Mark(),
            "missing required mapping 'metadata' with a name");
      return;
    }
    CheckKeys(metadata, Names(kMetadataKeys), "metadata", file);
    name = Scalar(metadata, "name", file, "metadata").value_or("");
    version = OptionalScalar(metadata, "version", file);
    description = OptionalScalar(metadata, "description", file);
  }

  std::optional<PolicyDraft> ReadPolicy(const YAML::Node& root, const std::string& file) {
    const size_t errors_before = errors_.size();
    PolicyDraft draft;
    draft.file = file;
    CheckKeys(root, Names(kPolicyKeys), "a Policy", file);
    ReadMetadata(root, file, draft.name, draft.version, draft.description);
    ReadParameters(root["parameters"], file, draft);
    ReadFrameworks(root["frameworks"], file, draft);
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) {
      Error(file, rules ? rules.Mark() : root.Mark(), "missing required list 'rules'");
    } else {
      for (const YAML::Node& rule : rules) draft.rules.push_back(rule);
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return draft;
  }

  // frameworks: {ID: {title, version, organization}}. Once a policy declares its frameworks,
  // every compliance key of its rules must name one of them.
  void ReadFrameworks(const YAML::Node& node, const std::string& file, PolicyDraft& draft) {
    if (!node) return;
    if (!node.IsMap()) {
      Error(file, node.Mark(), "'frameworks' must map framework ids to their title and version");
      return;
    }
    CheckDuplicateKeys(node, "frameworks", file);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string id = it->first.Scalar();
      const std::string where = "framework " + Quoted(id);
      if (!it->second.IsMap()) {
        Error(file, it->second.Mark(), where + " must be a mapping with a title");
        continue;
      }
      CheckKeys(it->second, Names(kFrameworkKeys), where, file);
      FrameworkInfo framework{id, Scalar(it->second, "title", file, where).value_or(""),
                              OptionalScalar(it->second, "version", file),
                              OptionalScalar(it->second, "organization", file)};
      draft.frameworks.push_back(std::move(framework));
    }
    std::ranges::sort(draft.frameworks, {}, &FrameworkInfo::id);
  }

  std::optional<Policy> LoadPack(const YAML::Node& root, const std::string& file) {
    CheckKeys(root, Names(kPackKeys), "a Pack", file);
    Policy metadata;
    ReadMetadata(root, file, metadata.name, metadata.version, metadata.description);
    const std::optional<std::string> policy_reference = Scalar(root, "policy", file);
    if (!policy_reference) return std::nullopt;
    // Relative to the pack, like an include.
    const std::string policy_path =
        (std::filesystem::path(file).parent_path() / *policy_reference).lexically_normal().string();
    std::optional<YAML::Node> policy_root = Parse(policy_path, std::nullopt);
    if (!policy_root) return std::nullopt;
    if ((*policy_root)["kind"].Scalar() != "Policy") {
      Error(file, root["policy"].Mark(), "'policy' must name a file of kind Policy");
      return std::nullopt;
    }
    std::optional<PolicyDraft> draft = ReadPolicy(*policy_root, policy_path);
    if (!draft) return std::nullopt;
    if (const YAML::Node values = root["parameters"]) ApplyValues(*draft, values, file);
    ApplyOverrides(*draft);
    std::optional<Policy> policy = Compile(*draft);
    if (!policy) return std::nullopt;

    std::map<std::string, Rule> by_id;
    std::vector<std::string> order;
    for (Rule& rule : policy->rules) {
      order.push_back(rule.id);
      by_id.emplace(rule.id, std::move(rule));
    }
    std::vector<std::string_view> ids(order.begin(), order.end());
    if (const YAML::Node selection = root["rules"]) {
      std::optional<std::vector<std::string>> selected = ScalarList(selection, "'rules'", file);
      if (!selected) return std::nullopt;
      for (size_t i = 0; i < selected->size(); ++i) {
        if (!by_id.contains((*selected)[i])) {
          Error(
              file, selection[i].Mark(),
              "unknown rule id " + Quoted((*selected)[i]) + " in pack" + Hint((*selected)[i], ids));
        }
      }
      std::set<std::string> keep(selected->begin(), selected->end());
      std::erase_if(order, [&](const std::string& id) { return !keep.contains(id); });
    }
    if (const YAML::Node severities = root["severities"]) {
      if (!severities.IsMap()) {
        Error(file, severities.Mark(), "'severities' must map rule ids to severities");
      } else {
        for (auto it = severities.begin(); it != severities.end(); ++it) {
          const std::string id = it->first.Scalar();
          auto rule = by_id.find(id);
          if (rule == by_id.end()) {
            Error(file, it->first.Mark(), "unknown rule id " + Quoted(id) + Hint(id, ids));
            continue;
          }
          if (std::optional<Severity> severity = ParseSeverityNode(it->second, file)) {
            rule->second.severity = *severity;
          }
        }
      }
    }
    if (!errors_.empty()) return std::nullopt;
    Policy pack;
    pack.name = metadata.name;
    pack.version = metadata.version;
    pack.description = metadata.description;
    pack.parameters = std::move(policy->parameters);
    pack.frameworks = std::move(policy->frameworks);
    for (const std::string& id : order) pack.rules.push_back(std::move(by_id.at(id)));
    return pack;
  }

  std::optional<Severity> ParseSeverityNode(const YAML::Node& node, const std::string& file) {
    if (!node.IsScalar()) {
      Error(file, node.Mark(), "severity must be one of info, low, medium, high, critical");
      return std::nullopt;
    }
    if (std::optional<Severity> severity = ParseSeverity(node.Scalar())) return severity;
    Error(file, node.Mark(),
          "unknown severity " + Quoted(node.Scalar()) + " (info, low, medium, high or critical)" +
              Hint(node.Scalar(), Names(kSeverityNames)));
    return std::nullopt;
  }

  // --- rules ------------------------------------------------------------------------------

  std::optional<Policy> Compile(PolicyDraft& draft) {
    const size_t errors_before = errors_.size();
    Policy policy;
    policy.name = draft.name;
    policy.version = draft.version;
    policy.description = draft.description;
    policy.frameworks = draft.frameworks;
    for (const DraftParameter& parameter : draft.parameters) {
      policy.parameters.push_back(parameter.parameter);
    }
    std::map<std::string, SourcePosition> ids;
    for (const YAML::Node& node : draft.rules) {
      std::optional<Rule> rule = CompileRule(node, draft);
      if (!rule) continue;
      const auto [existing, inserted] = ids.emplace(rule->id, rule->position);
      if (!inserted) {
        Error(draft.file, node["id"].Mark(),
              "duplicate rule id " + Quoted(rule->id) + " (first defined at line " +
                  std::to_string(existing->second.line) + ")");
        continue;
      }
      policy.rules.push_back(std::move(*rule));
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return policy;
  }

  std::optional<Rule> CompileRule(const YAML::Node& node, PolicyDraft& draft) {
    const std::string& file = draft.file;
    if (!node.IsMap()) {
      Error(file, node.Mark(), "each rule must be a mapping");
      return std::nullopt;
    }
    const size_t errors_before = errors_.size();
    Rule rule;
    rule.position = {file, node.Mark().line + 1, node.Mark().column + 1};
    const std::optional<std::string> id = Scalar(node, "id", file, "rule");
    const std::string where = id ? "rule " + Quoted(*id) : "rule";
    CheckKeys(node, Names(kRuleKeys), where, file);
    if (id) {
      const bool valid = !id->empty() && std::all_of(id->begin(), id->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
      if (!valid) {
        Error(file, node["id"].Mark(),
              "rule id " + Quoted(*id) + " may only use letters, digits, '-', '_' and '.'");
      }
      rule.id = *id;
    }
    rule.title = Scalar(node, "title", file, where).value_or("");
    rule.description = OptionalScalar(node, "description", file);
    rule.remediation = OptionalScalar(node, "remediation", file);
    if (const YAML::Node severity = node["severity"]) {
      rule.severity = ParseSeverityNode(severity, file).value_or(Severity::kInfo);
    } else {
      Error(file, node.Mark(), "missing required key 'severity' in " + where);
    }

    const FactTypeSpec* target = nullptr;
    if (std::optional<std::string> target_name = Scalar(node, "target", file, where)) {
      target = FindFactType(*target_name);
      if (target == nullptr) {
        std::vector<std::string_view> names;
        for (const FactTypeSpec& type : AllFactTypes()) names.push_back(type.name);
        Error(file, node["target"].Mark(),
              "unknown target " + Quoted(*target_name) + Hint(*target_name, names));
      }
    }
    if (target != nullptr) {
      rule.target = target->kind;
      if (const YAML::Node where_node = node["where"]) {
        rule.selector = CompilePredicate(where_node, *target, draft);
      }
      if (const YAML::Node assertion = node["assert"]) {
        rule.assertion = CompilePredicate(assertion, *target, draft);
      } else {
        Error(file, node.Mark(), "missing required key 'assert' in " + where);
      }
      if (std::optional<std::string> message = Scalar(node, "message", file, where)) {
        rule.message = CompileMessage(*message, node["message"].Mark(), *target, draft);
      }
    }
    if (const YAML::Node compliance = node["compliance"]) {
      if (!compliance.IsMap()) {
        Error(file, compliance.Mark(), "'compliance' must map frameworks to lists of ids");
      } else {
        std::vector<std::string_view> declared;
        for (const FrameworkInfo& framework : draft.frameworks) declared.push_back(framework.id);
        for (auto it = compliance.begin(); it != compliance.end(); ++it) {
          const std::string& framework = it->first.Scalar();
          if (!draft.frameworks.empty() && !std::ranges::binary_search(declared, framework)) {
            Error(file, it->first.Mark(),
                  "compliance framework " + Quoted(framework) + " is not declared in 'frameworks'" +
                      Hint(framework, declared));
          }
          if (std::optional<std::vector<std::string>> controls =
                  ScalarList(it->second, "compliance " + Quoted(it->first.Scalar()), file)) {
            rule.compliance[it->first.Scalar()] = *controls;
          }
        }
      }
    }
    if (const YAML::Node references = node["references"]) {
      rule.references =
          ScalarList(references, "'references'", file).value_or(std::vector<std::string>{});
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return rule;
  }

  std::vector<MessagePart> CompileMessage(const std::string& text, const YAML::Mark& mark,
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
        Error(draft.file, mark, "unterminated '{' in message (write '{{' for a brace)");
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
        if (DraftParameter* parameter = FindParameter(draft, parameter_name)) {
          parts.push_back(
              {MessagePart::Kind::kParameter, ParameterValueText(parameter->parameter.value), 0});
        } else {
          Error(draft.file, mark, "message: " + UnknownParameter(draft, parameter_name));
        }
      } else if (std::optional<size_t> field = target.FieldIndex(name)) {
        parts.push_back({MessagePart::Kind::kField, "", *field});
      } else {
        Error(draft.file, mark, "message: " + UnknownField(name, target));
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

  PredicatePtr CompilePredicate(const YAML::Node& node, const FactTypeSpec& target,
                                PolicyDraft& draft) {
    if (!node.IsMap() || node.size() == 0) {
      Error(draft.file, node.Mark(),
            "a predicate must be a mapping of fields to tests, or all/any/not");
      return nullptr;
    }
    std::vector<PredicatePtr> conjuncts;
    bool ok = true;
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        Error(draft.file, it->first.Mark(), "duplicate key " + Quoted(key) + " in predicate");
        ok = false;
        continue;
      }
      PredicatePtr compiled;
      if (key == "all" || key == "any") {
        if (!it->second.IsSequence() || it->second.size() == 0) {
          Error(draft.file, it->second.Mark(), Quoted(key) + " needs a non-empty list");
          ok = false;
          continue;
        }
        std::vector<PredicatePtr> operands;
        // A copy: `it->second` lives in a proxy that dies with the expression that made it.
        const YAML::Node list = it->second;
        for (const YAML::Node& operand : list) {
          PredicatePtr compiled_operand = CompilePredicate(operand, target, draft);
          ok = ok && compiled_operand != nullptr;
          operands.push_back(std::move(compiled_operand));
        }
        if (ok)
          compiled = key == "all" ? MakeAll(std::move(operands)) : MakeAny(std::move(operands));
      } else if (key == "not") {
        PredicatePtr operand = CompilePredicate(it->second, target, draft);
        if (operand) compiled = MakeNot(std::move(operand));
      } else if (std::optional<size_t> field = target.FieldIndex(key)) {
        compiled = CompileFieldTests(*field, target, it->second, draft);
      } else {
        Error(draft.file, it->first.Mark(), UnknownField(key, target));
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
        return {"contains",   "contains_any", "all_in",  "any_matches", "all_match",
                "all_within", "empty",        "present", "absent"};
    }
    return {};
  }

  // `field: {op: operand, ...}`: every test must hold.
  PredicatePtr CompileFieldTests(size_t field, const FactTypeSpec& target, const YAML::Node& tests,
                                 PolicyDraft& draft) {
    const FieldSpec& spec = target.fields[field];
    const std::vector<std::string_view> operators = OperatorsFor(spec.type);
    if (!tests.IsMap() || tests.size() == 0) {
      Error(draft.file, tests.Mark(),
            "field " + Quoted(spec.name) + " needs a mapping of tests, e.g. {eq: ...}");
      return nullptr;
    }
    std::vector<PredicatePtr> compiled;
    bool ok = true;
    for (auto it = tests.begin(); it != tests.end(); ++it) {
      const std::string op = it->first.Scalar();
      if (std::find(operators.begin(), operators.end(), op) == operators.end()) {
        std::string list;
        for (std::string_view name : operators)
          list += (list.empty() ? "" : ", ") + std::string(name);
        Error(draft.file, it->first.Mark(),
              "operator " + Quoted(op) + " does not apply to " +
                  std::string(FieldTypeName(spec.type)) + " field " + Quoted(spec.name) +
                  " (operators: " + list + ")" + Hint(op, operators));
        ok = false;
        continue;
      }
      PredicatePtr test = CompileTest(field, spec, op, it->second, draft);
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
  std::optional<ParameterValue> Operand(const YAML::Node& node, ParameterType type,
                                        const std::string& what, PolicyDraft& draft) {
    if (node.IsMap() && node["param"]) {
      if (node.size() != 1 || !node["param"].IsScalar()) {
        Error(draft.file, node.Mark(), "a parameter reference is written {param: NAME}");
        return std::nullopt;
      }
      const std::string name = node["param"].Scalar();
      DraftParameter* parameter = FindParameter(draft, name);
      if (parameter == nullptr) {
        Error(draft.file, node["param"].Mark(), UnknownParameter(draft, name));
        return std::nullopt;
      }
      const ParameterType actual = parameter->parameter.type;
      const bool compatible = actual == type || (type == ParameterType::kStringList &&
                                                 actual == ParameterType::kCidrList);
      if (!compatible) {
        Error(draft.file, node["param"].Mark(),
              "parameter " + Quoted(name) + " is a " + std::string(ParameterTypeName(actual)) +
                  ", but " + what + " needs a " + std::string(ParameterTypeName(type)));
        return std::nullopt;
      }
      return parameter->parameter.value;
    }
    return ParseValue(type, node, what, draft.file);
  }

  PredicatePtr CompileTest(size_t field, const FieldSpec& spec, const std::string& op,
                           const YAML::Node& operand, PolicyDraft& draft) {
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
            std::optional<ParameterValue> version = ParseScalarValue(
                ParameterType::kTlsVersion, name, what, draft.file, operand.Mark());
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
            Error(draft.file, operand.Mark(), "invalid CIDR " + Quoted(cidr) + " in " + what);
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
              Error(draft.file, operand.Mark(), "invalid CIDR " + Quoted(cidr) + " in " + what);
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
        return MakeListContainsAny(field, std::move(values));
      }
    }
    return nullptr;
  }

  PredicatePtr CompileRegexTest(
      const YAML::Node& operand, ParameterType type, const std::string& what, PolicyDraft& draft,
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
      if (operand.IsMap() && operand["param"]) {
        const DraftParameter* parameter = FindParameter(draft, operand["param"].Scalar());
        Error(parameter->value_file, parameter->value_mark,
              "parameter " + Quoted(parameter->parameter.name) + ": " + message);
        return nullptr;
      }
      const YAML::Node at = operand.IsSequence() && compiled.failed_pattern < operand.size()
                                ? operand[compiled.failed_pattern]
                                : operand;
      Error(draft.file, at.Mark(), message);
      return nullptr;
    }
    return make(std::move(compiled.set));
  }

  PredicatePtr CompileIntegerTest(size_t field, const FieldSpec& spec, const std::string& op,
                                  const YAML::Node& operand, const std::string& what,
                                  PolicyDraft& draft) {
    // Timestamps take dates ("2026-01-31") as well as seconds since the epoch.
    auto to_integer = [&](const std::string& text) -> std::optional<std::int64_t> {
      if (spec.type == FieldType::kTimestamp) {
        if (std::optional<std::int64_t> seconds = ParseTimestamp(text)) return seconds;
      }
      std::optional<ParameterValue> value =
          ParseScalarValue(ParameterType::kInteger, text, what, draft.file, operand.Mark());
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
      Error(draft.file, operand.Mark(), what + " must be a number");
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

  FileReader reader_;
  const ParameterOverrides& overrides_;
  std::vector<LoadError> errors_;
};

}  // namespace

LoadResult LoadPolicyFile(const std::string& path, const ParameterOverrides& overrides) {
  return Loader(ReadFromDisk, overrides).Load(path, std::nullopt);
}

LoadResult LoadPolicyText(const std::string& text, const std::string& path,
                          const ParameterOverrides& overrides) {
  return Loader(ReadFromDisk, overrides).Load(path, text);
}

LoadResult LoadPolicyFrom(const FileReader& reader, const std::string& path,
                          const ParameterOverrides& overrides) {
  return Loader(reader, overrides).Load(path, std::nullopt);
}

}  // namespace pgward::policy
