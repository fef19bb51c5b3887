#include "engine/policy/load_context.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

namespace pgward::policy {

void LoadContext::Error(LoadErrorCode code, const std::string& file, std::optional<YamlMark> mark,
                        std::string message) {
  SourcePosition position{file, 0, 0};
  if (mark) {
    position.line = mark->line + 1;
    position.column = mark->column + 1;
  }
  errors_.push_back({code, position, std::move(message)});
}

std::optional<YamlNode> LoadContext::Parse(const std::string& path,
                                           const std::optional<std::string>& text) {
  const size_t errors_before = errors_.size();
  InputFile file = text ? InputFile{*text, std::nullopt} : reader_(path);
  if (file.error) {
    Error(LoadErrorCode::kUnreadable, path, std::nullopt, "cannot read the file: " + *file.error);
    return std::nullopt;
  }
  std::optional<YamlTree> tree = ParseYaml(path, file.contents);
  if (!tree) return std::nullopt;
  // Kept for as long as the context: the drafts' rules are nodes of it.
  const std::optional<YamlNode> root = documents_.emplace_back(std::move(*tree)).root();
  if (!root->IsMap()) {
    Error(LoadErrorCode::kWrongType, path, root->mark(),
          "a policy file must be a mapping with apiVersion and kind");
    return std::nullopt;
  }
  const std::optional<std::string> api = Scalar(*root, "apiVersion", path);
  if (api && *api != kApiVersion) {
    Error(LoadErrorCode::kUnsupported, path, root->Find("apiVersion")->mark(),
          "unsupported apiVersion " + Quoted(*api) + " (expected " + Quoted(kApiVersion) + ")");
  }
  const std::optional<std::string> kind = Scalar(*root, "kind", path);
  if (kind && *kind != "Policy" && *kind != "Pack") {
    Error(LoadErrorCode::kUnsupported, path, root->Find("kind")->mark(),
          "unknown kind " + Quoted(*kind) + " (expected 'Policy' or 'Pack')" +
              Hint(*kind, std::vector<std::string_view>{"Policy", "Pack"}));
  }
  if (!api || !kind || errors_.size() != errors_before) return std::nullopt;
  return root;
}

std::optional<YamlTree> LoadContext::ParseYaml(const std::string& path, std::string_view text) {
  std::variant<YamlTree, YamlError> parsed = YamlTree::Parse(text);
  if (const YamlError* error = std::get_if<YamlError>(&parsed)) {
    Error(LoadErrorCode::kInvalidYaml, path, error->mark, "invalid YAML: " + error->message);
    return std::nullopt;
  }
  return std::move(std::get<YamlTree>(parsed));
}

void LoadContext::CheckDuplicateKeys(const YamlNode& map, const std::string& where,
                                     const std::string& file) {
  std::set<std::string> seen;
  for (size_t i = 0; i < map.size(); ++i) {
    const YamlNode key = map.Key(i);
    if (!seen.insert(key.Scalar()).second) {
      Error(LoadErrorCode::kDuplicate, file, key.mark(),
            "duplicate key " + Quoted(key.Scalar()) + " in " + where);
    }
  }
}

void LoadContext::CheckKeys(const YamlNode& map, std::span<const std::string_view> allowed,
                            const std::string& where, const std::string& file) {
  CheckDuplicateKeys(map, where, file);
  for (size_t i = 0; i < map.size(); ++i) {
    const std::string& key = map.Key(i).Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Error(LoadErrorCode::kUnknownKey, file, map.Key(i).mark(),
            "unknown key " + Quoted(key) + " in " + where + Hint(key, allowed));
    }
  }
}

std::optional<std::string> LoadContext::Scalar(const YamlNode& map, const std::string& key,
                                               const std::string& file, const std::string& where) {
  const std::optional<YamlNode> node = map.Find(key);
  if (!node) {
    Error(LoadErrorCode::kMissingKey, file, map.mark(),
          "missing required key " + Quoted(key) + (where.empty() ? "" : " in " + where));
    return std::nullopt;
  }
  if (!node->IsScalar()) {
    Error(LoadErrorCode::kWrongType, file, node->mark(), Quoted(key) + " must be a string");
    return std::nullopt;
  }
  return node->Scalar();
}

std::string LoadContext::OptionalScalar(const YamlNode& map, const std::string& key,
                                        const std::string& file) {
  const std::optional<YamlNode> node = map.Find(key);
  if (!node) return "";
  if (!node->IsScalar()) {
    Error(LoadErrorCode::kWrongType, file, node->mark(), Quoted(key) + " must be a string");
    return "";
  }
  return node->Scalar();
}

