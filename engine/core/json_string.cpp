#include "engine/core/json_string.h"

#include "engine/core/utf8.h"

namespace pgward {
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs of plain ASCII are copied at once.
    const std::size_t plain = PrintableAsciiEnd(text, i, '"', '\\');
    out.append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x7F) {  // DEL is printable to JSON
      out += static_cast<char>(c);
      ++i;
      continue;
    }
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
