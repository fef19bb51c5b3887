#pragma once

// Validation of the regular expressions of pg_hba.conf (16+: database and role tokens starting
// with '/'). Internal to engine/hba.

#include <optional>
#include <string>
#include <string_view>

namespace pgward::hba::internal {

// Returns the pg_regerror() text the server would report for `pattern` (the token without its
// leading '/'), or nullopt when the pattern is accepted.
//
// PostgreSQL compiles these with its own Spencer/Tcl ARE engine (pg_regcomp, REG_ADVANCED);
// pgward checks them with RE2, and only reports the errors both engines agree on: unbalanced
// parentheses or brackets, a quantifier without operand, a bad repetition count and an
// inverted character range. ARE features RE2 lacks (back references, lookahead and
// lookbehind, \m \M \y word boundaries, [[:<:]], the ***: and (?b) directors and embedded
// options) are accepted without being checked, so a pattern RE2 cannot read is never
// reported as invalid unless the cause is one of the shared errors above.
std::optional<std::string> CheckHbaRegex(std::string_view pattern);

}  // namespace pgward::hba::internal
