#include "engine/policy/policy_reader.h"

#include <algorithm>

namespace pgward::policy {
namespace {

class PolicyReader {
 public:
  explicit PolicyReader(LoadContext& context) : context_(context) {}

  void ReadParameters(const YAML::Node& node, const std::string& file, PolicyDraft& draft) {
    if (!node) return;
    if (!node.IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, node.Mark(),
                     "'parameters' must be a mapping of name to definition");
      return;
    }
    context_.CheckDuplicateKeys(node, "parameters", file);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.Scalar();
      const YAML::Node definition = it->second;
      const std::string where = "parameter " + Quoted(name);
      if (!definition.IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, definition.Mark(),
                       where + " must be a mapping with type and default");
        continue;
      }
      context_.CheckKeys(definition, Names(kParameterKeys), where, file);
      const std::optional<std::string> type_name = context_.Scalar(definition, "type", file, where);
      if (!type_name) continue;
      std::optional<ParameterType> type;
      for (size_t i = 0; i < std::size(kParameterTypeNames); ++i) {
        if (kParameterTypeNames[i] == *type_name) type = static_cast<ParameterType>(i);
      }
      if (!type) {
        context_.Error(LoadErrorCode::kUnknownName, file, definition["type"].Mark(),
                       "unknown parameter type " + Quoted(*type_name) +
                           Hint(*type_name, Names(kParameterTypeNames)));
        continue;
      }
      if (!definition["default"]) {
        context_.Error(LoadErrorCode::kMissingKey, file, definition.Mark(),
                       "missing required key 'default' in " + where);
        continue;
      }
      Parameter parameter{name, *type, {}, context_.OptionalScalar(definition, "description", file),
                          {},   {}};
      if (!ReadBounds(definition, where, file, parameter)) continue;
      std::optional<ParameterValue> value =
          context_.ParseValue(*type, definition["default"], "the default of " + where, file);
      if (!value || !context_.WithinBounds(parameter, *value, "the default of " + where, file,
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
        context_.Error(LoadErrorCode::kInvalidValue, file, bound.Mark(),
                       std::string(key) + " applies to integer parameters only");
        return false;
      }
      std::optional<ParameterValue> value = context_.ParseValue(
          ParameterType::kInteger, bound, std::string("the ") + key + " of " + where, file);
      if (!value) return false;
      (std::string_view(key) == "minimum" ? parameter.minimum : parameter.maximum) =
          std::get<std::int64_t>(*value);
    }
    return true;
  }

  void ReadMetadata(const YAML::Node& root, const std::string& file, std::string& name,
                    std::string& version, std::string& description) {
    const YAML::Node metadata = root["metadata"];
    if (!metadata || !metadata.IsMap()) {
      context_.Error(LoadErrorCode::kMissingKey, file, metadata ? metadata.Mark() : root.Mark(),
                     "missing required mapping 'metadata' with a name");
      return;
    }
    context_.CheckKeys(metadata, Names(kMetadataKeys), "metadata", file);
    name = context_.Scalar(metadata, "name", file, "metadata").value_or("");
    version = context_.OptionalScalar(metadata, "version", file);
    description = context_.OptionalScalar(metadata, "description", file);
  }

  std::optional<PolicyDraft> ReadPolicy(const YAML::Node& root, const std::string& file) {
    const size_t errors_before = context_.error_count();
    PolicyDraft draft;
    draft.file = file;
    context_.CheckKeys(root, Names(kPolicyKeys), "a Policy", file);
    ReadMetadata(root, file, draft.name, draft.version, draft.description);
    ReadParameters(root["parameters"], file, draft);
    ReadFrameworks(root["frameworks"], file, draft);
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) {
      context_.Error(LoadErrorCode::kMissingKey, file, rules ? rules.Mark() : root.Mark(),
                     "missing required list 'rules'");
    } else {
      for (const YAML::Node& rule : rules) draft.rules.push_back(rule);
    }
    if (context_.error_count() != errors_before) return std::nullopt;
    return draft;
  }

  // frameworks: {ID: {title, version, organization}}. Once a policy declares its frameworks,
  // every compliance key of its rules must name one of them.
  void ReadFrameworks(const YAML::Node& node, const std::string& file, PolicyDraft& draft) {
    if (!node) return;
    if (!node.IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, node.Mark(),
                     "'frameworks' must map framework ids to their title and version");
      return;
    }
    context_.CheckDuplicateKeys(node, "frameworks", file);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string id = it->first.Scalar();
      const std::string where = "framework " + Quoted(id);
      if (!it->second.IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, it->second.Mark(),
                       where + " must be a mapping with a title");
        continue;
      }
      context_.CheckKeys(it->second, Names(kFrameworkKeys), where, file);
      FrameworkInfo framework{id, context_.Scalar(it->second, "title", file, where).value_or(""),
                              context_.OptionalScalar(it->second, "version", file),
                              context_.OptionalScalar(it->second, "organization", file)};
      draft.frameworks.push_back(std::move(framework));
    }
    std::ranges::sort(draft.frameworks, {}, &FrameworkInfo::id);
  }

 private:
  LoadContext& context_;
};

}  // namespace

std::optional<PolicyDraft> ReadPolicy(LoadContext& context, const YAML::Node& root,
                                      const std::string& file) {
  return PolicyReader(context).ReadPolicy(root, file);
}

void ReadMetadata(LoadContext& context, const YAML::Node& root, const std::string& file,
                  std::string& name, std::string& version, std::string& description) {
  PolicyReader(context).ReadMetadata(root, file, name, version, description);
}

}  // namespace pgward::policy
