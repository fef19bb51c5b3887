#include "reporters/ident_mappings_report.h"

#include <string>
#include <utility>

#include "reporters/json_writer.h"
#include "reporters/psql_table.h"

namespace pgward::reporters {

void WriteIdentMappingsJson(const std::vector<IdentMappingRow>& rows, std::ostream& out) {
  JsonWriter json(out);
  json.BeginArray();
  for (const IdentMappingRow& row : rows) {
    json.BeginOneLineObject();
    json.Key("map_number");
    json.OptionalInt(row.map_number);
    json.Key("file_name");
    json.OptionalString(row.file_name);
    json.IntMember("line_number", row.line_number);
    json.Key("map_name");
    json.OptionalString(row.map_name);
    json.Key("sys_name");
    json.OptionalString(row.sys_name);
    json.Key("pg_username");
    json.OptionalString(row.pg_username);
    json.Key("error");
    json.OptionalString(row.error);
    json.EndObject();
  }
  json.EndArray();
  json.Flush();
  out << "\n";
}

void WriteIdentMappingsTable(const std::vector<IdentMappingRow>& rows, bool with_file_columns,
                             std::ostream& out) {
  std::vector<std::string> headers;
  if (with_file_columns) headers = {"map_number", "file_name"};
  for (const char* name : {"line_number", "map_name", "sys_name", "pg_username", "error"}) {
    headers.emplace_back(name);
  }
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const IdentMappingRow& row : rows) {
    std::vector<std::string>& line = cells.emplace_back();
    if (with_file_columns) {
      line.push_back(row.map_number ? std::to_string(*row.map_number) : "");
      line.push_back(row.file_name.value_or(""));
    }
    line.push_back(std::to_string(row.line_number));
    line.push_back(row.map_name.value_or(""));
    line.push_back(row.sys_name.value_or(""));
    line.push_back(row.pg_username.value_or(""));
    line.push_back(row.error.value_or(""));
  }
  WritePsqlTable(headers, std::move(cells), out);
}

}  // namespace pgward::reporters
