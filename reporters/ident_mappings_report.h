#pragma once

// `pgward hba ident`: the pg_ident_file_mappings view of a parsed pg_ident.conf, as JSON (every
// key of the PostgreSQL 16+ view, in its column order, whatever the version) or as a psql-like
// table.

#include <ostream>
#include <vector>

#include "engine/model/ident_mapping_row.h"

namespace pgward::reporters {

// A JSON array of one object per row; NULL is null. Before 16 map_number and file_name are
// null, so that consumers see one shape.
void WriteIdentMappingsJson(const std::vector<IdentMappingRow>& rows, std::ostream& out);

// The rows as psql prints them, with map_number and file_name when `with_file_columns` (16+).
void WriteIdentMappingsTable(const std::vector<IdentMappingRow>& rows, bool with_file_columns,
                             std::ostream& out);

}  // namespace pgward::reporters
