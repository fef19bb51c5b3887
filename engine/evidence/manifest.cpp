#include "engine/evidence/manifest.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "engine/core/file_digest.h"

namespace pgward::evidence {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr char kManifestVersion[] = "1";

// A path a manifest may name: relative, inside the bundle, in the generic form.
bool InsideBundle(const std::string& path) {
  const fs::path relative(path);
  if (path.empty() || relative.is_absolute() || relative.has_root_name()) return false;
  return std::none_of(relative.begin(), relative.end(),
                      [](const fs::path& part) { return part == ".." || part == "."; });
}

// Opens `relative` inside `directory` for reading, only if neither it nor a folder on its way
// is a symlink (a bundle's file is never read from outside the bundle) and it is a regular file
// (a FIFO would never end). The descriptor, or -1 with `error` set.
int OpenInside(const std::string& directory, const std::string& relative, std::string& error) {
  fs::path at(directory);
  const fs::path path(relative);
  for (auto part = path.begin(); part != path.end(); ++part) {
    at /= *part;
    struct stat status {};
    if (lstat(at.c_str(), &status) != 0) {
      error = "missing";
      return -1;
    }
    const bool last = std::next(part) == path.end();
    if (S_ISLNK(status.st_mode)) {
      error = "a symlink, not a file of the bundle";
      return -1;
    }
    if (!last && !S_ISDIR(status.st_mode)) {
      error = "missing";
      return -1;
    }
    if (last && !S_ISREG(status.st_mode)) {
      error = "not a regular file";
      return -1;
    }
  }
  const int fd = open(at.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat status {};
  if (fd < 0 || fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    if (fd >= 0) close(fd);
    error = "cannot be read";
    return -1;
  }
  return fd;
}

template <typename Json>
bool IsStringList(const Json& value) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const Json& item) { return item.is_string(); });
}

}  // namespace

std::string ManifestJson(const Manifest& manifest) {
  ordered_json packs = ordered_json::array();
  for (const PackVersion& pack : manifest.packs) {
    packs.push_back({{"name", pack.name}, {"version", pack.version}});
  }
  ordered_json inputs = ordered_json::array();
  for (const Artifact& input : manifest.inputs) {
    inputs.push_back({{"path", input.path}, {"sha256", input.sha256}});
  }
  ordered_json files = ordered_json::array();
  for (const BundleFile& file : manifest.files) {
    files.push_back({{"path", file.path}, {"sha256", file.sha256}, {"bytes", file.bytes}});
  }
  const ordered_json document = {{"manifest_version", kManifestVersion},
                                 {"tool", {{"name", "pgward"}, {"version", manifest.tool_version}}},
                                 {"command_line", manifest.command_line},
                                 {"operating_system_user", manifest.operating_system_user},
                                 {"host", manifest.host},
                                 {"started_at", manifest.started_at},
                                 {"finished_at", manifest.finished_at},
                                 {"packs", packs},
                                 {"inputs", inputs},
                                 {"files", files}};
  // ensure_ascii: a name read from a hostile input cannot carry a control sequence.
  return document.dump(2, ' ', true) + "\n";
}

