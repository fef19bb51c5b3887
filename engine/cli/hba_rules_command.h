#pragma once

// `pgward hba rules [--pg-version N] [--format table|json] FILE`: what the server's
// pg_hba_file_rules view would show for FILE; `pgward hba ident ...` the same for a
// pg_ident.conf and the pg_ident_file_mappings view.

#include <iosfwd>
#include <string>

#include "engine/hba/parser.h"

namespace pgward::cli {

struct HbaRulesOptions {
  std::string file;
  int pg_version = 17;
  enum class Format { kTable, kJson } format = Format::kTable;
  hba::FileAccess access;  // --include-root, --path-map, the read limits
  hba::ServerBuild build;  // --build-without
};

// Writes the rows to `out` and problems to `err`. Returns 0 when the file was read (rows with
// errors are part of the listing), 2 when it could not be read or the version is unsupported.
// ldapbindpasswd and radiussecrets values are printed as ******** (the one deliberate difference
// from the server's view).
int RunHbaRules(const HbaRulesOptions& options, std::ostream& out, std::ostream& err);

// The same for a pg_ident.conf (the view exists from PostgreSQL 15; older versions are listed as
// 15 would show them).
int RunIdentMappings(const HbaRulesOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
