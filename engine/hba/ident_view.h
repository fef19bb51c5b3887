#pragma once

// The pg_ident_file_mappings view of a given PostgreSQL version, computed from a parsed file
// (hbafuncs.c: fill_ident_line), and the way back for a server's own rows.

#include <string>
#include <vector>

#include "engine/hba/ident.h"
#include "engine/model/ident_mapping_row.h"

namespace pgward::hba {

// The view's rows for `file` as PostgreSQL `pg_version` shows them: without map_number and
// file_name before 16.
std::vector<IdentMappingRow> RenderIdentMappings(const IdentFile& file, int pg_version);

// A server's rows read back as a parsed file, for the same analysis as a file. `file` names
// the rows without a file_name (15). The view loses quoting (`"all"` shows as `all`): a role
// field is taken as written unquoted, the reading that reaches more roles.
IdentFile IdentFileFromView(const std::vector<IdentMappingRow>& rows, const std::string& file,
                            int pg_version);

}  // namespace pgward::hba