std::optional<Manifest> ParseManifest(const std::string& text, std::string& error) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  const auto fail = [&](const std::string& why) {
    error = why;
    return std::nullopt;
  };
  if (!document.is_object() || !document.contains("manifest_version") ||
      !document["manifest_version"].is_string() ||
      document["manifest_version"].get<std::string>() != kManifestVersion) {
    return fail("not a pgward evidence manifest of version " + std::string(kManifestVersion));
  }
  for (const char* key : {"operating_system_user", "host", "started_at", "finished_at"}) {
    if (!document.contains(key) || !document[key].is_string()) {
      return fail(std::string("'") + key + "' is not a string");
    }
  }
  if (!document.contains("tool") || !document["tool"].is_object() ||
      !document["tool"].contains("version") || !document["tool"]["version"].is_string()) {
    return fail("'tool' has no version");
  }
  if (!document.contains("command_line") || !IsStringList(document["command_line"])) {
    return fail("'command_line' is not a list of strings");
  }
  for (const char* key : {"packs", "inputs", "files"}) {
    if (!document.contains(key) || !document[key].is_array()) {
      return fail(std::string("'") + key + "' is not a list");
    }
  }
  Manifest manifest;
  manifest.tool_version = document["tool"]["version"].get<std::string>();
  manifest.command_line = document["command_line"].get<std::vector<std::string>>();
  manifest.operating_system_user = document["operating_system_user"].get<std::string>();
  manifest.host = document["host"].get<std::string>();
  manifest.started_at = document["started_at"].get<std::string>();
  manifest.finished_at = document["finished_at"].get<std::string>();
  for (const nlohmann::json& pack : document["packs"]) {
    if (!pack.is_object() || !pack.contains("name") || !pack["name"].is_string() ||
        !pack.contains("version") || !pack["version"].is_string()) {
      return fail("a pack without a name and a version");
    }
    manifest.packs.push_back({pack["name"].get<std::string>(), pack["version"].get<std::string>()});
  }
  for (const nlohmann::json& input : document["inputs"]) {
    if (!input.is_object() || !input.contains("path") || !input["path"].is_string() ||
        !input.contains("sha256") || !input["sha256"].is_string()) {
      return fail("an input without a path and a sha256");
    }
    manifest.inputs.push_back(
        {input["path"].get<std::string>(), input["sha256"].get<std::string>()});
  }
  for (const nlohmann::json& file : document["files"]) {
    if (!file.is_object() || !file.contains("path") || !file["path"].is_string() ||
        !file.contains("sha256") || !file["sha256"].is_string() || !file.contains("bytes") ||
        !file["bytes"].is_number_unsigned()) {
      return fail("a file without a path, a sha256 and a size");
    }
    manifest.files.push_back({file["path"].get<std::string>(), file["sha256"].get<std::string>(),
                              file["bytes"].get<std::uint64_t>()});
  }
  return manifest;
}

std::optional<std::string> ReadBundleFile(const std::string& directory, const std::string& path,
                                          std::size_t max_bytes, std::string& contents) {
  std::string error;
  const int fd = OpenInside(directory, path, error);
  if (fd < 0) return error;
  contents.clear();
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (contents.size() + static_cast<std::size_t>(got) > max_bytes) {
      close(fd);
      return "larger than " + std::to_string(max_bytes) + " bytes";
    }
    contents.append(buffer, static_cast<std::size_t>(got));
  }
  close(fd);
  return std::nullopt;
}

std::optional<BundleFile> DescribeFile(const std::string& directory, const std::string& path,
                                       std::string& error) {
  const int fd = OpenInside(directory, path, error);
  if (fd < 0) return std::nullopt;
  std::optional<DescriptorDigest> digest = Sha256OfDescriptor(fd);
  close(fd);
  if (!digest) {
    error = "cannot be read";
    return std::nullopt;
  }
  return BundleFile{path, std::move(digest->sha256), digest->bytes};
}

std::vector<std::string> CheckFiles(const std::string& directory, const Manifest& manifest) {
  std::vector<std::string> problems;
  std::set<std::string> listed = {kManifestFile, kSignatureFile};
  for (const BundleFile& file : manifest.files) {
    if (!InsideBundle(file.path)) {
      problems.push_back(file.path + ": a path outside the bundle");
      continue;
    }
    // pgward lists each file once, and never the manifest or its signature: a second entry
    // would be counted as a second file vouched for.
    if (!listed.insert(fs::path(file.path).lexically_normal().generic_string()).second) {
      problems.push_back(file.path + ": listed more than once, or the manifest itself");
      continue;
    }
    std::string error;
    const std::optional<BundleFile> found = DescribeFile(directory, file.path, error);
    if (!found) {
      problems.push_back(file.path + ": " + error);
    } else if (found->sha256 != file.sha256 || found->bytes != file.bytes) {
      problems.push_back(file.path + ": changed (SHA-256 " + found->sha256 + ", " +
                         std::to_string(found->bytes) + " bytes; the manifest says " + file.sha256 +
                         ", " + std::to_string(file.bytes) + ")");
    }
  }
  // What the bundle holds besides: files added, and anything that is not a plain file.
  std::error_code error;
  fs::recursive_directory_iterator entry(directory, error), end;
  for (; !error && entry != end; entry.increment(error)) {
    const std::string relative = entry->path().lexically_relative(directory).generic_string();
    std::error_code status_error;
    const fs::file_status status = entry->symlink_status(status_error);
    if (fs::is_directory(status)) continue;
    if (status_error || !fs::is_regular_file(status)) {
      problems.push_back(relative + ": not a regular file (a symlink, a FIFO, ...)");
    } else if (listed.count(relative) == 0) {
      problems.push_back(relative + ": not in the manifest");
    }
  }
  if (error) problems.push_back(directory + ": cannot be listed (" + error.message() + ")");
  return problems;
}

}  // namespace pgward::evidence
