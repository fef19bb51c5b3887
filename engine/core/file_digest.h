#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgward {

// SHA-256 of a file as lower-case hex, or nullopt when it cannot be read: an Artifact's proof
// of which file was read.
std::optional<std::string> Sha256OfFile(const std::string& path);

// SHA-256 of bytes in memory, as lower-case hex: of a file's contents as they were read, so that
// the digest is that of what was parsed.
std::string Sha256Hex(std::string_view bytes);

}  // namespace pgward
