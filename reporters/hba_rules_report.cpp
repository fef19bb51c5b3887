#include "reporters/hba_rules_report.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/utf8.h"
#include "reporters/json_writer.h"
#include "reporters/psql_table.h"

namespace pgward::reporters {
namespace {

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

}  // namespace

FileRulesJsonWriter::FileRulesJsonWriter(std::ostream& out) : out_(out), json_(out) {
  json_.BeginArray();
}

void FileRulesJsonWriter::Row(const FileRulesRow& row) {
  json_.BeginOneLineObject();
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
    cells.push_back(std::move(line));
  }

  WritePsqlTable(headers, std::move(cells), out);
}

}  // namespace pgward::reporters
