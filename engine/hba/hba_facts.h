#pragma once

#include <string_view>

#include "engine/hba/access.h"
#include "engine/hba/model.h"
#include "engine/model/fact_table.h"

namespace pgward::hba {

// Appends one hba_rule fact per record of `file`, located at its file and line. Option values
// that are secrets are masked. Records the server rejects without a message (PostgreSQL 15's
// all-NULL rows) get an error all the same: the server refuses to load them.
// Always with the first-match results (shadowed, shadowed_by, reachable_plaintext_from,
// plaintext_not_rejected) and the hba_access facts of `access`, the file's access map
// (AnalyzeAccess): whichever road a file comes by (--hba, an inventory's hba_file, a server's
// pg_hba_file_rules), the rules that judge coverage find their evidence.
void AddHbaRuleFacts(const HbaFile& file, const AccessMap& access, int pg_version, FactSet& facts);
// The same with the file's access map made here (without the server's networks), beside the
// records' facts.
void AddHbaRuleFacts(const HbaFile& file, int pg_version, FactSet& facts);

// The text of a database or user token in facts and reports: keywords bare, names quoted to
// avoid a keyword in double quotes ("all"), regular expressions with their leading slash.
std::string TokenText(const Token& token);

}  // namespace pgward::hba
