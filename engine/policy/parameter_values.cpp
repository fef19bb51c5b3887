#include "engine/policy/parameter_values.h"

#include "engine/core/yaml_document.h"

namespace pgward::policy {
namespace {

class ParameterValues {
 public:
  explicit ParameterValues(LoadContext& context) : context_(context) {}

  void ApplyValues(PolicyDraft& draft, const YAML::Node& values, const std::string& file) {
    if (!values.IsMap()) {
      context_.Error(LoadErrorCode::kWrongType, file, values.Mark(),
                     "parameter values must be a mapping of name to value");
      return;
    }
    context_.CheckDuplicateKeys(values, "parameter values", file);
    for (auto it = values.begin(); it != values.end(); ++it) {
      const std::string name = it->first.Scalar();
      DraftParameter* parameter = context_.FindParameter(draft, name);
      if (parameter == nullptr) {
        context_.Error(LoadErrorCode::kUnknownName, file, it->first.Mark(),
                       context_.UnknownParameter(draft, name));
        continue;
      }
      const std::string what = "parameter " + Quoted(name);
      std::optional<ParameterValue> value =
          context_.ParseValue(parameter->parameter.type, it->second, what, file);
      if (value &&
          context_.WithinBounds(parameter->parameter, *value, what, file, it->second.Mark())) {
        parameter->parameter.value = *value;
        parameter->value_file = file;
        parameter->value_mark = it->second.Mark();
      }
    }
  }

  void ApplyOverrides(PolicyDraft& draft, const ParameterOverrides& overrides) {
    for (const std::string& path : overrides.values_files) {
      const InputFile values = ReadFromDisk(path);
      if (values.error) {
        context_.Error(LoadErrorCode::kUnreadable, path, YAML::Mark::null_mark(),
                       "cannot read the values file: " + *values.error);
        continue;
      }
      try {
        ApplyValues(draft, LoadYamlDocument(values.contents), path);
      } catch (const YAML::Exception& error) {
        context_.Error(LoadErrorCode::kInvalidYaml, path, error.mark, "invalid YAML: " + error.msg);
      }
    }
    for (const std::string& assignment : overrides.assignments) {
      const size_t equals = assignment.find('=');
      const std::string where = "--set " + assignment;
      if (equals == std::string::npos || equals == 0) {
        context_.Error(LoadErrorCode::kWrongType, "command line", YAML::Mark::null_mark(),
                       where + ": expected NAME=VALUE");
        continue;
      }
      const std::string name = assignment.substr(0, equals);
      DraftParameter* parameter = context_.FindParameter(draft, name);
      if (parameter == nullptr) {
        context_.Error(LoadErrorCode::kUnknownName, "command line", YAML::Mark::null_mark(),
                       "--set: " + context_.UnknownParameter(draft, name));
        continue;
      }
      std::optional<ParameterValue> value =
          context_.ParseScalarValue(parameter->parameter.type, assignment.substr(equals + 1),
                                    "--set " + name, "command line", YAML::Mark::null_mark());
      if (value && context_.WithinBounds(parameter->parameter, *value, "--set " + name,
                                         "command line", YAML::Mark::null_mark())) {
        parameter->parameter.value = *value;
        parameter->value_file = "command line (--set " + name + ")";
        parameter->value_mark = YAML::Mark::null_mark();
      }
    }
  }

 private:
  LoadContext& context_;
};

}  // namespace

void ApplyValues(LoadContext& context, PolicyDraft& draft, const YAML::Node& values,
                 const std::string& file) {
  ParameterValues(context).ApplyValues(draft, values, file);
}

void ApplyOverrides(LoadContext& context, PolicyDraft& draft, const ParameterOverrides& overrides) {
  ParameterValues(context).ApplyOverrides(draft, overrides);
}

}  // namespace pgward::policy
