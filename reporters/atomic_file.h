#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pgward::reporters {

// Writes `contents` to `path` so that readers see either the old file or the complete new one,
// never a half-written report: a temporary file in the same directory, fsync, then rename.
// Returns an error message naming the path, or nullopt on success; on error the destination
// is left untouched and the temporary file is removed.
std::optional<std::string> WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view contents);

}  // namespace pgward::reporters
