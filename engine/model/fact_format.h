#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/model/fact_table.h"

namespace pgward {

// A field's value as text for messages ("(absent)" for SQL NULL): strings as they are, lists
// joined by ", ", addresses and ranges as CIDR text, timestamps as ISO 8601 UTC.
std::string FormatField(const FactTable& table, size_t row, size_t field);

// A field's value as reports show it, handed to one of these by VisitField.
class FieldVisitor {
 public:
  virtual ~FieldVisitor() = default;
  virtual void Absent() = 0;  // SQL NULL, or not collected
  // Strings as they are; addresses and ranges as CIDR text, timestamps as ISO 8601 UTC, TLS
  // versions by name.
  virtual void Text(std::string_view text) = 0;
  virtual void Integer(std::int64_t value) = 0;
  virtual void Bool(bool value) = 0;
  virtual void List(std::span<const ValueId> strings, const ValuePool& pool) = 0;
};

void VisitField(const FactTable& table, size_t row, size_t field, FieldVisitor& visitor);

// Appends the field's value as compact JSON (null when absent, arrays for lists), byte for byte
// as nlohmann::json's dump() would write it: fingerprints hash this text.
void AppendFieldJson(std::string& out, const FactTable& table, size_t row, size_t field);

bool IsAbsent(const FactTable& table, size_t row, size_t field);

// Sets a scalar field (every type but lists) from its text as reports and YAML facts write it:
// "true"/"false", decimal integers, timestamps as ParseTimestamp takes them, TLS versions by
// name, addresses and ranges as CIDR text. Returns what the text should have been when it is
// not that.
std::optional<std::string> SetFieldFromText(FactTable& table, size_t row, size_t field,
                                            std::string_view text);

// "2026-11-24T10:00:00Z".
std::string FormatTimestamp(std::int64_t seconds);
// "2026-11-24T10:00:00.123Z": the times of server logs, which have milliseconds.
std::string FormatTimestampMilliseconds(std::int64_t milliseconds);
// The time now, in seconds since the epoch and as FormatTimestamp writes it.
std::int64_t NowSeconds();
std::string NowTimestamp();
// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) to seconds since the epoch.
std::optional<std::int64_t> ParseTimestamp(std::string_view text);

}  // namespace pgward
