#include "engine/model/fact_format.h"

#include <ctime>
#include <string_view>

namespace pgward {

std::string FormatTimestamp(std::int64_t seconds) {
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::optional<std::int64_t> ParseTimestamp(std::string_view text) {
  std::tm utc{};
  const std::string terminated(text);
  const char* end = nullptr;
  if (text.size() == 10) {
    end = strptime(terminated.c_str(), "%Y-%m-%d", &utc);
  } else if (text.size() == 20) {
    end = strptime(terminated.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  }
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&utc));
}

std::string FormatField(const FactTable& table, size_t row, size_t field) {
  const nlohmann::json value = FieldToJson(table, row, field);
  if (value.is_null()) return "(absent)";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string joined;
    for (const nlohmann::json& element : value) {
      if (!joined.empty()) joined += ", ";
      joined += element.get<std::string>();
    }
    return joined;
  }
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json FieldToJson(const FactTable& table, size_t row, size_t field) {
  const ValuePool& pool = table.pool();
  switch (table.spec().fields[field].type) {
    case FieldType::kInteger: {
      const auto value = table.Integer(row, field);
      return value ? nlohmann::json(*value) : nlohmann::json();
    }
    case FieldType::kTimestamp: {
      const auto value = table.Integer(row, field);
      return value ? nlohmann::json(FormatTimestamp(*value)) : nlohmann::json();
    }
    case FieldType::kBool: {
      const auto value = table.Bool(row, field);
      return value ? nlohmann::json(*value) : nlohmann::json();
    }
    case FieldType::kTlsVersion: {
      const auto value = table.Tls(row, field);
      return value ? nlohmann::json(TlsVersionName(*value)) : nlohmann::json();
    }
    default:
      break;
  }
  const ValueId id = table.Id(row, field);
  if (id == kAbsent) return nlohmann::json();
  switch (table.spec().fields[field].type) {
    case FieldType::kString:
      return std::string(pool.String(id));
    case FieldType::kAddress:
      return FormatIpAddress(pool.Address(id));
    case FieldType::kRange:
      return FormatIpRange(pool.Range(id));
    case FieldType::kStringList: {
      nlohmann::json list = nlohmann::json::array();
      for (ValueId element : pool.List(id)) list.push_back(std::string(pool.String(element)));
      return list;
    }
    default:
      return nlohmann::json();
  }
}

}  // namespace pgward
