#pragma once

// One row of PostgreSQL's pg_ident_file_mappings view (15+), as a server answers it or as
// pgward renders it for a parsed pg_ident.conf (engine/hba/ident_view.h). SQL NULL is
// std::nullopt. A type of its own so that collectors carry a server's rows without knowing
// pg_ident semantics.

#include <optional>
#include <string>

namespace pgward {

struct IdentMappingRow {
  std::optional<int> map_number;         // 16+; NULL on error rows
  std::optional<std::string> file_name;  // 16+
  int line_number = 0;
  std::optional<std::string> map_name;
  std::optional<std::string> sys_name;     // dequoted, a regular expression with its '/'
  std::optional<std::string> pg_username;  // dequoted: `all` and `"all"` look the same
  std::optional<std::string> error;
};

}  // namespace pgward
