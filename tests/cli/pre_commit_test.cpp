// The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit (Debian package
// pre-commit) in a throwaway repository whose configuration points at this checkout: a commit
// that opens plaintext from 0.0.0.0/0 is refused, a clean one goes through.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunCommand;

class PreCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/pre-commit", X_OK) != 0) {
      FAIL() << "pre-commit missing: run scripts/install-deps (make test does)";
    }
    // The hooks are read from a commit of this checkout, as pre-commit reads any hook repository.
    const CommandResult head = RunCommand({"git", "-C", PGWARD_SOURCE_DIR, "rev-parse", "HEAD"});
    if (head.exit_code != 0) GTEST_SKIP() << "not a git checkout: " << head.err;
    revision_ = head.out.substr(0, head.out.find('\n'));
    repository_ = fs::path(::testing::TempDir()) / "pgward-pre-commit";
    fs::remove_all(repository_);
    fs::create_directories(repository_);
    Git({"init", "-q"});
    std::ofstream(repository_ / ".pre-commit-config.yaml")
        << "repos:\n  - repo: " << PGWARD_SOURCE_DIR << "\n    rev: " << revision_
        << "\n    hooks:\n      - id: pgward-hba\n      - id: pgward-hba-diff\n";
    Git({"add", ".pre-commit-config.yaml"});
    Git({"commit", "-q", "-m", "config"});
    ASSERT_EQ(Run({"pre-commit", "install"}).exit_code, 0);
  }

  // A command in the repository, with pgward on PATH and pre-commit's cache inside the test.
  CommandResult Run(std::vector<std::string> command) {
    const std::string path = fs::path(PGWARD_BINARY).parent_path().string() + ":/usr/bin:/bin";
    command.insert(command.begin(), {"/usr/bin/env", "PATH=" + path,
                                     "PRE_COMMIT_HOME=" + (repository_ / ".cache").string(),
                                     "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
                                     "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"});
    testing::CommandOptions options;
    options.cwd = repository_.string();
    options.timeout_seconds = 240;
    return RunCommand(command, options);
  }

  void Git(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "git");
    const CommandResult result = Run(arguments);
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  }

  CommandResult Commit(const std::string& fixture) {
    fs::create_directories(repository_ / "db");
    fs::copy_file(fixture, repository_ / "db" / "pg_hba.conf",
                  fs::copy_options::overwrite_existing);
    Git({"add", "db/pg_hba.conf"});
    return Run({"git", "commit", "-q", "-m", "change"});
  }

  std::string revision_;
  fs::path repository_;
};

TEST_F(PreCommitTest, ACleanFileGoesThroughAndPlaintextFromEverywhereIsRefused) {
  const std::string source = PGWARD_SOURCE_DIR;
  const CommandResult clean =
      Commit(source + "/fixtures/hba/stock/debian-12-pg_createcluster-15.conf");
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  const CommandResult opened =
      Commit(source + "/fixtures/hba-diff/plaintext-opened/head/pg_hba.conf");
  EXPECT_NE(opened.exit_code, 0) << opened.out << opened.err;
  const std::string said = opened.out + opened.err;
  EXPECT_NE(said.find("PGW-COV-001"), std::string::npos) << said;
  // The diff hook names what the change opens.
  EXPECT_NE(said.find("OPENED  plaintext TCP"), std::string::npos) << said;
  // Nothing was committed: HEAD still has the clean file.
  const CommandResult log = Run({"git", "log", "--oneline"});
  EXPECT_EQ(std::count(log.out.begin(), log.out.end(), '\n'), 2) << log.out;
}

}  // namespace
}  // namespace pgward
