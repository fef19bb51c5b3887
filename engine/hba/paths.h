#pragma once

// Path handling of the server when it resolves included authentication files
// (src/port/path.c, src/backend/utils/misc/conffiles.c). Internal to engine/hba.

#include <string>
#include <string_view>

namespace pgward::hba::internal {

// canonicalize_path(): PostgreSQL 16 rewrote it to fold "." and ".." everywhere; up to 15 only
// trailing "." and ".." components are folded ("/a/../b" stays as is).
std::string CanonicalizePath(std::string_view path, int pg_version);

// Where the server looks for a file named in `including_file`: absolute paths as they are,
// relative ones against the directory of the including file, then canonicalized
// (AbsoluteConfigLocation in 16+, the same steps inline in tokenize_inc_file before).
std::string ResolveIncludedPath(std::string_view included, std::string_view including_file,
                                int pg_version);

}  // namespace pgward::hba::internal
