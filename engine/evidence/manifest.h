#pragma once

// The manifest of an evidence bundle (`scan --evidence-dir`): who ran what, when, where, on what
// inputs, and every file the bundle holds with its SHA-256, so that an assessor can tell whether
// anything changed since (`pgward evidence verify`).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/evidence.h"

namespace pgward::evidence {

inline constexpr char kManifestFile[] = "manifest.json";
// The detached CMS signature of the manifest's bytes (DER).
inline constexpr char kSignatureFile[] = "manifest.json.p7s";

struct PackVersion {
  std::string name;
  std::string version;
};

struct BundleFile {
  std::string path;  // relative to the bundle's directory
  std::string sha256;
  std::uint64_t bytes = 0;
};

struct Manifest {
  std::string tool_version;
  std::vector<std::string> command_line;  // secrets masked
  std::string operating_system_user;
  std::string host;
  std::string started_at;   // UTC
  std::string finished_at;  // UTC
  std::vector<PackVersion> packs;
  std::vector<Artifact> inputs;   // the files the run read, where they were
  std::vector<BundleFile> files;  // the bundle's own files, manifest and signature aside
};

std::string ManifestJson(const Manifest& manifest);
// nullopt, with `error` set, for a document that is not one ManifestJson wrote.
std::optional<Manifest> ParseManifest(const std::string& text, std::string& error);

// A file of the bundle in `directory` with its SHA-256 and size, read only if neither it nor a
// folder on its way is a symlink and it is a regular file; nullopt with `error` set otherwise.
std::optional<BundleFile> DescribeFile(const std::string& directory, const std::string& path,
                                       std::string& error);

// The bundle's file at `path` (as DescribeFile opens it), at most `max_bytes`: an error, or
// nullopt with `contents` set.
std::optional<std::string> ReadBundleFile(const std::string& directory, const std::string& path,
                                          std::size_t max_bytes, std::string& contents);

// What differs between the bundle in `directory` and its manifest: a file changed, missing, or
// not listed. Empty when every file is as the manifest says.
std::vector<std::string> CheckFiles(const std::string& directory, const Manifest& manifest);

}  // namespace pgward::evidence
