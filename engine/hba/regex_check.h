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
// PostgreSQL compiles these with its own Spencer/Tcl ARE engine (pg_regcomp, REG_ADVANCED).
// pgward first reads the pattern from the left for what ARE refuses and RE2 accepts or names
// otherwise: an escape ARE does not know (\q), one that cannot stand where it is (a trailing
// backslash, \x without a hex digit, \m inside brackets), an embedded option past the start or
// one ARE does not know, a bound not closed or over 255, an unknown [[:class:]]. Then RE2
// reports the errors both engines agree on: unbalanced parentheses or brackets, a quantifier
// without operand, a bad repetition count and an inverted character range. ARE features RE2
// lacks (back references, lookahead and lookbehind, word boundaries, [[:<:]], the x option) are
// accepted without being checked further. fixtures/hba-differential/regex holds every case
// against the servers' own verdicts.
std::optional<std::string> CheckHbaRegex(std::string_view pattern);

}  // namespace pgward::hba::internal
