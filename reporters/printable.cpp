#include "reporters/printable.h"

#include "engine/core/utf8.h"

namespace pgward::reporters {

std::string Printable(std::string_view text, bool keep_line_breaks) {
  std::string safe;
  safe.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t plain = PrintableAsciiEnd(text, i);
    safe.append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const Utf8Char next = NextUtf8(text, i);
    if (!next.valid) {
      safe += kReplacementCharacter;
      i += next.length;
      continue;
    }
    const char32_t code_point = next.code_point;
    const std::size_t length = next.length;
    const bool line_break = code_point == '\n' || code_point == '\r';
    if ((code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) && code_point != '\t' &&
        !(keep_line_breaks && line_break)) {
      safe += '?';
    } else {
      safe.append(text.substr(i, length));
    }
    i += length;
  }
  return safe;
}

}  // namespace pgward::reporters
