#include "engine/core/name_regex.h"

#include <re2/re2.h>

namespace pgward {
namespace {

// ARE's word-boundary escapes in RE2's syntax; every other escape is left as written.
std::string WithRe2WordBoundaries(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    const char escaped = pattern[++i];
    if (escaped == 'm' || escaped == 'M' || escaped == 'y') {
      out += "\\b";
    } else if (escaped == 'Y') {
      out += "\\B";
    } else {
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
  regex_ = std::make_unique<RE2>(WithRe2WordBoundaries(pattern), options);
}

NameRegex::~NameRegex() = default;
NameRegex::NameRegex(NameRegex&&) noexcept = default;
NameRegex& NameRegex::operator=(NameRegex&&) noexcept = default;

std::optional<bool> NameRegex::Finds(std::string_view name) const {
  if (literal_) return name.find(*literal_) != std::string_view::npos;
  if (!regex_->ok()) return std::nullopt;
  return RE2::PartialMatch(name, *regex_);
}

}  // namespace pgward
