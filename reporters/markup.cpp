#include "reporters/markup.h"

#include "engine/core/utf8.h"

namespace pgward::reporters {

bool IsXmlChar(char32_t code_point) {
  if (code_point == 0x9 || code_point == 0xA || code_point == 0xD) return true;
  if (code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) return false;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
  return code_point != 0xFFFE && code_point != 0xFFFF && code_point <= 0x10FFFF;
}

void AppendMarkup(std::string& out, std::string_view text, bool attribute) {
  for (size_t i = 0; i < text.size();) {
    // Runs of printable ASCII without markup are copied at once.
    size_t plain = i;
    while (plain < text.size() && IsPlainAscii(text[plain]) && text[plain] != '&' &&
           text[plain] != '<' && text[plain] != '>' && text[plain] != '"' && text[plain] != '\'') {
      ++plain;
    }
    out.append(text, i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const Utf8Char next = NextUtf8(text, i);
    const char32_t code_point = next.code_point;
    const size_t length = next.length;
    if (!next.valid || !IsXmlChar(code_point)) {
      out += kReplacementCharacter;
      i += length;
      continue;
    }
    switch (code_point) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\'':
        out += attribute ? "&apos;" : "'";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out.append(text.substr(i, length));
    }
    i += length;
  }
}

}  // namespace pgward::reporters
