// A reload that fails leaves a real PostgreSQL running the configuration it had while its settings
// show the new one: what a scan of the settings alone would pass. The server log says so, and a
// scan of the log finds it (PGW-LOG-008), in 13's words (pg_hba.conf by name) and in 16+'s (by
// path), until a reload succeeds.

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

// The sandbox's log_line_prefix.
constexpr char kPrefix[] = "%m [%p] %q%u@%d ";
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

// The postmaster writes a reload's failures after its SIGHUP line, which Sandbox::Reload waits
// for: wait for the `count`th failure of the SSL configuration too.
void WaitForSslFailures(const Sandbox& server, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Occurrences(ReadFile(server.server_log()), "SSL configuration was not reloaded") < count) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ClientSpec Tls12Client() {
  return {.transport = Transport::kTcpTls,
          .user = sandbox::kTlsAppRole,
          .max_tls_version = TLS1_2_VERSION};
}

// PGW-LOG-008's failing messages in a scan of the server's log.
std::vector<std::string> ReloadFindings(const Sandbox& server) {
  const std::filesystem::path out =
      std::filesystem::path(::testing::TempDir()) / ("reload-scan-" + std::to_string(getpid()));
  const testing::CommandResult result = testing::RunPgward(
      {"scan", "--server-log", server.server_log().string(), "--log-line-prefix", kPrefix, "--pack",
       "pci-dss-4.0", "--format", "json", "--output-dir", out.string()});
  EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.err;
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
  Sandbox server(options);
  const std::string hba = ReadFile(server.hba_file());

  // TLS 1.3 only, with a certificate file that is not there; and a line of no method.
  server.Query("ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.3'");
  server.Query("ALTER SYSTEM SET ssl_cert_file = '/nonexistent/server.crt'");
  std::ofstream(server.hba_file(), std::ios::app) << kBrokenLine;
  server.Reload();
  WaitForSslFailures(server, 1);
  // The settings say TLS 1.3; the server still takes TLS 1.2.
  EXPECT_EQ(server.Query("SHOW ssl_min_protocol_version").at(0).at(0), "TLSv1.3");
  EXPECT_NO_THROW(LiveClient(server, Tls12Client()));

  const std::string hba_name = server.major() >= 16
                                   ? std::filesystem::canonical(server.hba_file()).string()
                                   : std::string("pg_hba.conf");
  const std::vector<std::string> outdated = ReloadFindings(server);
  ASSERT_EQ(outdated.size(), 2u) << ReadFile(server.server_log());
  for (const std::string& configuration : {hba_name, std::string("SSL configuration")}) {
    EXPECT_EQ(std::count_if(outdated.begin(), outdated.end(),
                            [&](const std::string& message) {
                              return message.starts_with(configuration + " was not reloaded at ");
                            }),
              1)
        << configuration;
  }

  // Repaired and reloaded: the server takes the new configuration, and the log says so.
  server.Query("ALTER SYSTEM RESET ssl_cert_file");
  std::ofstream(server.hba_file(), std::ios::trunc) << hba;
  server.Reload();
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
  EXPECT_EQ(ReloadFindings(server), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Versions, FailedReloadSandboxTest, ::testing::Values(13, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pgward
