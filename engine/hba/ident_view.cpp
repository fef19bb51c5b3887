#include "engine/hba/ident_view.h"

#include <memory>

namespace pgward::hba {

std::vector<IdentMappingRow> RenderIdentMappings(const IdentFile& file, int pg_version) {
  std::vector<IdentMappingRow> rows;
  rows.reserve(file.mappings.size());
  for (const IdentMapping& mapping : file.mappings) {
    IdentMappingRow& row = rows.emplace_back();
    if (pg_version >= 16) {
      row.map_number = mapping.map_number;
      row.file_name = *mapping.location.file;
    }
    row.line_number = mapping.location.line;
    if (mapping.parsed) {
      row.map_name = mapping.map_name;
      row.sys_name = mapping.system_user.text;
      row.pg_username = mapping.pg_user.text;
    }
    row.error = mapping.error;
  }
  return rows;
}

IdentFile IdentFileFromView(const std::vector<IdentMappingRow>& rows, const std::string& file,
                            int pg_version) {
  IdentFile parsed;
  parsed.path = file;
  const auto top_file = std::make_shared<const std::string>(file);
  for (const IdentMappingRow& row : rows) {
    IdentMapping& mapping = parsed.mappings.emplace_back();
    mapping.location.file =
        row.file_name ? std::make_shared<const std::string>(*row.file_name) : top_file;
    mapping.location.line = row.line_number;
    mapping.map_number = row.map_number;
    mapping.error = row.error;
    if (row.error || !row.map_name || !row.sys_name || !row.pg_username) {
      if (!mapping.error) mapping.error = "the server showed this row without a mapping";
      continue;
    }
    mapping.parsed = true;
    mapping.map_name = *row.map_name;
    const auto is_regex = [](const std::string& text) {
      return !text.empty() && text.front() == '/';
    };
    mapping.system_user = Token(*row.sys_name, false, is_regex(*row.sys_name));
    mapping.pg_user =
        Token(*row.pg_username, false, pg_version >= 16 && is_regex(*row.pg_username));
  }
  return parsed;
}

}  // namespace pgward::hba
