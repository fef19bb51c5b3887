#pragma once

// `pgward hba rules`: the pg_hba_file_rules view of a parsed file, as JSON (every key of the
// PostgreSQL 16+ view, in its column order, whatever the version) or as a psql-like table.

#include <ostream>
#include <vector>

#include "engine/model/file_rules_row.h"
#include "reporters/json_writer.h"

namespace pgward::reporters {

// A JSON array of one object per row, each on a line of its own, written row by row as the
// caller renders them, so that a file of any size is listed without holding its rows; NULL is
// null. Before 16 the view has no rule_number and no file_name: the keys stay, null, so that
// consumers see one shape.
class FileRulesJsonWriter {
 public:
  explicit FileRulesJsonWriter(std::ostream& out);
  void Row(const FileRulesRow& row);
  // Closes the array; nothing may be written after.
  void Finish();

 private:
  std::ostream& out_;
  JsonWriter json_;
};

// The rows as psql prints them (NULL as an empty cell), with the rule_number and file_name
// columns when `with_file_columns` (PostgreSQL 16+). Control characters are escaped.
void WriteFileRulesTable(const std::vector<FileRulesRow>& rows, bool with_file_columns,
                         std::ostream& out);

}  // namespace pgward::reporters
