#pragma once

// JSON string literals from text that may hold any bytes: every JSON pgward writes (reports,
// snapshots, fingerprints) escapes strings here, so all of it is valid JSON and equal text is
// equal JSON everywhere.

#include <string_view>

#include "engine/core/utf8.h"

namespace pgward {

// Appends `text` as a JSON string literal, quotes included, byte for byte as nlohmann::json's
// dump() with error_handler_t::replace writes it: '"', '\\' and control characters escaped
// (\b \f \n \r \t, else \u00XX), other characters kept as UTF-8, and each invalid sequence
// (NextUtf8) replaced by U+FFFD. `out` is a std::string or a writer's own buffer: anything with
// append(const char*, size_t) and push_back(char).
template <typename Out>
void AppendJsonString(Out& out, std::string_view text) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs of plain ASCII are copied at once.
    const std::size_t plain = PrintableAsciiEnd(text, i, '"', '\\');
    out.append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x7F) {  // DEL is printable to JSON
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const Utf8Char next = NextUtf8(text, i);
      if (next.valid) {
        out.append(text.data() + i, next.length);
      } else {
        out.append(kReplacementCharacter.data(), kReplacementCharacter.size());
      }
      i += next.length;
      continue;
    }
    char escape = '\0';
    switch (c) {
      case '"':
        escape = '"';
        break;
      case '\\':
        escape = '\\';
        break;
      case '\b':
        escape = 'b';
        break;
      case '\f':
        escape = 'f';
        break;
      case '\n':
        escape = 'n';
        break;
      case '\r':
        escape = 'r';
        break;
      case '\t':
        escape = 't';
        break;
      default:
        break;
    }
    if (escape != '\0') {
      const char escaped[2] = {'\\', escape};
      out.append(escaped, 2);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out.append(escaped, 6);
    }
    ++i;
  }
  out.push_back('"');
}

}  // namespace pgward
