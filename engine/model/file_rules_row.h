#pragma once

// One row of PostgreSQL's pg_hba_file_rules view, as a server answers it or as pgward renders
// it for a parsed file (engine/hba/file_rules_view.h). SQL NULL is std::nullopt. A type of its
// own so that collectors can carry a server's rows without knowing hba semantics.

#include <optional>
#include <string>
#include <vector>

namespace pgward {

struct FileRulesRow {
  std::optional<int> rule_number;        // 16+; NULL on error rows
  std::optional<std::string> file_name;  // 16+
  int line_number = 0;
  std::optional<std::string> type;
  std::optional<std::vector<std::string>> database;
  std::optional<std::vector<std::string>> user_name;
  std::optional<std::string> address;
  std::optional<std::string> netmask;
  std::optional<std::string> auth_method;
  std::optional<std::vector<std::string>> options;
  std::optional<std::string> error;
};

}  // namespace pgward
