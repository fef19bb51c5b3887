#include "engine/policy/builtin.h"

#include "engine/core/suggest.h"

namespace pgward::policy {
namespace {

constexpr std::string_view kPackDirectory = "rules/packs/";
constexpr std::string_view kPackSuffix = ".yaml";

}  // namespace

std::vector<std::string> BuiltinPackNames() {
  std::vector<std::string> names;
  for (const BuiltinFile& file : BuiltinRuleFiles()) {
    if (file.path.starts_with(kPackDirectory) && file.path.ends_with(kPackSuffix)) {
      names.emplace_back(file.path.substr(
          kPackDirectory.size(), file.path.size() - kPackDirectory.size() - kPackSuffix.size()));
    }
  }
  return names;
}

InputFile ReadBuiltinFile(const std::string& path) {
  for (const BuiltinFile& file : BuiltinRuleFiles()) {
    if (file.path == path) return InputFile{std::string(file.text), std::nullopt};
  }
  return InputFile{"", "not a built-in rule file"};
}

std::set<std::string> BuiltinRuleIds() {
  std::set<std::string> ids;
  const LoadResult catalog = LoadPolicyFrom(ReadBuiltinFile, "rules/catalog.yaml", {});
  if (catalog.policy) {
    for (const Rule& rule : catalog.policy->rules) ids.insert(rule.id);
  }
  return ids;
}

LoadResult LoadBuiltinPack(const std::string& name, const ParameterOverrides& overrides) {
  const std::vector<std::string> names = BuiltinPackNames();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string message = "unknown pack '" + name + "' (built-in packs:";
    for (const std::string& known : names) message += " " + known;
    message += ")";
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    if (std::optional<std::string> match = ClosestMatch(name, candidates)) {
      message += " (did you mean '" + *match + "'?)";
    }
    return {std::nullopt, {LoadError{LoadErrorCode::kUnknownName, {"--pack", 0, 0}, message}}};
  }
  return LoadPolicyFrom(ReadBuiltinFile,
                        std::string(kPackDirectory) + name + std::string(kPackSuffix), overrides);
}

}  // namespace pgward::policy
