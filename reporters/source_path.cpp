#include "reporters/source_path.h"

namespace pgward::reporters {

std::filesystem::path AbsolutePath(const std::string& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  return absolute.lexically_normal();
}

std::optional<std::string> PathUnderRoot(const std::string& file,
                                         const std::filesystem::path& root) {
  const std::filesystem::path relative = AbsolutePath(file).lexically_relative(root);
  if (relative.empty() || *relative.begin() == ".." || relative == ".") return std::nullopt;
  return relative.generic_string();
}

}  // namespace pgward::reporters
