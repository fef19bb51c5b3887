#pragma once

#include <optional>
#include <string>

namespace pgward {

// SHA-256 of a file as lower-case hex, or nullopt when it cannot be read: an Artifact's proof
// of which file was read.
std::optional<std::string> Sha256OfFile(const std::string& path);

}  // namespace pgward
