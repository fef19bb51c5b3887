#include "reporters/source_path.h"

namespace pgward::reporters {

std::string PercentEncode(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    const auto byte = static_cast<unsigned char>(c);
    // A path that begins "//" would make a URI's authority of its first segment.
    const bool second_slash = i == 1 && c == '/' && path[0] == '/';
    const bool keep =
        !second_slash && ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                          (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                          byte == '_' || byte == '~' || byte == '/');
    if (keep) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xf];
    }
  }
  return encoded;
}

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

SourceFiles::SourceFiles(const ScanReport& report, const std::string& source_root)
    : root_(AbsolutePath(source_root)) {
  for (const Artifact& artifact : report.artifacts) local_.insert(AbsolutePath(artifact.path));
  // A finding gone since the baseline is placed in the file the baseline's run read.
  for (const Finding& finding : report.absent) {
    if (finding.location) local_.insert(AbsolutePath(finding.location->file));
  }
}

bool SourceFiles::IsLocal(const std::string& file) const {
  return local_.contains(AbsolutePath(file));
}

const std::optional<std::string>& SourceFiles::UnderRoot(const std::string& file) const {
  auto [entry, inserted] = under_root_.try_emplace(file);
  if (inserted && IsLocal(file)) entry->second = PathUnderRoot(file, root_);
  return entry->second;
}

}  // namespace pgward::reporters
