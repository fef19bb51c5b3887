#include "reporters/printable.h"

namespace pgward::reporters {

// Decodes one UTF-8 sequence at `text[i]`; returns its length, 0 when it is not well-formed
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t DecodeUtf8(std::string_view text, std::size_t i, char32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(k);
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return 0;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  return length;
}

std::string Printable(std::string_view text, bool keep_line_breaks) {
  std::string safe;
  safe.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t code_point = 0;
    const std::size_t length = DecodeUtf8(text, i, code_point);
    if (length == 0) {
      safe += kReplacement;
      ++i;
      continue;
    }
    const bool line_break = code_point == '\n' || code_point == '\r' || code_point == '\t';
    if ((code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) &&
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
