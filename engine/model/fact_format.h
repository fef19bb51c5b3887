#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/model/fact_table.h"

namespace pgward {

// A field's value as text for messages ("(absent)" for SQL NULL): strings as they are, lists
// joined by ", ", addresses and ranges as CIDR text, timestamps as ISO 8601 UTC.
std::string FormatField(const FactTable& table, size_t row, size_t field);

// A field's value as JSON for reports: null when absent, arrays for lists.
nlohmann::json FieldToJson(const FactTable& table, size_t row, size_t field);

// "2026-11-24T10:00:00Z".
std::string FormatTimestamp(std::int64_t seconds);
// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) to seconds since the epoch.
std::optional<std::int64_t> ParseTimestamp(std::string_view text);

}  // namespace pgward
