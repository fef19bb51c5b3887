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

}  // namespace pgward
