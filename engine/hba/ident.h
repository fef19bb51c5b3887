#pragma once

// pg_ident.conf as PostgreSQL reads it (hba.c: load_ident, parse_ident_line): the same
// tokenizer as pg_hba.conf, @file references and, from 16 on, include directives; then three
// fields per line, MAPNAME SYSTEM-USERNAME PG-USERNAME, and any further fields ignored. One bad
// line makes the server refuse the whole file (at startup it runs without maps, after a reload
// it keeps the maps it had), so an error row says the file's maps in force are unknown.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hba/model.h"
#include "engine/hba/parser.h"

namespace pgward::hba {

// One row of the pg_ident_file_mappings view: a mapping, or an error row.
struct IdentMapping {
  SourceLocation location;
  // Numbering of the rows without error, as the view shows it from PostgreSQL 16.
  std::optional<int> map_number;

  // False for error rows; the fields below are then empty.
  bool parsed = false;
  // Compared with an hba line's map= byte for byte: quoting makes no difference.
  std::string map_name;
  // The name the authentication method gives (for cert, the certificate's CN or DN). `regex`
  // in every version when it starts with '/': then it is searched for, unanchored.
  Token system_user;
  // The role the name may log in as. From 16, `all`, `+group` and a '/' regular expression
  // (unquoted, except the regular expression) are keywords as in pg_hba.conf; before, literals.
  // A `\1` is replaced by the system user regex's first capture.
  Token pg_user;

  std::optional<std::string> error;
};

struct IdentFile {
  std::string path;
  std::vector<IdentMapping> mappings;
  std::optional<FileReadError> read_error;
  std::vector<RefusedReference> refused;
  std::optional<std::string> input_error;  // as HbaFile::input_error

  // Whether the server would refuse to load the file: it then keeps the maps it had.
  bool HasErrors() const;
};

// Parses the pg_ident.conf at `path` with the semantics of options.pg_version (only it and
// options.access matter), following what it includes through the same gate as pg_hba.conf.
IdentFile ParseIdentFile(const std::string& path, const ParseOptions& options = {});
IdentFile ParseIdentText(std::string_view contents, const std::string& path,
                         const ParseOptions& options = {});

std::optional<std::string> UnreadableReason(const IdentFile& file);

}  // namespace pgward::hba