std::optional<std::vector<std::string>> LoadContext::ScalarList(const YamlNode& node,
                                                                const std::string& what,
                                                                const std::string& file) {
  if (!node.IsSequence()) {
    Error(LoadErrorCode::kWrongType, file, node.mark(), what + " must be a list");
    return std::nullopt;
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < node.size(); ++i) {
    const YamlNode element = node.Element(i);
    if (!element.IsScalar()) {
      Error(LoadErrorCode::kWrongType, file, element.mark(),
            "each entry of " + what + " must be a string");
      return std::nullopt;
    }
    values.push_back(element.Scalar());
  }
  return values;
}

std::optional<ParameterValue> LoadContext::ParseValue(ParameterType type, const YamlNode& node,
                                                      const std::string& what,
                                                      const std::string& file) {
  auto expect_scalar = [&]() {
    if (node.IsScalar()) return true;
    Error(LoadErrorCode::kWrongType, file, node.mark(),
          what + " must be a " + std::string(ParameterTypeName(type)));
    return false;
  };
  switch (type) {
    case ParameterType::kBool:
    case ParameterType::kInteger:
    case ParameterType::kString:
    case ParameterType::kTlsVersion:
      if (!expect_scalar()) return std::nullopt;
      return ParseScalarValue(type, node.Scalar(), what, file, node.mark());
    case ParameterType::kStringList:
    case ParameterType::kCidrList: {
      std::optional<std::vector<std::string>> list = ScalarList(node, what, file);
      if (!list) return std::nullopt;
      if (type == ParameterType::kCidrList) {
        for (size_t i = 0; i < list->size(); ++i) {
          if (!ParseIpRange((*list)[i])) {
            Error(LoadErrorCode::kInvalidValue, file, node.Element(i).mark(),
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

std::optional<ParameterValue> LoadContext::ParseScalarValue(ParameterType type,
                                                            const std::string& text,
                                                            const std::string& what,
                                                            const std::string& file,
                                                            std::optional<YamlMark> mark) {
  switch (type) {
    case ParameterType::kBool:
      if (text == "true") return true;
      if (text == "false") return false;
      Error(LoadErrorCode::kWrongType, file, mark,
            what + " must be true or false, not " + Quoted(text));
      return std::nullopt;
    case ParameterType::kInteger: {
      std::int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        Error(LoadErrorCode::kWrongType, file, mark,
              what + " must be an integer, not " + Quoted(text));
        return std::nullopt;
      }
      return value;
    }
    case ParameterType::kString:
      return text;
    case ParameterType::kTlsVersion:
      if (std::optional<TlsVersion> version = ParseTlsVersion(text)) return *version;
      Error(LoadErrorCode::kUnknownName, file, mark,
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
          Error(LoadErrorCode::kInvalidValue, file, mark,
                "invalid CIDR " + Quoted(values.back()) + " in " + what);
          return std::nullopt;
        }
      }
      return values;
    }
  }
  return std::nullopt;
}

bool LoadContext::WithinBounds(const Parameter& parameter, const ParameterValue& value,
                               const std::string& what, const std::string& file,
                               std::optional<YamlMark> mark) {
  const auto* number = std::get_if<std::int64_t>(&value);
  if (number == nullptr) return true;
  if (parameter.minimum && *number < *parameter.minimum) {
    Error(LoadErrorCode::kInvalidValue, file, mark,
          what + " must be at least " + std::to_string(*parameter.minimum) + ", not " +
              std::to_string(*number));
    return false;
  }
  if (parameter.maximum && *number > *parameter.maximum) {
    Error(LoadErrorCode::kInvalidValue, file, mark,
          what + " must be at most " + std::to_string(*parameter.maximum) + ", not " +
              std::to_string(*number));
    return false;
  }
  return true;
}

DraftParameter* LoadContext::FindParameter(PolicyDraft& draft, const std::string& name) {
  for (DraftParameter& parameter : draft.parameters) {
    if (parameter.parameter.name == name) return &parameter;
  }
  return nullptr;
}

std::string LoadContext::UnknownParameter(PolicyDraft& draft, const std::string& name) {
  std::vector<std::string_view> names;
  for (const DraftParameter& parameter : draft.parameters) {
    names.push_back(parameter.parameter.name);
  }
  return "unknown parameter " + Quoted(name) + " of policy " + Quoted(draft.name) +
         Hint(name, names);
}

std::optional<Severity> LoadContext::ParseSeverityNode(const YamlNode& node,
                                                       const std::string& file) {
  if (!node.IsScalar()) {
    Error(LoadErrorCode::kWrongType, file, node.mark(),
          "severity must be one of info, low, medium, high, critical");
    return std::nullopt;
  }
  if (std::optional<Severity> severity = ParseSeverity(node.Scalar())) return severity;
  Error(LoadErrorCode::kUnknownName, file, node.mark(),
        "unknown severity " + Quoted(node.Scalar()) + " (info, low, medium, high or critical)" +
            Hint(node.Scalar(), Names(kSeverityNames)));
  return std::nullopt;
}

}  // namespace pgward::policy
