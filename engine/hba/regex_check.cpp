#include "engine/hba/regex_check.h"

#include <absl/strings/ascii.h>
#include <re2/re2.h>

#include <algorithm>

namespace pgward::hba::internal {
namespace {

// Beyond this size the pattern is accepted unchecked: a pg_hba.conf regex that large is
// pathological, and compiling it would cost more than the rest of the file.
constexpr std::size_t kMaxCheckedPatternBytes = 64 * 1024;

// pg_regerror()'s texts for the errors ARE finds that RE2 does not, or names otherwise.
constexpr char kBadEscape[] = "invalid escape \\ sequence";
constexpr char kBadBraces[] = "braces {} not balanced";
constexpr char kBadCount[] = "invalid repetition count(s)";
constexpr char kBadClass[] = "invalid character class";
constexpr char kBadOperand[] = "quantifier operand invalid";
constexpr char kBadOption[] = "invalid embedded option";

// ARE's largest repetition count (DUPMAX); RE2 takes up to 1000.
constexpr int kMaxRepetition = 255;

// The letters ARE knows after a backslash: character entries, class shorthands, constraints.
bool IsAreEscapeLetter(char c) {
  return std::string_view("abBcdDefmMnrsStuUvwWxyYZA").find(c) != std::string_view::npos;
}

// Constraint escapes, which mean nothing inside a bracket expression.
bool IsConstraintEscape(char c) {
  return std::string_view("mMyYAZ").find(c) != std::string_view::npos;
}

bool IsAreClassName(std::string_view name) {
  for (std::string_view known : {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
                                 "lower", "print", "punct", "space", "upper", "xdigit", "word"}) {
    if (name == known) return true;
  }
  return false;
}

// What ARE refuses that RE2 accepts or names otherwise, from the left as pg_regcomp reads: an
// escape it does not know or that cannot stand where it is, an embedded option past the start
// (a '?' with nothing to repeat), a bound not closed or out of range, an unknown class name.
// Patterns under the x (expanded) or q (literal) options are left unchecked.
std::optional<std::string> AreOnlyError(std::string_view pattern) {
  if (pattern.starts_with("(?")) {
    std::size_t i = 2;
    while (i < pattern.size() && absl::ascii_isalpha(pattern[i])) {
      if (std::string_view("bceimnpqstwx").find(pattern[i]) == std::string_view::npos) {
        return kBadOption;
      }
      if (pattern[i] == 'x' || pattern[i] == 'q') return std::nullopt;
      ++i;
    }
  }
  bool in_bracket = false;
  std::size_t first_member = 0;  // where "]" is a member, not the end
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (c == '\\') {
      if (i + 1 == pattern.size()) return kBadEscape;
      if (absl::ascii_isalpha(next) && !IsAreEscapeLetter(next)) return kBadEscape;
      if (in_bracket && IsConstraintEscape(next)) return kBadEscape;
      if (next == 'x' && (i + 2 == pattern.size() || !absl::ascii_isxdigit(pattern[i + 2]))) {
        return kBadEscape;
      }
      ++i;
      continue;
    }
    if (in_bracket) {
      if (c == ']' && i > first_member) {
        in_bracket = false;
      } else if (c == '[' && (next == ':' || next == '.' || next == '=')) {
        const std::size_t end = pattern.find(std::string{next, ']'}, i + 2);
        if (end == std::string_view::npos) return std::nullopt;  // RE2 finds the bracket open
        if (next == ':' && !IsAreClassName(pattern.substr(i + 2, end - i - 2))) return kBadClass;
        i = end + 1;
      }
      continue;
    }
    if (pattern.substr(i, 7) == "[[:<:]]" || pattern.substr(i, 7) == "[[:>:]]") {
      i += 6;  // ARE's word boundaries, written as brackets
    } else if (c == '[') {
      in_bracket = true;
      first_member = i + 1 + (next == '^' ? 1 : 0);
    } else if (c == '(' && next == '?' && i > 0 && i + 2 < pattern.size() &&
               std::string_view(":=!<").find(pattern[i + 2]) == std::string_view::npos) {
      return kBadOperand;
    } else if (c == '{' && absl::ascii_isdigit(next)) {
      std::size_t j = i + 1;
      const auto count = [&]() {
        long value = 0;
        while (j < pattern.size() && absl::ascii_isdigit(pattern[j])) {
          value = std::min<long>(value * 10 + (pattern[j] - '0'), kMaxRepetition + 1);
          ++j;
        }
        return value;
      };
      const long least = count();
      long most = least;
      if (j < pattern.size() && pattern[j] == ',') {
        ++j;
        most = j < pattern.size() && absl::ascii_isdigit(pattern[j]) ? count() : kMaxRepetition;
      }
      if (j == pattern.size() || pattern[j] != '}') return kBadBraces;
      if (least > kMaxRepetition || most > kMaxRepetition || most < least) return kBadCount;
      i = j;
    }
  }
  return std::nullopt;
}

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
  if (std::optional<std::string> error = AreOnlyError(pattern)) return error;

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
