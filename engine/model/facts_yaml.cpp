#include "engine/model/facts_yaml.h"

#include <vector>

#include "engine/core/suggest.h"
#include "engine/model/fact_format.h"

namespace pgward {
namespace {

std::string At(const YAML::Node& node, const std::string& message) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return message;
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " + message;
}

std::string Hint(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::optional<std::string> match = ClosestMatch(word, candidates);
  return match ? " (did you mean '" + *match + "'?)" : "";
}

std::optional<std::string> SetValue(FactTable& table, size_t row, size_t field,
                                    const YAML::Node& value) {
  const FieldSpec& spec = table.spec().fields[field];
  const std::string what = "field '" + std::string(spec.name) + "'";
  if (value.IsNull()) return std::nullopt;  // absent
  if (spec.type == FieldType::kStringList) {
    if (!value.IsSequence()) return At(value, what + " must be a list");
    std::vector<std::string> items;
    for (const YAML::Node& item : value) {
      if (!item.IsScalar()) return At(item, what + " must be a list of strings");
      items.push_back(item.Scalar());
    }
    table.SetStringList(row, field, items);
    return std::nullopt;
  }
  if (!value.IsScalar()) return At(value, what + " must be a single value");
  if (std::optional<std::string> expected = SetFieldFromText(table, row, field, value.Scalar())) {
    return At(value, what + " must be " + *expected);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> AddFactsFromYaml(const YAML::Node& document, FactSet& facts) {
  if (!document.IsMap()) return At(document, "facts must be a mapping of fact type to a list");
  std::vector<std::string_view> type_names;
  for (const FactTypeSpec& type : AllFactTypes()) type_names.push_back(type.name);
  for (auto entry = document.begin(); entry != document.end(); ++entry) {
    const std::string type_name = entry->first.Scalar();
    const FactTypeSpec* type = FindFactType(type_name);
    if (type == nullptr) {
      return At(entry->first,
                "unknown fact type '" + type_name + "'" + Hint(type_name, type_names));
    }
    if (!entry->second.IsSequence()) return At(entry->second, "'" + type_name + "' must be a list");
    FactTable& table = facts.table(type->kind);
    std::vector<std::string_view> field_names;
    for (const FieldSpec& field : type->fields) field_names.push_back(field.name);
    // A copy: `entry->second` lives in a proxy that dies with the expression that made it.
    const YAML::Node list = entry->second;
    for (const YAML::Node& fact : list) {
      if (!fact.IsMap()) return At(fact, "each " + type_name + " fact must be a mapping");
      const std::optional<size_t> line_field = type->FieldIndex("line");
      const std::optional<size_t> file_field = type->FieldIndex("file");
      FactSource source;
      // hba facts are located at their file and line, like the ones read from a file.
      if (file_field && line_field && fact["file"] && fact["line"]) {
        source.file = facts.pool().InternString(fact["file"].Scalar());
        source.line = fact["line"].as<int>(0);
      }
      const size_t row = table.AppendRow(source);
      for (auto field = fact.begin(); field != fact.end(); ++field) {
        const std::string name = field->first.Scalar();
        std::optional<size_t> index = type->FieldIndex(name);
        if (!index) {
          return At(field->first,
                    "unknown field '" + name + "' for " + type_name + Hint(name, field_names));
        }
        if (std::optional<std::string> error = SetValue(table, row, *index, field->second)) {
          return error;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace pgward
