#pragma once

// Text from the evidence (file contents, names a server returns, error texts) made safe for
// the places it is written to. Any byte sequence may arrive: invalid UTF-8 becomes U+FFFD, and
// control characters never reach a terminal, where they could move the cursor, rewrite what
// was printed or set the clipboard (OSC 52).

#include <cstddef>
#include <string>
#include <string_view>

namespace pgward::reporters {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes one UTF-8 sequence at `text[i]`; returns its length, 0 when it is not well-formed
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t DecodeUtf8(std::string_view text, std::size_t i, char32_t& code_point);

// `text` for a terminal: valid UTF-8 with every C0 and C1 control and DEL replaced by '?'
// (line feeds, carriage returns and tabs too, unless `keep_line_breaks`).
std::string Printable(std::string_view text, bool keep_line_breaks = false);

}  // namespace pgward::reporters
