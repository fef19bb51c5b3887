#include "engine/core/json_string.h"

#include <array>

#include "engine/core/utf8.h"

namespace pgward {
namespace {

// Bytes that are not copied as they are: controls, '"', '\\', and every byte of a multi-byte
// sequence (checked for UTF-8). A table: this test runs once per byte of every report.
constexpr auto kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (size_t c = 0; c < table.size(); ++c) {
    table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  }
  return table;
}();

bool NeedsEscape(unsigned char c) { return kNeedsEscape[c]; }

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs of plain ASCII are copied at once.
    std::size_t plain = i;
    while (plain < text.size() && !NeedsEscape(static_cast<unsigned char>(text[plain]))) ++plain;
    out.append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const Utf8Char next = NextUtf8(text, i);
      if (next.valid) {
        out.append(text.data() + i, next.length);
      } else {
        out += kReplacementCharacter;
      }
      i += next.length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      }
    }
    ++i;
  }
  out += '"';
}

}  // namespace pgward
