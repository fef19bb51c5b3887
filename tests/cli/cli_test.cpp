// The command-line contract: version, help, exit codes and one-line errors with a hint.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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
  for (const char* command :
       {"scan", "collect", "probe", "hba", "policy", "report", "log", "evidence"}) {
    EXPECT_NE(result.out.find(std::string("\n  ") + command + " "), std::string::npos) << command;
  }
  EXPECT_NE(result.out.find("Exit codes:"), std::string::npos);
  EXPECT_NE(result.out.find("3  incomplete evidence"), std::string::npos);
}

// A run builds only the command it names (cli.cpp): a group named alone still lists all of its
// commands, and its leaves parse their own options.
TEST(CliTest, AGroupNamedAloneListsItsCommands) {
  const std::pair<const char*, std::vector<const char*>> groups[] = {
      {"hba", {"rules", "ident", "explain", "diff"}},
      {"policy", {"list", "lint", "test"}},
      {"log", {"summary"}},
      {"report", {"merge"}},
      {"evidence", {"verify"}},
  };
  for (const auto& [group, commands] : groups) {
    const auto result = RunPgward({group, "--help"});
    EXPECT_EQ(result.exit_code, 0) << group;
    for (const char* command : commands) {
      EXPECT_NE(result.out.find(std::string("\n  ") + command + " "), std::string::npos)
          << group << " " << command << "\n"
          << result.out;
    }
  }
  const auto leaf = RunPgward({"log", "summary", "--format", "yaml", "/dev/null"});
  EXPECT_EQ(leaf.exit_code, 2);
  EXPECT_NE(leaf.err.find("--format"), std::string::npos) << leaf.err;
  // Another command's name after a command's own arguments is one of its arguments (a file named
  // `scan`), never a second command: only the command named is there to start.
  const auto named_scan = RunPgward({"log", "summary", "scan"});
  EXPECT_EQ(named_scan.exit_code, 2);
  EXPECT_NE(named_scan.err.find("cannot read scan"), std::string::npos) << named_scan.err;
}

// libcrypto, libssl and libpq are loaded when a command first uses them
// (engine/core/openssl_loader.cpp, engine/collect/libpq_loader.cpp), never at start: the dynamic
// loader's own trace (LD_DEBUG=libs) says which libraries a run loaded.
TEST(CliTest, OpenSslAndLibpqAreLoadedOnlyByTheCommandsThatUseThem) {
  const auto loaded = [](const std::vector<std::string>& arguments) {
    std::vector<std::string> argv = {"/usr/bin/env", "LD_DEBUG=libs", PGWARD_BINARY};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return testing::RunCommand(argv);
  };
  const auto names = [](const std::string& trace, const char* library) {
    return trace.find(std::string("find library=") + library + " ") != std::string::npos;
  };
  const std::string hba = std::string(PGWARD_SOURCE_DIR) + "/fixtures/scan/insecure_pg_hba.conf";
  const auto version = loaded({"--version"});
  const auto rules = loaded({"hba", "rules", hba});
  const auto summary = loaded(
      {"log", "summary", "--format", "json",
       std::string(PGWARD_SOURCE_DIR) + "/fixtures/logs/client-written-lines/postgresql.json"});
  // Each run did its work: one that stopped early would load nothing either.
  const auto last_lines = [](const std::string& trace) {
    return trace.substr(trace.size() - std::min<std::size_t>(trace.size(), 300));
  };
  EXPECT_EQ(version.exit_code, 0) << last_lines(version.err);
  EXPECT_EQ(summary.exit_code, 0) << last_lines(summary.err);
  EXPECT_NE(summary.out.find("\"connections\""), std::string::npos);
  for (const auto* run : {&version, &rules, &summary}) {
    EXPECT_TRUE(names(run->err, "libc.so.6")) << run->err.substr(0, 500);
    for (const char* library : {"libcrypto.so.3", "libssl.so.3", "libpq.so.5"}) {
      EXPECT_FALSE(names(run->err, library)) << library << "\n" << run->err;
    }
  }
  EXPECT_EQ(rules.exit_code, 0) << last_lines(rules.err);
  // A scan fingerprints its findings with SHA-256: libcrypto is loaded then, and only it.
  const auto scan = loaded({"scan", "--hba", hba, "--format", "json"});
  EXPECT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_TRUE(names(scan.err, "libcrypto.so.3")) << scan.err;
  EXPECT_FALSE(names(scan.err, "libssl.so.3"));
  EXPECT_FALSE(names(scan.err, "libpq.so.5"));
  const nlohmann::json report = nlohmann::json::parse(scan.out);
  ASSERT_FALSE(report["findings"].empty());
  for (const auto& finding : report["findings"]) {
    const std::string fingerprint = finding["fingerprint"].get<std::string>();
    EXPECT_EQ(fingerprint.size(), 32u) << finding.dump();
    EXPECT_EQ(fingerprint.find_first_not_of("0123456789abcdef"), std::string::npos) << fingerprint;
  }
}

