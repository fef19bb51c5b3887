// A reload that fails leaves a real PostgreSQL running the configuration it had while its settings
// show the new one: what a scan of the settings alone would pass. The server log says so, and a
// scan of the log finds it (PGW-LOG-008), in 13's words (pg_hba.conf by name) and in 16+'s (by
// path), in stderr, csvlog and jsonlog (15+) alike, until a reload succeeds.

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

using nlohmann::json;
using sandbox::ClientSpec;
using sandbox::LiveClient;
using sandbox::Sandbox;
using sandbox::SandboxOptions;
using sandbox::Transport;

// A log_line_prefix that says each line's process and writes no name a client chooses, so that
// the postmaster's reloads are believed in stderr too (ReloadTracker).
constexpr char kPrefix[] = "%m [%p] %b ";
constexpr char kBrokenLine[] = "hostssl all all 0.0.0.0/0 no-such-method\n";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// The server's log files, written by its logging collector: one per format.
std::vector<std::filesystem::path> LogFiles(const Sandbox& server) {
  const std::filesystem::path directory = server.hba_file().parent_path() / "log";
  std::vector<std::filesystem::path> files{directory / "postgresql.log",
                                           directory / "postgresql.csv"};
  if (server.major() >= 15) files.push_back(directory / "postgresql.json");
  return files;
}

// Waits until every format has `count` lines that hold `text` (the collector writes them
// asynchronously).
void WaitForLines(const Sandbox& server, const std::string& text, size_t count) {
  for (const std::filesystem::path& file : LogFiles(server)) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (Occurrences(ReadFile(file), text) < count) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << file << ": " << text;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

// pg_reload_conf(), then the postmaster's `reloads`th reload in every file, with the SSL failures
// it wrote (Sandbox::Reload reads the server's stderr, which the collector has taken over).
void Reload(const Sandbox& server, size_t reloads, size_t ssl_failures) {
  server.Query("SELECT pg_reload_conf()");
  WaitForLines(server, "received SIGHUP, reloading configuration files", reloads);
  WaitForLines(server, "SSL configuration was not reloaded", ssl_failures);
}

ClientSpec Tls12Client() {
  return {.transport = Transport::kTcpTls,
          .user = sandbox::kTlsAppRole,
          .max_tls_version = TLS1_2_VERSION};
}

// PGW-LOG-008's failing messages in a scan of one of the server's log files.
std::vector<std::string> ReloadFindings(const std::filesystem::path& log) {
  const std::filesystem::path out =
      std::filesystem::path(::testing::TempDir()) / ("reload-scan-" + std::to_string(getpid()));
  const testing::CommandResult result = testing::RunPgward(
      {"scan", "--server-log", log.string(), "--log-line-prefix", kPrefix, "--pack", "pci-dss-4.0",
       "--format", "json", "--output-dir", out.string()});
  EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << log << ": " << result.err;
  const json report = json::parse(ReadFile(out / "pgward.json"));
  std::filesystem::remove_all(out);
  std::vector<std::string> messages;
  for (const json& finding : report["findings"]) {
    if (finding["rule_id"] == "PGW-LOG-008") messages.push_back(finding["message"]);
  }
  return messages;
}

class FailedReloadSandboxTest : public ::testing::TestWithParam<int> {};

TEST_P(FailedReloadSandboxTest, TheLogSaysWhatTheServerDidNotReloadUntilItDoes) {
  SandboxOptions options;
  options.major = GetParam();
  options.settings["logging_collector"] = "on";
  options.settings["log_destination"] =
      options.major >= 15 ? "'stderr,csvlog,jsonlog'" : "'stderr,csvlog'";
  options.settings["log_directory"] = "'log'";
  options.settings["log_filename"] = "'postgresql.log'";
  options.settings["log_file_mode"] = "0644";
  options.settings["log_line_prefix"] = std::string("'") + kPrefix + "'";
  Sandbox server(options);
  const std::string hba = ReadFile(server.hba_file());

  // TLS 1.3 only, with a certificate file that is not there; and a line of no method.
  server.Query("ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.3'");
  server.Query("ALTER SYSTEM SET ssl_cert_file = '/nonexistent/server.crt'");
  std::ofstream(server.hba_file(), std::ios::app) << kBrokenLine;
  Reload(server, 1, 1);
  // The settings say TLS 1.3; the server still takes TLS 1.2.
  EXPECT_EQ(server.Query("SHOW ssl_min_protocol_version").at(0).at(0), "TLSv1.3");
  EXPECT_NO_THROW(LiveClient(server, Tls12Client()));

  // The path as the server writes it.
  const std::string hba_name = server.major() >= 16
                                   ? server.Query("SHOW hba_file").at(0).at(0).value_or("")
                                   : std::string("pg_hba.conf");
  for (const std::filesystem::path& log : LogFiles(server)) {
    const std::vector<std::string> outdated = ReloadFindings(log);
    ASSERT_EQ(outdated.size(), 2u) << log << "\n" << ReadFile(log);
    for (const std::string& configuration : {hba_name, std::string("SSL configuration")}) {
      EXPECT_EQ(std::count_if(outdated.begin(), outdated.end(),
                              [&](const std::string& message) {
                                return message.starts_with(configuration + " was not reloaded at ");
                              }),
                1)
          << log << ": " << configuration;
    }
  }

  // Repaired and reloaded: the server takes the new configuration, and the log says so.
  server.Query("ALTER SYSTEM RESET ssl_cert_file");
  std::ofstream(server.hba_file(), std::ios::trunc) << hba;
  Reload(server, 2, 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    try {
      LiveClient refused(server, Tls12Client());
    } catch (const std::runtime_error&) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "TLS 1.2 still accepted";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const std::filesystem::path& log : LogFiles(server)) {
    EXPECT_EQ(ReloadFindings(log), std::vector<std::string>{}) << log;
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, FailedReloadSandboxTest, ::testing::Values(13, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pgward
