#pragma once

#include <string>
#include <string_view>

namespace pgward {

inline constexpr const char* kRedacted = "********";

// Masks the secrets that can appear in text pgward prints: passwords in libpq keyword/value
// connection strings (quoted or not) and in URIs (user:password@, ?password=), and the values
// of ldapbindpasswd and radiussecrets. Applied to command lines, DSNs and error messages
// before they reach any output.
std::string RedactSecrets(std::string_view text);

// Whether a pg_hba.conf option's value is a credential: ldapbindpasswd, radiussecrets.
bool IsSecretOption(std::string_view name);

// An option as the pg_hba_file_rules view writes it (name=value), its value masked when it is a
// credential: for option lists that come from outside pgward (a snapshot), not from its parser.
std::string_view MaskSecretOption(std::string_view option);

}  // namespace pgward
