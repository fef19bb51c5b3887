#pragma once

// The pg_hba_file_rules view of a given PostgreSQL version, computed from a parsed file
// (hbafuncs.c: fill_hba_line, get_hba_options; in hba.c up to 14).

#include <optional>
#include <string>
#include <vector>

#include "engine/hba/model.h"
#include "engine/model/file_rules_row.h"

namespace pgward::hba {

// Whether ldapbindpasswd and radiussecrets are shown. The server shows them; pgward's own
// output masks them.
enum class SecretDisplay { kShow, kMask };

// The view's address and netmask columns for a rule's address.
struct AddressColumns {
  std::optional<std::string> address;
  std::optional<std::string> netmask;
};
AddressColumns RenderAddress(const Address& address);

// The view's options column: each effective option as name=value, absent when there is none.
std::optional<std::vector<std::string>> OptionTexts(const std::vector<Option>& options,
                                                    SecretDisplay secrets);

// The view's rows for `file` as PostgreSQL `pg_version` shows them: without rule_number and
// file_name before 16.
std::vector<FileRulesRow> RenderFileRules(const HbaFile& file, int pg_version,
                                          SecretDisplay secrets = SecretDisplay::kShow);

// The view's row for one rule, written over `row`: a listing that renders its rules one by one
// into the same row reuses the memory of its strings.
void RenderFileRule(const HbaRule& rule, int pg_version, SecretDisplay secrets, FileRulesRow& row);

}  // namespace pgward::hba
