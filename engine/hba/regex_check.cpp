#include "engine/hba/regex_check.h"

#include <re2/re2.h>

namespace pgward::hba::internal {
namespace {

// Beyond this size the pattern is accepted unchecked: a pg_hba.conf regex that large is
// pathological, and compiling it would cost more than the rest of the file.
constexpr std::size_t kMaxCheckedPatternBytes = 64 * 1024;

// ARE-only syntax that makes RE2's verdict about parentheses and brackets meaningless.
bool HasAreOnlyGrouping(std::string_view pattern) {
  return pattern.find("(?") != std::string_view::npos ||
         pattern.find('\\') != std::string_view::npos ||
         pattern.find("[[:<:]]") != std::string_view::npos ||
         pattern.find("[[:>:]]") != std::string_view::npos ||
         pattern.find("[[.") != std::string_view::npos ||
         pattern.find("[[=") != std::string_view::npos;
}

}  // namespace

std::optional<std::string> CheckHbaRegex(std::string_view pattern) {
  // "***=" makes the rest a literal; "***:" forces ARE, which REG_ADVANCED already is.
  if (pattern.substr(0, 4) == "***=") return std::nullopt;
  if (pattern.substr(0, 4) == "***:") pattern.remove_prefix(4);
  if (pattern.size() > kMaxCheckedPatternBytes) return std::nullopt;

  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);  // any byte sequence is a valid input
  options.set_log_errors(false);
  const RE2 regex(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (regex.ok()) return std::nullopt;

  const bool grouping_is_reliable = !HasAreOnlyGrouping(pattern);
  switch (regex.error_code()) {
    case RE2::ErrorMissingParen:
    case RE2::ErrorUnexpectedParen:
      if (grouping_is_reliable) return "parentheses () not balanced";
      break;
    case RE2::ErrorMissingBracket:
      if (grouping_is_reliable) return "brackets [] not balanced";
      break;
    case RE2::ErrorRepeatArgument:
    case RE2::ErrorRepeatOp:
      if (grouping_is_reliable) return "quantifier operand invalid";
      break;
    case RE2::ErrorRepeatSize:
      return "invalid repetition count(s)";
    case RE2::ErrorBadCharRange:
      if (grouping_is_reliable) return "invalid character range";
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace pgward::hba::internal
