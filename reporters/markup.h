#pragma once

// Text from the evidence written into XML (JUnit) and HTML: any byte sequence may arrive, and
// none may end an element, open a tag or break the document.

#include <string>
#include <string_view>

namespace pgward::reporters {

// XML 1.0 Char (TAB, LF, CR and U+0020 on, less surrogates and U+FFFE/U+FFFF), less DEL and the C1
// controls, which are legal but drive terminals and trip XML 1.1 readers.
bool IsXmlChar(char32_t code_point);

// Printable ASCII: kept as it is, but for markup.
inline bool IsPlainAscii(char c) { return c >= 0x20 && c < 0x7F; }

// Appends `text` as character data: valid UTF-8 of XML characters only (U+FFFD for the rest),
// markup escaped. In attributes, quotes are escaped and TAB, LF and CR become references, which
// attribute-value normalisation would otherwise turn into spaces. HTML reads the same escapes.
void AppendMarkup(std::string& out, std::string_view text, bool attribute);

}  // namespace pgward::reporters
