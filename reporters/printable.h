#pragma once

// Text from the evidence (file contents, names a server returns, error texts) made safe for
// the places it is written to. Any byte sequence may arrive: invalid UTF-8 becomes U+FFFD, and
// control characters never reach a terminal, where they could move the cursor, rewrite what
// was printed or set the clipboard (OSC 52).

#include <string>
#include <string_view>

namespace pgward::reporters {

// `text` for a terminal: valid UTF-8 with every C0 and C1 control and DEL replaced by '?'
// (line feeds and carriage returns too, unless `keep_line_breaks`). Tabs stay: they only move
// to the next tab stop, and server messages hold them.
std::string Printable(std::string_view text, bool keep_line_breaks = false);

}  // namespace pgward::reporters
