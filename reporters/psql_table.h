#pragma once

// A table as psql prints it (`pgward hba rules`, `pgward hba ident`): a header line, a line of
// dashes, one line per row, columns as wide as their widest cell.

#include <ostream>
#include <string>
#include <vector>

namespace pgward::reporters {

// Writes `rows` (each as many cells as `headers`) under `headers`. Control characters and bytes
// that are not UTF-8 in a cell are escaped (\n, \t, \xNN): a cell cannot break the table's
// lines or act on a terminal.
void WritePsqlTable(const std::vector<std::string>& headers,
                    std::vector<std::vector<std::string>> rows, std::ostream& out);

}  // namespace pgward::reporters
