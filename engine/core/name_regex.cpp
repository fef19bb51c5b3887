#include "engine/core/name_regex.h"

#include <absl/strings/ascii.h>
#include <re2/re2.h>

namespace pgward {
namespace {

// ARE's escapes in RE2's syntax where the two read them differently; every other escape is left
// as written (RE2 reads it as ARE does, or cannot read it at all).
std::string InRe2Syntax(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    const char escaped = pattern[++i];
    switch (escaped) {
      case 'm':
      case 'M':
      case 'y':
        out += "\\b";
        break;
      case 'Y':
        out += "\\B";
        break;
      case 'b':
        out += "\\x08";
        break;
      case 'B':
        out += "\\\\";
        break;
      case 'Z':
        out += "\\z";
        break;
      case 'x': {
        std::size_t end = i + 1;
        while (end < pattern.size() && absl::ascii_isxdigit(pattern[end])) {
          ++end;
        }
        // Without digits, ARE refuses it; RE2 refuses "\x{}" too.
        out += "\\x{" + std::string(pattern.substr(i + 1, end - i - 1)) + "}";
        i = end - 1;
        break;
      }
      default:
        out += '\\';
        out += escaped;
    }
  }
  return out;
}

}  // namespace

NameRegex::NameRegex(std::string_view pattern) {
  if (pattern.starts_with("***=")) {
    literal_ = std::string(pattern.substr(4));
    return;
  }
  if (pattern.starts_with("***:")) pattern.remove_prefix(4);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(true);
  regex_ = std::make_unique<RE2>(InRe2Syntax(pattern), options);
}

NameRegex::~NameRegex() = default;
NameRegex::NameRegex(NameRegex&&) noexcept = default;
NameRegex& NameRegex::operator=(NameRegex&&) noexcept = default;

std::optional<bool> NameRegex::Finds(std::string_view name) const {
  if (literal_) return name.find(*literal_) != std::string_view::npos;
  if (!regex_->ok()) return std::nullopt;
  return RE2::PartialMatch(name, *regex_);
}

std::optional<NameRegex::Search> NameRegex::SearchIn(std::string_view name) const {
  if (literal_) return Search{name.find(*literal_) != std::string_view::npos, std::nullopt};
  if (!regex_->ok()) return std::nullopt;
  re2::StringPiece groups[2];
  const int wanted = regex_->NumberOfCapturingGroups() >= 1 ? 2 : 1;
  Search search;
  search.found = regex_->Match(name, 0, name.size(), RE2::UNANCHORED, groups, wanted);
  if (search.found && wanted == 2 && groups[1].data() != nullptr) {
    search.first_group = std::string(groups[1]);
  }
  return search;
}

std::optional<int> NameRegex::Groups() const {
  if (literal_) return 0;
  if (!regex_->ok()) return std::nullopt;
  return regex_->NumberOfCapturingGroups();
}

}  // namespace pgward
