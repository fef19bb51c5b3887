#pragma once

// A live server's own pg_hba_file_rules rows as the parser's model, so that they become facts
// (engine/hba/hba_facts.h) as a parsed file does and the same rules judge both.

#include <string>
#include <vector>

#include "engine/hba/file_rules_view.h"
#include "engine/hba/model.h"

namespace pgward::hba {

// A server's rows read back as a parsed file, for the same facts and analysis as a file
// (AddHbaRuleFacts). `file` names the rows that carry no file_name (before PostgreSQL 16): the
// caller passes the server's hba_file. Secret option values (ldapbindpasswd, radiussecrets),
// which the server shows, are kept: AddHbaRuleFacts masks them.
HbaFile HbaFileFromView(const std::vector<FileRulesRow>& rows, const std::string& file);

}  // namespace pgward::hba
