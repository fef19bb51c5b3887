#include "reporters/psql_table.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "engine/core/utf8.h"

namespace pgward::reporters {
namespace {

// Control characters would break the table's lines (include_dir errors hold newlines), and C1
// controls (U+0080-U+009F, such as CSI) and bytes that are not UTF-8 reach a terminal as much as
// C0 ones do: every byte of those is shown as \xNN, so the table shows exactly what the file
// holds and nothing in it acts on the terminal.
std::string EscapeForTable(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char next = NextUtf8(text, i);
    const bool well_formed = next.valid;
    const char32_t code_point = next.code_point;
    const std::size_t length = next.length;
    if (well_formed && code_point == '\n') {
      escaped += "\\n";
    } else if (well_formed && code_point == '\t') {
      escaped += "\\t";
    } else if (well_formed && code_point == '\r') {
      escaped += "\\r";
    } else if (!well_formed || code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) {
      for (std::size_t k = i; k < i + length; ++k) {
        char hex[5];
        std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(text[k]));
        escaped += hex;
      }
    } else {
      escaped.append(text.substr(i, length));
    }
    i += length;
  }
  return escaped;
}

// Display width in terminal cells, counting one per UTF-8 character.
std::size_t DisplayWidth(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

}  // namespace

void WritePsqlTable(const std::vector<std::string>& headers,
                    std::vector<std::vector<std::string>> rows, std::ostream& out) {
  for (auto& line : rows) {
    for (std::string& cell : line) cell = EscapeForTable(cell);
  }
  std::vector<std::size_t> widths(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) widths[i] = DisplayWidth(headers[i]);
  for (const auto& line : rows) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(line[i]));
    }
  }
  auto write_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i > 0) text += "  ";
      text += line[i];
      // The last column is not padded: no trailing blanks.
      if (i + 1 < line.size()) text.append(widths[i] - DisplayWidth(line[i]), ' ');
    }
    out << text << "\n";
  };
  write_line(headers);
  std::vector<std::string> rule;
  for (std::size_t width : widths) rule.emplace_back(width, '-');
  write_line(rule);
  for (const auto& line : rows) write_line(line);
}

}  // namespace pgward::reporters