// Where OpenSSL cannot be loaded (a broken or missing library), a run that needs it stops with
// exit 3, naming the library, and writes no report that could read as a pass; one that does not
// need it runs as before.
TEST(CliTest, WithoutALoadableOpenSslOnlyTheRunsThatNeedItFail) {
  const std::filesystem::path libraries =
      std::filesystem::temp_directory_path() / ("pgward-no-openssl-" + std::to_string(getpid()));
  std::filesystem::create_directories(libraries);
  std::ofstream(libraries / "libcrypto.so.3") << "not a shared library\n";
  const auto run = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(),
                     {"/usr/bin/env", "LD_LIBRARY_PATH=" + libraries.string(), PGWARD_BINARY});
    return testing::RunCommand(arguments);
  };
  const std::string hba = std::string(PGWARD_SOURCE_DIR) + "/fixtures/scan/insecure_pg_hba.conf";
  const auto scan = run({"scan", "--hba", hba, "--format", "json"});
  const auto rules = run({"hba", "rules", hba});
  std::filesystem::remove_all(libraries);
  EXPECT_EQ(scan.exit_code, 3) << scan.err;
  EXPECT_NE(scan.err.find("pgward: error: cannot load libcrypto.so.3"), std::string::npos)
      << scan.err;
  EXPECT_EQ(scan.out.find("\"findings\""), std::string::npos) << scan.out.substr(0, 300);
  EXPECT_EQ(rules.exit_code, 0) << rules.err;
  EXPECT_NE(rules.out.find("0.0.0.0"), std::string::npos) << rules.out;
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

// Where no thread can be started (RLIMIT_NPROC reached: a CI runner's limit, a container's), a
// scan, an hba diff, an hba listing and a log summary do on one thread what they would on
// several, and say the same. They aborted before ("terminate called ... Resource temporarily
// unavailable").
TEST(CliTest, WithoutThreadsToBeHadARunDoesItsWorkOnOneThread) {
  if (!testing::CanLimitThreads()) GTEST_SKIP() << "needs root and a postgres user";
  const std::filesystem::path work =
      std::filesystem::temp_directory_path() / ("pgward-nproc-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  std::filesystem::permissions(work, std::filesystem::perms::all);
  {
    // And the same file with its first line changed, for hba diff.
    std::ofstream hba(work / "pg_hba.conf"), changed(work / "changed.conf");
    for (int i = 0; i < 3000; ++i) {
      const std::string line = "host db" + std::to_string(i) + " user" + std::to_string(i) +
                               " 10." + std::to_string(i / 256) + "." + std::to_string(i % 256) +
                               ".0/24 " + (i % 3 == 0 ? "md5" : "scram-sha-256") + "\n";
      hba << line;
      changed << (i == 0 ? "host all all 0.0.0.0/0 trust\n" : line);
    }
    std::ofstream log(work / "server.log");
    for (int pid = 1000; pid < 3000; ++pid) {
      log << "2026-12-03 10:00:00.000 UTC [" << pid
          << "] LOG:  connection received: host=10.0.0.1 port=5000\n"
          << "2026-12-03 10:00:00.000 UTC [" << pid
          << "] LOG:  connection authorized: user=app database=db1 application_name=psql\n";
    }
  }
  testing::CommandOptions options;
  options.cwd = work.string();
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"scan", "--hba", "pg_hba.conf", "--format", "json",
                                 "--reproducible"},
        std::vector<std::string>{"hba", "diff", "pg_hba.conf", "changed.conf", "--format", "json"},
        std::vector<std::string>{"hba", "rules", "pg_hba.conf", "--format", "json"},
        std::vector<std::string>{"log", "summary", "server.log", "--format", "json", "--jobs",
                                 "2"}}) {
    const auto free = testing::RunPgwardAsPostgres(false, command, options);
    const auto limited = testing::RunPgwardAsPostgres(true, command, options);
    EXPECT_EQ(limited.exit_code, free.exit_code) << command[0] << "\n" << limited.err;
    EXPECT_EQ(limited.err.find("terminate"), std::string::npos) << limited.err;
    EXPECT_EQ(limited.out, free.out) << command[0];
    EXPECT_GT(free.out.size(), 1000u) << command[0];
  }
  std::filesystem::remove_all(work);
}

}  // namespace
}  // namespace pgward
