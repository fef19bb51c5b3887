#include "engine/model/fact_format.h"

#include <chrono>
#include <cstdio>
#include <string_view>

namespace pgward {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

// Digits only, exactly `count` of them: strptime would also take signs, spaces and short fields.
std::optional<unsigned> Digits(std::string_view text, size_t position, size_t count) {
  unsigned value = 0;
  for (size_t i = position; i < position + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

}  // namespace

std::string FormatTimestamp(std::int64_t seconds) {
  const std::int64_t days =
      seconds >= 0 ? seconds / kSecondsPerDay : (seconds - kSecondsPerDay + 1) / kSecondsPerDay;
  const std::int64_t time_of_day = seconds - days * kSecondsPerDay;
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  char text[48];
  // Four-digit years, zero-padded, so that what is written parses back (strftime writes "27").
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time_of_day / 3600), static_cast<int>(time_of_day / 60 % 60),
                static_cast<int>(time_of_day % 60));
  return text;
}

std::optional<std::int64_t> ParseTimestamp(std::string_view text) {
  if (text.size() != 10 && text.size() != 20) return std::nullopt;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::optional<unsigned> year = Digits(text, 0, 4), month = Digits(text, 5, 2),
                                day = Digits(text, 8, 2);
  if (!year || !month || !day) return std::nullopt;
  // A date that does not exist (February 30th) is an error, not the day it would roll over to.
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)},
                                         std::chrono::month{*month}, std::chrono::day{*day}};
  if (!date.ok()) return std::nullopt;
  std::int64_t seconds =
      static_cast<std::int64_t>(std::chrono::sys_days{date}.time_since_epoch().count()) *
      kSecondsPerDay;
  if (text.size() == 10) return seconds;
  if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') return std::nullopt;
  const std::optional<unsigned> hour = Digits(text, 11, 2), minute = Digits(text, 14, 2),
                                second = Digits(text, 17, 2);
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  return seconds + *hour * 3600 + *minute * 60 + *second;
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
