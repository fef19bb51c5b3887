#pragma once

// Where a file sits relative to the source root (--source-root, the repository root): what
// SARIF, GitHub annotations and GitLab's report need to place a finding on the code. Purely
// lexical: rendering reads nothing from the disk.

#include <filesystem>
#include <optional>
#include <string>

namespace pgward::reporters {

// `path` made absolute (against the working directory) and normalised.
std::filesystem::path AbsolutePath(const std::string& path);

// The file's path from `root` (an AbsolutePath), '/'-separated, when it lies under it.
std::optional<std::string> PathUnderRoot(const std::string& file,
                                         const std::filesystem::path& root);

}  // namespace pgward::reporters
