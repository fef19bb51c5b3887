#include "engine/cli/hba_rules_command.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "engine/core/exit_code.h"
#include "engine/hba/file_rules_view.h"
#include "engine/hba/parser.h"

namespace pgward::cli {
namespace {

constexpr int kExitOk = static_cast<int>(ExitCode::kOk);
constexpr int kExitInputError = static_cast<int>(ExitCode::kUsageOrInputError);

// Every row has all the keys of the PostgreSQL 16+ view, in its column order. Before 16 the
// view has no rule_number and no file_name: the keys stay, with null values, so that consumers
// see one shape whatever the version.
nlohmann::ordered_json RowToJson(const FileRulesRow& row) {
  auto optional = [](const auto& value) -> nlohmann::ordered_json {
    if (!value) return nullptr;
    return *value;
  };
  nlohmann::ordered_json object;
  object["rule_number"] = optional(row.rule_number);
  object["file_name"] = optional(row.file_name);
  object["line_number"] = row.line_number;
  object["type"] = optional(row.type);
  object["database"] = optional(row.database);
  object["user_name"] = optional(row.user_name);
  object["address"] = optional(row.address);
  object["netmask"] = optional(row.netmask);
  object["auth_method"] = optional(row.auth_method);
  object["options"] = optional(row.options);
  object["error"] = optional(row.error);
  return object;
}

void WriteJson(const std::vector<FileRulesRow>& rows, std::ostream& out) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const FileRulesRow& row : rows) array.push_back(RowToJson(row));
  // pg_hba.conf bytes need not be UTF-8: invalid sequences become U+FFFD instead of throwing.
  out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

// Control characters would break the table's lines (include_dir errors hold newlines).
std::string EscapeForTable(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\t') {
      escaped += "\\t";
    } else if (c == '\r') {
      escaped += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      escaped += hex;
    } else {
      escaped += static_cast<char>(c);
    }
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

void WriteTable(const std::vector<FileRulesRow>& rows, int pg_version, std::ostream& out) {
  const bool has_file_columns = pg_version >= 16;
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

}  // namespace

int RunHbaRules(const HbaRulesOptions& options, std::ostream& out, std::ostream& err) {
  if (options.pg_version < hba::kOldestPgVersion || options.pg_version > hba::kNewestPgVersion) {
    err << "pgward: unsupported PostgreSQL version " << options.pg_version
        << " (supported: " << hba::kOldestPgVersion << " to " << hba::kNewestPgVersion << ")\n";
    return kExitInputError;
  }
  hba::ParseOptions parse_options;
  parse_options.pg_version = options.pg_version;
  parse_options.access = options.access;
  const hba::HbaFile file = hba::ParseHbaFile(options.file, parse_options);
  if (std::optional<std::string> problem = hba::UnreadableReason(file)) {
    err << "pgward: " << *problem << "\n";
    return kExitInputError;
  }
  const std::vector<FileRulesRow> rows =
      hba::RenderFileRules(file, options.pg_version, hba::SecretDisplay::kMask);
  if (options.format == HbaRulesOptions::Format::kJson) {
    WriteJson(rows, out);
  } else {
    WriteTable(rows, options.pg_version, out);
  }
  // A refused reference is the one place the listing knowingly differs from the server's.
  for (const hba::RefusedReference& refused : file.refused) {
    err << "pgward: " << hba::RefusalMessage(refused) << "\n";
  }
  return file.refused.empty() ? kExitOk : ToInt(ExitCode::kIncompleteEvidence);
}

}  // namespace pgward::cli
