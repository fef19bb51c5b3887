#include "engine/policy/policy_reader.h"

#include <algorithm>

namespace pgward::policy {
namespace {

class PolicyReader {
 public:
  explicit PolicyReader(LoadContext& context) : context_(context) {}

  void ReadParameters(const std::optional<YamlNode>& node, const std::string& file,
                      PolicyDraft& draft) {
    if (!node) return;
    if (!node->IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, node->mark(),
                     "'parameters' must be a mapping of name to definition");
      return;
    }
    context_.CheckDuplicateKeys(*node, "parameters", file);
    for (size_t i = 0; i < node->size(); ++i) {
      const std::string& name = node->Key(i).Scalar();
      const YamlNode definition = node->Value(i);
      const std::string where = "parameter " + Quoted(name);
      if (!definition.IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, definition.mark(),
                       where + " must be a mapping with type and default");
        continue;
      }
      context_.CheckKeys(definition, Names(kParameterKeys), where, file);
      const std::optional<std::string> type_name = context_.Scalar(definition, "type", file, where);
      if (!type_name) continue;
      std::optional<ParameterType> type;
      for (size_t t = 0; t < std::size(kParameterTypeNames); ++t) {
        if (kParameterTypeNames[t] == *type_name) type = static_cast<ParameterType>(t);
      }
      if (!type) {
        context_.Error(LoadErrorCode::kUnknownName, file, definition.Find("type")->mark(),
                       "unknown parameter type " + Quoted(*type_name) +
                           Hint(*type_name, Names(kParameterTypeNames)));
        continue;
      }
      const std::optional<YamlNode> default_value = definition.Find("default");
      if (!default_value) {
        context_.Error(LoadErrorCode::kMissingKey, file, definition.mark(),
                       "missing required key 'default' in " + where);
        continue;
      }
      Parameter parameter{name, *type, {}, context_.OptionalScalar(definition, "description", file),
                          {},   {}};
      if (!ReadBounds(definition, where, file, parameter)) continue;
      std::optional<ParameterValue> value =
          context_.ParseValue(*type, *default_value, "the default of " + where, file);
      if (!value || !context_.WithinBounds(parameter, *value, "the default of " + where, file,
                                           default_value->mark())) {
        continue;
      }
      parameter.value = *value;
      draft.parameters.push_back({std::move(parameter), file, default_value->mark()});
    }
  }

  // An integer parameter's optional `minimum` and `maximum`.
  bool ReadBounds(const YamlNode& definition, const std::string& where, const std::string& file,
                  Parameter& parameter) {
    for (const char* key : {"minimum", "maximum"}) {
      const std::optional<YamlNode> bound = definition.Find(key);
      if (!bound) continue;
      if (parameter.type != ParameterType::kInteger) {
        context_.Error(LoadErrorCode::kInvalidValue, file, bound->mark(),
                       std::string(key) + " applies to integer parameters only");
        return false;
      }
      std::optional<ParameterValue> value = context_.ParseValue(
          ParameterType::kInteger, *bound, std::string("the ") + key + " of " + where, file);
      if (!value) return false;
      (std::string_view(key) == "minimum" ? parameter.minimum : parameter.maximum) =
          std::get<std::int64_t>(*value);
    }
    return true;
  }

  void ReadMetadata(const YamlNode& root, const std::string& file, std::string& name,
                    std::string& version, std::string& description) {
    const std::optional<YamlNode> metadata = root.Find("metadata");
    if (!metadata || !metadata->IsMap()) {
      context_.Error(LoadErrorCode::kMissingKey, file, metadata.value_or(root).mark(),
                     "missing required mapping 'metadata' with a name");
      return;
    }
    context_.CheckKeys(*metadata, Names(kMetadataKeys), "metadata", file);
    name = context_.Scalar(*metadata, "name", file, "metadata").value_or("");
    version = context_.OptionalScalar(*metadata, "version", file);
    description = context_.OptionalScalar(*metadata, "description", file);
  }

  std::optional<PolicyDraft> ReadPolicy(const YamlNode& root, const std::string& file) {
    const size_t errors_before = context_.error_count();
    PolicyDraft draft;
    draft.file = file;
    context_.CheckKeys(root, Names(kPolicyKeys), "a Policy", file);
    ReadMetadata(root, file, draft.name, draft.version, draft.description);
    ReadParameters(root.Find("parameters"), file, draft);
    ReadFrameworks(root.Find("frameworks"), file, draft);
    const std::optional<YamlNode> rules = root.Find("rules");
    if (!rules || !rules->IsSequence()) {
      context_.Error(LoadErrorCode::kMissingKey, file, rules.value_or(root).mark(),
                     "missing required list 'rules'");
    } else {
      for (size_t i = 0; i < rules->size(); ++i) draft.rules.push_back(rules->Element(i));
    }
    if (context_.error_count() != errors_before) return std::nullopt;
    return draft;
  }

  // frameworks: {ID: {title, version, organization}}. Once a policy declares its frameworks,
  // every compliance key of its rules must name one of them.
  void ReadFrameworks(const std::optional<YamlNode>& node, const std::string& file,
                      PolicyDraft& draft) {
    if (!node) return;
    if (!node->IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, node->mark(),
                     "'frameworks' must map framework ids to their title and version");
      return;
    }
    context_.CheckDuplicateKeys(*node, "frameworks", file);
    for (size_t i = 0; i < node->size(); ++i) {
      const std::string& id = node->Key(i).Scalar();
      const YamlNode definition = node->Value(i);
      const std::string where = "framework " + Quoted(id);
      if (!definition.IsMap()) {
        context_.Error(LoadErrorCode::kWrongType, file, definition.mark(),
                       where + " must be a mapping with a title");
        continue;
      }
      context_.CheckKeys(definition, Names(kFrameworkKeys), where, file);
      FrameworkInfo framework{id, context_.Scalar(definition, "title", file, where).value_or(""),
                              context_.OptionalScalar(definition, "version", file),
                              context_.OptionalScalar(definition, "organization", file)};
      draft.frameworks.push_back(std::move(framework));
    }
    std::ranges::sort(draft.frameworks, {}, &FrameworkInfo::id);
  }

 private:
  LoadContext& context_;
};

}  // namespace

std::optional<PolicyDraft> ReadPolicy(LoadContext& context, const YamlNode& root,
                                      const std::string& file) {
  return PolicyReader(context).ReadPolicy(root, file);
}

void ReadMetadata(LoadContext& context, const YamlNode& root, const std::string& file,
                  std::string& name, std::string& version, std::string& description) {
  PolicyReader(context).ReadMetadata(root, file, name, version, description);
}

}  // namespace pgward::policy
