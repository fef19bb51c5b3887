#pragma once

// JSON string literals from text that may hold any bytes: every JSON pgward writes (reports,
// snapshots, fingerprints) escapes strings here, so all of it is valid JSON and equal text is
// equal JSON everywhere.

#include <string>
#include <string_view>

namespace pgward {

// Appends `text` as a JSON string literal, quotes included, byte for byte as nlohmann::json's
// dump() with error_handler_t::replace writes it: '"', '\\' and control characters escaped
// (\b \f \n \r \t, else \u00XX), other characters kept as UTF-8, and each invalid sequence
// (NextUtf8) replaced by U+FFFD.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace pgward
