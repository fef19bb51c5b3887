#pragma once

#include <string_view>

#include "engine/hba/access.h"
#include "engine/hba/ident.h"
#include "engine/hba/model.h"
#include "engine/hba/parser.h"
#include "engine/model/fact_table.h"
#include "engine/model/privileged_roles.h"

namespace pgward::hba {

// What a pg_hba.conf's facts depend on besides the file: the server's version, the
// pg_ident.conf read beside it (null: none, so the maps are not known) and the roles judged.
struct HbaContext {
  int pg_version = kDefaultPgVersion;
  // False when pg_version is only assumed (an inventory's copy of a server that was not reached):
  // the facts then leave their pg_version absent, and what judges by it is not decided by a guess.
  bool pg_version_known = true;
  const IdentFile* ident_maps = nullptr;
  PrivilegedRoles roles = AssumedPrivilegedRoles();
};

// Appends one hba_rule fact per record of `file`, located at its file and line. Option values
// that are secrets are masked. Records the server rejects without a message (PostgreSQL 15's
// all-NULL rows) get an error all the same: the server refuses to load them.
// Always with the first-match results (shadowed, shadowed_by, reachable_plaintext_from,
// plaintext_not_rejected) and the hba_access facts of `access`, the file's access map
// (AnalyzeAccess): whichever road a file comes by (--hba, an inventory's hba_file, a server's
// pg_hba_file_rules), the rules that judge coverage find their evidence.
// With the certificate-name checks (certificate_map, certificate_map_privileged,
// certificate_name_privileged) against the context's pg_ident.conf and roles.
void AddHbaRuleFacts(const HbaFile& file, const AccessMap& access, const HbaContext& context,
                     FactSet& facts);
// The same with the file's access map made here (without the server's networks), beside the
// records' facts.
void AddHbaRuleFacts(const HbaFile& file, const HbaContext& context, FactSet& facts);

// The text of a database or user token in facts and reports: keywords bare, names quoted to
// avoid a keyword in double quotes ("all"), regular expressions with their leading slash, and a
// name that begins with a slash where it is none (before PostgreSQL 16) in double quotes.
std::string TokenText(const Token& token);

}  // namespace pgward::hba
