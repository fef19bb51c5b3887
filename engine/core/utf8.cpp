#include "engine/core/utf8.h"

namespace pgward {

Utf8Char NextUtf8(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  Utf8Char next;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead < 0x80) {
    return {lead, 1, true};
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    next.code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    next.code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    next.code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return next;  // never a lead byte: invalid on its own
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k == text.size()) {
      next.length = k;
      return next;
    }
    const unsigned char continuation = byte(k);
    if (continuation < (k == 1 ? low : 0x80) || continuation > (k == 1 ? high : 0xBF)) {
      next.length = k;
      return next;
    }
    next.code_point = (next.code_point << 6) | (continuation & 0x3F);
  }
  next.length = length;
  next.valid = true;
  return next;
}

}  // namespace pgward
