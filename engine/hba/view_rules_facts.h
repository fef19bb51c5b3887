#pragma once

// hba_rule facts from a live server's own pg_hba_file_rules rows, shaped like the facts of a
// parsed file (engine/hba/hba_facts.h) so that the same rules judge both.

#include <string>
#include <vector>

#include "engine/hba/file_rules_view.h"
#include "engine/model/fact_table.h"

namespace pgward::hba {

// Appends one hba_rule fact per row, and the access map's facts, exactly as for a parsed file
// (AddHbaRuleFacts). `file` names the file for rows that carry no file_name (before PostgreSQL
// 16): the caller passes the server's hba_file; `pg_version` is the server's major version.
// Secret option values (ldapbindpasswd, radiussecrets), which the server shows, are masked.
void AddHbaViewRuleFacts(const std::vector<FileRulesRow>& rows, const std::string& file,
                         int pg_version, FactSet& facts);

}  // namespace pgward::hba
