#include "engine/model/fact_schema.h"

namespace pgward {
using enum FieldType;

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case kString:
      return "string";
    case kBool:
      return "bool";
    case kInteger:
      return "integer";
    case kTimestamp:
      return "timestamp";
    case kTlsVersion:
      return "tls_version";
    case kAddress:
      return "address";
    case kRange:
      return "range";
    case kStringList:
      return "string_list";
  }
  return "";
}

std::optional<size_t> FactTypeSpec::FieldIndex(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return i;
  }
  return std::nullopt;
}

std::span<const FactTypeSpec> AllFactTypes() { return internal::kFactTypes; }

const FactTypeSpec& FactType(FactKind kind) {
  return internal::kFactTypes[static_cast<size_t>(kind)];
}

const FactTypeSpec* FindFactType(std::string_view name) {
  for (const FactTypeSpec& type : internal::kFactTypes) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

}  // namespace pgward
