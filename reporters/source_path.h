#pragma once

// Where a file sits relative to the source root (--source-root, the repository root): what
// SARIF, GitHub annotations and GitLab's report need to place a finding on the code. Purely
// lexical: rendering reads nothing from the disk.

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "engine/findings/report.h"

namespace pgward::reporters {

// `path` made absolute (against the working directory) and normalised.
std::filesystem::path AbsolutePath(const std::string& path);

// `path` as a URI path (RFC 3986): everything but unreserved characters and the path separator
// is percent-encoded, so spaces, '%', '#', '?' and a ':' in a first segment cannot change the
// URI's meaning.
std::string PercentEncode(const std::string& path);

// The file's path from `root` (an AbsolutePath), '/'-separated, when it lies under it.
std::optional<std::string> PathUnderRoot(const std::string& file,
                                         const std::filesystem::path& root);

// The files of a report that are on this machine, placed from the source root. A report's local
// files are its artifacts (the files the run read) and the files of the findings gone since its
// baseline (which the baseline's run read); anything else it names as a place (a
// server's own pg_hba.conf, "orders:/etc/postgresql/pg_hba.conf", or a server's name) is not a
// path here and is never resolved against the working directory, so that where pgward runs
// (a shard's pod, a merge) does not change a report.
class SourceFiles {
 public:
  SourceFiles(const ScanReport& report, const std::string& source_root);

  const std::filesystem::path& root() const { return root_; }
  // However the path is spelled (db/./pg_hba.conf is db/pg_hba.conf).
  bool IsLocal(const std::string& file) const;
  // The local file's path from the root, when it lies under it. Remembered per file: a
  // report's findings share a handful of files.
  const std::optional<std::string>& UnderRoot(const std::string& file) const;

 private:
  std::filesystem::path root_;
  std::set<std::filesystem::path> local_;  // AbsolutePath of each artifact
  mutable std::unordered_map<std::string, std::optional<std::string>> under_root_;
};

}  // namespace pgward::reporters
