#include "engine/evidence/manifest.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

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
  if (!document.is_object() || document.value("manifest_version", "") != kManifestVersion) {
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

std::vector<BundleFile> DescribeFiles(const std::string& directory,
                                      const std::vector<std::string>& paths) {
  std::vector<BundleFile> files;
  for (const std::string& path : paths) {
    const fs::path full = fs::path(directory) / path;
    std::error_code error;
    const std::uintmax_t bytes = fs::file_size(full, error);
    files.push_back({path, Sha256OfFile(full.string()).value_or(""),
                     error ? 0 : static_cast<std::uint64_t>(bytes)});
  }
  std::sort(files.begin(), files.end(),
            [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; });
  return files;
}

std::vector<std::string> CheckFiles(const std::string& directory, const Manifest& manifest) {
  std::vector<std::string> problems;
  std::set<std::string> listed = {kManifestFile, kSignatureFile};
  for (const BundleFile& file : manifest.files) {
    if (!InsideBundle(file.path)) {
      problems.push_back(file.path + ": a path outside the bundle");
      continue;
    }
    listed.insert(fs::path(file.path).generic_string());
    const fs::path full = fs::path(directory) / file.path;
    std::error_code error;
    if (!fs::is_regular_file(fs::symlink_status(full, error))) {
      problems.push_back(file.path + ": missing");
      continue;
    }
    const std::optional<std::string> digest = Sha256OfFile(full.string());
    if (!digest || *digest != file.sha256) {
      problems.push_back(file.path + ": changed (SHA-256 " + digest.value_or("unreadable") +
                         ", the manifest says " + file.sha256 + ")");
    }
  }
  std::error_code error;
  for (fs::recursive_directory_iterator entry(directory, error), end; !error && entry != end;
       entry.increment(error)) {
    if (entry->is_directory()) continue;
    const std::string relative = fs::relative(entry->path(), directory).generic_string();
    if (listed.count(relative) == 0) problems.push_back(relative + ": not in the manifest");
  }
  if (error) problems.push_back(directory + ": cannot be listed (" + error.message() + ")");
  return problems;
}

}  // namespace pgward::evidence
