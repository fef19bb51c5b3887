// The command-line contract: version, help, exit codes and one-line errors with a hint.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "pgward/version.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

using testing::RunPgward;

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(CliTest, VersionPrintsTheProjectVersion) {
  const auto result = RunPgward({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, std::string("pgward ") + kVersion + "\n");
}

#ifdef PGWARD_JEMALLOC
// The binary runs on jemalloc with transparent huge pages, one arena and no decay
// (engine/cli/allocator.cpp): jemalloc's statistics, asked for through its environment variable,
// show the options it started with.
TEST(CliTest, RunsOnJemallocWithTransparentHugePages) {
  // Without THP in the kernel jemalloc reports the option "not supported": nothing to check.
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled")) {
    GTEST_SKIP() << "the kernel has no transparent huge pages";
  }
  const auto result = testing::RunCommand(
      {"/usr/bin/env", "MALLOC_CONF=stats_print:true", PGWARD_BINARY, "--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find("opt.thp: \"always\""), std::string::npos)
      << result.err.substr(0, 2000);
  EXPECT_NE(result.err.find("opt.metadata_thp: \"always\""), std::string::npos);
  EXPECT_NE(result.err.find("opt.narenas: 1\n"), std::string::npos);
  EXPECT_NE(result.err.find("opt.dirty_decay_ms: -1 "), std::string::npos);
  EXPECT_NE(result.err.find("opt.muzzy_decay_ms: -1 "), std::string::npos);
}
#endif

TEST(CliTest, HelpListsEveryCommandAndTheExitCodes) {
  const auto result = RunPgward({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"scan", "collect", "probe", "hba", "policy"}) {
    EXPECT_NE(result.out.find(std::string("  ") + command), std::string::npos) << command;
  }
  EXPECT_NE(result.out.find("Exit codes:"), std::string::npos);
  EXPECT_NE(result.out.find("3  incomplete evidence"), std::string::npos);
}

TEST(CliTest, UnknownCommandIsAUsageErrorWithASuggestion) {
  const auto result = RunPgward({"scna"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "pgward: unknown command 'scna' (did you mean 'scan'?)\n"
            "Run 'pgward --help' for usage.\n");
  EXPECT_EQ(result.out, "");
}

TEST(CliTest, UnknownCommandWithoutACloseMatchHasNoSuggestion) {
  const auto result = RunPgward({"frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "pgward: unknown command 'frobnicate'\nRun 'pgward --help' for usage.\n");
}

TEST(CliTest, BadFlagIsAOneLineErrorWithAHint) {
  const auto result = RunPgward({"--no-such-flag"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(CountLines(result.err), 2u) << result.err;
  EXPECT_EQ(result.err.rfind("pgward: ", 0), 0u) << result.err;
  EXPECT_NE(result.err.find("--no-such-flag"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Run 'pgward --help' for usage."), std::string::npos);
}

TEST(CliTest, MissingCommandIsAUsageError) {
  const auto result = RunPgward({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "pgward: a command is required\nRun 'pgward --help' for usage.\n");
  const auto group = RunPgward({"policy"});
  EXPECT_EQ(group.exit_code, 2);
  EXPECT_EQ(group.err, "pgward: a command is required\nRun 'pgward policy --help' for usage.\n");
}

TEST(CliTest, UnknownHbaSubcommandNamesTheGroupInTheHint) {
  const auto result = RunPgward({"hba", "rulez"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "pgward: unknown command 'rulez' for 'pgward hba' (did you mean 'rules'?)\n"
            "Run 'pgward hba --help' for usage.\n");
}

}  // namespace
}  // namespace pgward
