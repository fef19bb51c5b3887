#pragma once

// A throwaway git repository for pre-merge tests: files committed at one revision, then changed
// in the working tree, as a pull request's checkout has them.

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/command.h"

namespace pgward::testing {

class GitRepository {
 public:
  // Empties `directory` and makes it a repository (git init); removed with the object.
  explicit GitRepository(std::filesystem::path directory);
  GitRepository(const GitRepository&) = delete;
  GitRepository& operator=(const GitRepository&) = delete;
  ~GitRepository();

  // git ARGUMENTS... in the repository, with an author and committer identity of its own.
  CommandResult Git(std::vector<std::string> arguments) const;
  // Copies `source` to `relative` in the working tree (replacing it), creating directories.
  void Put(const std::string& source, const std::string& relative) const;
  // Adds everything and commits it.
  CommandResult CommitAll(const std::string& message) const;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
};

}  // namespace pgward::testing
