#include "engine/model/facts_yaml.h"

#include <charconv>
#include <vector>

#include "engine/core/suggest.h"
#include "engine/model/fact_format.h"

namespace pgward {
namespace {

std::string At(const YamlNode& node, const std::string& message) {
  const YamlMark mark = node.mark();
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " + message;
}

std::string Hint(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::optional<std::string> match = ClosestMatch(word, candidates);
  return match ? " (did you mean '" + *match + "'?)" : "";
}

std::optional<std::string> SetValue(FactTable& table, size_t row, size_t field,
                                    const YamlNode& value) {
  const FieldSpec& spec = table.spec().fields[field];
  const std::string what = "field '" + std::string(spec.name) + "'";
  if (value.IsNull()) return std::nullopt;  // absent
  if (spec.type == FieldType::kStringList) {
    if (!value.IsSequence()) return At(value, what + " must be a list");
    std::vector<std::string> items;
    for (size_t i = 0; i < value.size(); ++i) {
      const YamlNode item = value.Element(i);
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

std::optional<std::string> AddFactsFromYaml(const YamlNode& document, FactSet& facts) {
  if (!document.IsMap()) return At(document, "facts must be a mapping of fact type to a list");
  std::vector<std::string_view> type_names;
  for (const FactTypeSpec& type : AllFactTypes()) type_names.push_back(type.name);
  for (size_t entry = 0; entry < document.size(); ++entry) {
    const std::string& type_name = document.Key(entry).Scalar();
    const FactTypeSpec* type = FindFactType(type_name);
    if (type == nullptr) {
      return At(document.Key(entry),
                "unknown fact type '" + type_name + "'" + Hint(type_name, type_names));
    }
    const YamlNode list = document.Value(entry);
    if (!list.IsSequence()) return At(list, "'" + type_name + "' must be a list");
    FactTable& table = facts.table(type->kind);
    std::vector<std::string_view> field_names;
    for (const FieldSpec& field : type->fields) field_names.push_back(field.name);
    for (size_t i = 0; i < list.size(); ++i) {
      const YamlNode fact = list.Element(i);
      if (!fact.IsMap()) return At(fact, "each " + type_name + " fact must be a mapping");
      const std::optional<size_t> line_field = type->FieldIndex("line");
      const std::optional<size_t> file_field = type->FieldIndex("file");
      FactSource source;
      // hba facts are located at their file and line, like the ones read from a file.
      const std::optional<YamlNode> file = fact.Find("file");
      const std::optional<YamlNode> line = fact.Find("line");
      if (file_field && line_field && file && line) {
        source.file = facts.pool().InternString(file->Scalar());
        const std::string& text = line->Scalar();
        // The line field itself is checked below; an unreadable one locates nothing.
        if (std::from_chars(text.data(), text.data() + text.size(), source.line).ec !=
            std::errc()) {
          source.line = 0;
        }
      }
      const size_t row = table.AppendRow(source);
      for (size_t field = 0; field < fact.size(); ++field) {
        const std::string& name = fact.Key(field).Scalar();
        std::optional<size_t> index = type->FieldIndex(name);
        if (!index) {
          return At(fact.Key(field),
                    "unknown field '" + name + "' for " + type_name + Hint(name, field_names));
        }
        if (std::optional<std::string> error = SetValue(table, row, *index, fact.Value(field))) {
          return error;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace pgward
