#include "engine/policy/parameter_values.h"

namespace pgward::policy {
namespace {

class ParameterValues {
 public:
  explicit ParameterValues(LoadContext& context) : context_(context) {}

  void ApplyValues(PolicyDraft& draft, const YamlNode& values, const std::string& file) {
    if (!values.IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, values.mark(),
                     "parameter values must be a mapping of name to value");
      return;
    }
    context_.CheckDuplicateKeys(values, "parameter values", file);
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string& name = values.Key(i).Scalar();
      const YamlNode given = values.Value(i);
      DraftParameter* parameter = context_.FindParameter(draft, name);
      if (parameter == nullptr) {
        context_.Error(LoadErrorCode::kUnknownName, file, values.Key(i).mark(),
                       context_.UnknownParameter(draft, name));
        continue;
      }
      const std::string what = "parameter " + Quoted(name);
      std::optional<ParameterValue> value =
          context_.ParseValue(parameter->parameter.type, given, what, file);
      if (value && context_.WithinBounds(parameter->parameter, *value, what, file, given.mark())) {
        parameter->parameter.value = *value;
        parameter->value_file = file;
        parameter->value_mark = given.mark();
      }
    }
  }

  void ApplyOverrides(PolicyDraft& draft, const ParameterOverrides& overrides) {
    for (const std::string& path : overrides.values_files) {
      const InputFile values = ReadFromDisk(path);
      if (values.error) {
        context_.Error(LoadErrorCode::kUnreadable, path, std::nullopt,
                       "cannot read the values file: " + *values.error);
        continue;
      }
      // Read into a tree of its own: only the values it gives are kept.
      if (const std::optional<YamlTree> tree = context_.ParseYaml(path, values.contents)) {
        ApplyValues(draft, tree->root(), path);
      }
    }
    for (const std::string& assignment : overrides.assignments) {
      const size_t equals = assignment.find('=');
      const std::string where = "--set " + assignment;
      if (equals == std::string::npos || equals == 0) {
        context_.Error(LoadErrorCode::kWrongType, "command line", std::nullopt,
                       where + ": expected NAME=VALUE");
        continue;
      }
      const std::string name = assignment.substr(0, equals);
      DraftParameter* parameter = context_.FindParameter(draft, name);
      if (parameter == nullptr) {
        context_.Error(LoadErrorCode::kUnknownName, "command line", std::nullopt,
                       "--set: " + context_.UnknownParameter(draft, name));
        continue;
      }
      std::optional<ParameterValue> value =
          context_.ParseScalarValue(parameter->parameter.type, assignment.substr(equals + 1),
                                    "--set " + name, "command line", std::nullopt);
      if (value && context_.WithinBounds(parameter->parameter, *value, "--set " + name,
                                         "command line", std::nullopt)) {
        parameter->parameter.value = *value;
        parameter->value_file = "command line (--set " + name + ")";
        parameter->value_mark.reset();
      }
    }
  }

 private:
  LoadContext& context_;
};

}  // namespace

void ApplyValues(LoadContext& context, PolicyDraft& draft, const YamlNode& values,
                 const std::string& file) {
  ParameterValues(context).ApplyValues(draft, values, file);
}

void ApplyOverrides(LoadContext& context, PolicyDraft& draft, const ParameterOverrides& overrides) {
  ParameterValues(context).ApplyOverrides(draft, overrides);
}

}  // namespace pgward::policy
