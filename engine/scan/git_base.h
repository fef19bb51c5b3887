#pragma once

// The base of a pre-merge review read from git: a file and what lies beside it (the files it may
// include) as they are at a revision, checked out into a temporary directory with the `git`
// program. The program rather than libgit2: a CI runner has git already (actions/checkout,
// GitLab's runner), it honours the repository's own configuration (safe.directory, shallow and
// partial clones, alternates) as the job's other steps do, and pgward gains no dependency.

#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace pgward::scan {

class GitBase {
 public:
  // `head_file` is the file in the working tree; `include_root` (empty: the file's directory) is
  // the part of the tree checked out at `revision`.
  static std::variant<GitBase, std::string> Checkout(const std::string& revision,
                                                     const std::string& head_file,
                                                     const std::string& include_root);
  GitBase(GitBase&& other) noexcept;
  GitBase& operator=(GitBase&&) = delete;
  ~GitBase();

  // The base version of the file; absent when it does not exist at the revision (a new file).
  const std::optional<std::string>& file() const { return file_; }
  // How reports name the checkout's files: "REVISION:path/in/repository".
  std::string DisplayName(const std::string& path) const;
  const std::string& display_file() const { return display_file_; }
  const std::string& include_root() const { return include_root_; }

 private:
  GitBase() = default;

  std::filesystem::path directory_;  // removed with the object
  std::filesystem::path tree_;       // the revision's files, under directory_
  std::optional<std::string> file_;
  std::string display_file_;
  std::string include_root_;
  std::string revision_;
};

}  // namespace pgward::scan
