#include "engine/scan/git_base.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

extern char** environ;

namespace pgward::scan {
namespace {

namespace fs = std::filesystem;

struct ProgramResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a program (no shell: revisions and paths are arguments, never parsed) with its output
// captured in files under `scratch`.
ProgramResult Run(const std::vector<std::string>& argv, const fs::path& scratch) {
  const fs::path out = scratch / "stdout", err = scratch / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const std::string& argument : argv) args.push_back(const_cast<char*>(argument.c_str()));
  args.push_back(nullptr);
  pid_t child = 0;
  ProgramResult result;
  if (posix_spawnp(&child, args[0], &actions, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    result.err = "cannot run " + argv[0];
    return result;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(out);
  result.err = ReadAll(err);
  while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  while (!result.err.empty() && result.err.back() == '\n') result.err.pop_back();
  return result;
}

}  // namespace

std::variant<GitBase, std::string> GitBase::Checkout(const std::string& revision,
                                                     const std::string& head_file,
                                                     const std::string& include_root) {
  // Never an option to git, whatever the caller passes.
  if (revision.empty() || revision.front() == '-') {
    return "--base-ref: '" + revision + "' is not a revision";
  }
  GitBase base;
  base.revision_ = revision;
  char pattern[] = "/tmp/pgward-base-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return std::string("cannot create a temporary directory");
  base.directory_ = pattern;
  base.tree_ = base.directory_ / "tree";
  std::error_code error;
  fs::create_directories(base.tree_, error);

  const fs::path head = fs::weakly_canonical(head_file, error);
  const fs::path root =
      include_root.empty() ? head.parent_path() : fs::weakly_canonical(include_root, error);
  const ProgramResult top = Run(
      {"git", "-C", head.parent_path().string(), "rev-parse", "--show-toplevel"}, base.directory_);
  if (top.exit_code != 0) {
    return "--base-ref: " + head_file + " is not in a git working tree (" + top.err + ")";
  }
  const fs::path repository = fs::weakly_canonical(top.out, error);
  const fs::path file_in_repository = head.lexically_relative(repository);
  const fs::path root_in_repository = root.lexically_relative(repository);
  if (file_in_repository.empty() || *file_in_repository.begin() == "..") {
    return "--base-ref: " + head_file + " is outside its repository";
  }
  if (root_in_repository.empty() || *root_in_repository.begin() == "..") {
    return "--base-ref: the include root " + root.string() + " is outside the repository";
  }
  const ProgramResult commit = Run({"git", "-C", repository.string(), "rev-parse", "--verify",
                                    "--quiet", revision + "^{commit}"},
                                   base.directory_);
  if (commit.exit_code != 0) {
    return "--base-ref: no commit " + revision + " in " + repository.string();
  }
  base.display_file_ = revision + ":" + file_in_repository.string();
  base.include_root_ = (base.tree_ / root_in_repository).lexically_normal().string();
  // The include root as it is at the revision, files only (a tree without it is a new file).
  const fs::path archive = base.directory_ / "base.tar";
  std::vector<std::string> git_archive = {"git",          "-C", repository.string(), "archive",
                                          "--format=tar", "-o", archive.string(),    commit.out};
  if (root_in_repository != ".") {
    git_archive.push_back("--");
    git_archive.push_back(root_in_repository.string());
  }
  const ProgramResult archived = Run(git_archive, base.directory_);
  if (archived.exit_code == 0) {
    const ProgramResult extracted =
        Run({"tar", "-x", "--no-same-owner", "-f", archive.string(), "-C", base.tree_.string()},
            base.directory_);
    if (extracted.exit_code != 0)
      return "--base-ref: cannot unpack " + revision + ": " + extracted.err;
  } else if (archived.err.find("did not match any files") == std::string::npos) {
    return "--base-ref: git archive " + revision + ": " + archived.err;
  }
  const fs::path file = base.tree_ / file_in_repository;
  if (fs::exists(fs::symlink_status(file))) base.file_ = file.string();
  return std::variant<GitBase, std::string>(std::move(base));
}

GitBase::GitBase(GitBase&& other) noexcept
    : directory_(std::exchange(other.directory_, {})),
      tree_(std::move(other.tree_)),
      file_(std::move(other.file_)),
      display_file_(std::move(other.display_file_)),
      include_root_(std::move(other.include_root_)),
      revision_(std::move(other.revision_)) {}

GitBase::~GitBase() {
  if (directory_.empty()) return;
  std::error_code error;
  fs::remove_all(directory_, error);
}

std::string GitBase::DisplayName(const std::string& path) const {
  const std::string tree = tree_.string() + "/";
  if (path.starts_with(tree)) return revision_ + ":" + path.substr(tree.size());
  return path;
}

}  // namespace pgward::scan
