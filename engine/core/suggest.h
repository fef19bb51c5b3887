#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pgward {

// The candidate closest to `input` by edit distance, when it is close enough to be the likely
// intent of a typo ("did you mean ...?"). Ties go to the earliest candidate, so hints are stable.
std::optional<std::string> ClosestMatch(std::string_view input,
                                        std::span<const std::string_view> candidates);

}  // namespace pgward
