#include "reporters/hba_rules_report.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/utf8.h"
#include "reporters/json_writer.h"
#include "reporters/printable.h"

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

std::string JoinArray(const std::optional<std::vector<std::string>>& values) {
  if (!values) return "";
  std::string joined = "{";
  for (std::size_t i = 0; i < values->size(); ++i) {
    if (i > 0) joined += ',';
    joined += (*values)[i];
  }
  joined += '}';
  return joined;
}

// Display width in terminal cells, counting one per UTF-8 character.
std::size_t DisplayWidth(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

}  // namespace

FileRulesJsonWriter::FileRulesJsonWriter(std::ostream& out) : out_(out), json_(out) {
  json_.BeginArray();
}

void FileRulesJsonWriter::Row(const FileRulesRow& row) {
  json_.BeginObject();
  json_.Key("rule_number");
  json_.OptionalInt(row.rule_number);
  json_.Key("file_name");
  json_.OptionalString(row.file_name);
  json_.IntMember("line_number", row.line_number);
  json_.Key("type");
  json_.OptionalString(row.type);
  json_.Key("database");
  json_.OptionalStrings(row.database);
  json_.Key("user_name");
  json_.OptionalStrings(row.user_name);
  json_.Key("address");
  json_.OptionalString(row.address);
  json_.Key("netmask");
  json_.OptionalString(row.netmask);
  json_.Key("auth_method");
  json_.OptionalString(row.auth_method);
  json_.Key("options");
  json_.OptionalStrings(row.options);
  json_.Key("error");
  json_.OptionalString(row.error);
  json_.EndObject();
}

void FileRulesJsonWriter::Finish() {
  json_.EndArray();
  json_.Flush();
  out_ << "\n";
}

void WriteFileRulesTable(const std::vector<FileRulesRow>& rows, bool has_file_columns,
                         std::ostream& out) {
  std::vector<std::string> headers;
  if (has_file_columns) headers = {"rule_number", "file_name"};
  for (const char* name : {"line_number", "type", "database", "user_name", "address", "netmask",
                           "auth_method", "options", "error"}) {
    headers.emplace_back(name);
  }

  // NULL is an empty cell, as psql prints it.
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const FileRulesRow& row : rows) {
    std::vector<std::string> line;
    if (has_file_columns) {
      line.push_back(row.rule_number ? std::to_string(*row.rule_number) : "");
      line.push_back(row.file_name.value_or(""));
    }
    line.push_back(std::to_string(row.line_number));
    line.push_back(row.type.value_or(""));
    line.push_back(JoinArray(row.database));
    line.push_back(JoinArray(row.user_name));
    line.push_back(row.address.value_or(""));
    line.push_back(row.netmask.value_or(""));
    line.push_back(row.auth_method.value_or(""));
    line.push_back(JoinArray(row.options));
    line.push_back(row.error.value_or(""));
    for (std::string& cell : line) cell = EscapeForTable(cell);
    cells.push_back(std::move(line));
  }

  std::vector<std::size_t> widths(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) widths[i] = DisplayWidth(headers[i]);
  for (const auto& line : cells) {
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
  for (const auto& line : cells) write_line(line);
}

}  // namespace pgward::reporters
