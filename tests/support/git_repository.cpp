#include "tests/support/git_repository.h"

namespace pgward::testing {

namespace fs = std::filesystem;

GitRepository::GitRepository(fs::path directory) : directory_(std::move(directory)) {
  fs::remove_all(directory_);
  fs::create_directories(directory_);
  Git({"init", "-q"});
}

GitRepository::~GitRepository() {
  std::error_code error;
  fs::remove_all(directory_, error);
}

CommandResult GitRepository::Git(std::vector<std::string> arguments) const {
  arguments.insert(arguments.begin(), {"git", "-C", directory_.string(), "-c", "user.name=t", "-c",
                                       "user.email=t@example.com"});
  return RunCommand(arguments);
}

void GitRepository::Put(const std::string& source, const std::string& relative) const {
  const fs::path target = directory_ / relative;
  fs::create_directories(target.parent_path());
  fs::copy_file(source, target, fs::copy_options::overwrite_existing);
}

CommandResult GitRepository::CommitAll(const std::string& message) const {
  const CommandResult added = Git({"add", "-A"});
  if (added.exit_code != 0) return added;
  return Git({"commit", "-q", "-m", message});
}

}  // namespace pgward::testing
