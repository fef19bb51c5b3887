// `pgward log summary` over what a real PostgreSQL 15 server wrote: one server logging every
// connection to stderr (with a custom log_line_prefix), csvlog and jsonlog at once, with
// sessions and failures of every kind planted by live clients. The three summaries must agree
// with what was planted and with each other.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
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

constexpr char kPrefix[] = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ";
constexpr char kPasswordRole[] = "app_password";

// The sandbox's rules with a password line first, so that a wrong password is a failure of its
// own; 127.0.0.2 is matched by the final reject only (plaintext) or by nothing (TLS).
constexpr char kHba[] = R"(local      all       all                             trust
host       all       app_password     127.0.0.1/32   password
hostssl    all       cert_only        127.0.0.1/32   cert
hostnossl  all       cert_only        127.0.0.1/32   reject
hostssl    all       ops_verify_full  127.0.0.1/32   trust   clientcert=verify-full
hostssl    all       all              127.0.0.1/32   trust
host       all       all              127.0.0.1/32   trust
hostnossl  all       all              0.0.0.0/0      reject
)";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// SSLRequest, then bytes that are not a TLS record: the server logs a failed handshake.
void FailHandshake(const Sandbox& server) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server.port()));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const unsigned char ssl_request[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
  ASSERT_EQ(write(fd, ssl_request, sizeof ssl_request), 8);
  char answer = 0;
  ASSERT_EQ(read(fd, &answer, 1), 1);
  ASSERT_EQ(answer, 'S');
  const std::string not_tls = "GET / HTTP/1.1\r\nHost: db\r\n\r\n";
  ASSERT_EQ(write(fd, not_tls.data(), not_tls.size()), static_cast<ssize_t>(not_tls.size()));
  char drain[256];
  while (read(fd, drain, sizeof drain) > 0) {
  }
  close(fd);
}

void ExpectRefused(const Sandbox& server, const ClientSpec& spec) {
  EXPECT_THROW(LiveClient(server, spec), std::runtime_error) << spec.user;
}

json Summarize(const std::filesystem::path& file, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> arguments{"log",  "summary",           file.string(), "--format",
                                     "json", "--log-line-prefix", kPrefix};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  const testing::CommandResult result = testing::RunPgward(arguments);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return json::parse(result.out);
}

int CountOf(const json& list, const std::string& value) {
  for (const json& entry : list) {
    if (entry["value"] == value) return entry["count"].get<int>();
  }
  return 0;
}

class LogSummarySandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SandboxOptions options = SandboxOptions::legacy_tls();
    options.hba_conf = kHba;
    options.settings["logging_collector"] = "on";
    options.settings["log_destination"] = "'stderr,csvlog,jsonlog'";
    options.settings["log_directory"] = "'log'";
    options.settings["log_filename"] = "'postgresql.log'";
    options.settings["log_file_mode"] = "0644";
    options.settings["log_line_prefix"] = std::string("'") + kPrefix + "'";
    server_ = new Sandbox(options);
    server_->Query(std::string("CREATE ROLE ") + kPasswordRole + " LOGIN PASSWORD 'right'");
    const Sandbox& server = *server_;

    // Sessions: plaintext TCP (2), TLS 1.3, 1.2 and 1.1, a client certificate, a local one.
    std::vector<LiveClient> sessions;
    for (int i = 0; i < 2; ++i) {
      sessions.emplace_back(server, ClientSpec{.transport = Transport::kTcpPlaintext,
                                               .user = sandbox::kPlainAppRole,
                                               .application_name = "nightly-batch"});
    }
    sessions.emplace_back(server, ClientSpec{.transport = Transport::kTcpTls,
                                             .user = sandbox::kTlsAppRole,
                                             .application_name = "it-tls13",
                                             .min_tls_version = TLS1_3_VERSION,
                                             .ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"});
    sessions.emplace_back(server, ClientSpec{.transport = Transport::kTcpTls,
                                             .user = sandbox::kTlsAppRole,
                                             .application_name = "it-tls12",
                                             .max_tls_version = TLS1_2_VERSION,
                                             .cipher_list = "ECDHE-RSA-AES128-GCM-SHA256"});
    sessions.emplace_back(server, ClientSpec{.transport = Transport::kTcpTls,
                                             .user = sandbox::kTlsAppRole,
                                             .application_name = "old-driver",
                                             .max_tls_version = TLS1_1_VERSION,
                                             .cipher_list = "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"});
    sessions.emplace_back(server, ClientSpec{.transport = Transport::kTcpTls,
                                             .user = sandbox::kCertOnlyRole,
                                             .application_name = "it-cert",
                                             .client_certificate_role = sandbox::kCertOnlyRole});
    sessions.emplace_back(server, ClientSpec{.transport = Transport::kUnixSocket,
                                             .user = sandbox::kPlainAppRole,
                                             .application_name = "it-local"});

    // Failures: no client certificate (twice), the wrong one for cert and for verify-full, a
    // plaintext attempt hostnossl rejects (twice), no line at all, a wrong password, and a
    // handshake that is not TLS.
    for (int i = 0; i < 2; ++i) {
      ExpectRefused(server, {.transport = Transport::kTcpTls, .user = sandbox::kCertOnlyRole});
    }
    // Valid certificates of the sandbox CA, of the other role: the names do not match.
    ExpectRefused(server, {.transport = Transport::kTcpTls,
                           .user = sandbox::kCertOnlyRole,
                           .client_certificate_role = sandbox::kVerifyFullRole});
    ExpectRefused(server, {.transport = Transport::kTcpTls,
                           .user = sandbox::kVerifyFullRole,
                           .client_certificate_role = sandbox::kCertOnlyRole});
    for (int i = 0; i < 2; ++i) {
      ExpectRefused(server, {.transport = Transport::kTcpPlaintext,
                             .user = sandbox::kCertOnlyRole,
                             .application_name = "legacy-etl"});
    }
    ExpectRefused(server, {.transport = Transport::kTcpTls,
                           .user = sandbox::kTlsAppRole,
                           .source_address = "127.0.0.2"});
    ExpectRefused(server, {.transport = Transport::kTcpPlaintext,
                           .user = kPasswordRole,
                           .password = std::string("wrong")});
    FailHandshake(server);

    // The collector writes asynchronously: wait for the last event in all three files.
    const std::filesystem::path log = server.hba_file().parent_path() / "log";
    for (const char* name : {"postgresql.log", "postgresql.csv", "postgresql.json"}) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (ReadFile(log / name).find("could not accept SSL connection") == std::string::npos) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << name;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    stderr_ = new json(Summarize(log / "postgresql.log"));
    csvlog_ = new json(Summarize(log / "postgresql.csv"));
    jsonlog_ = new json(Summarize(log / "postgresql.json"));
  }

  static void TearDownTestSuite() {
    delete stderr_;
    delete csvlog_;
    delete jsonlog_;
    delete server_;
  }

  static std::vector<const json*> All() { return {stderr_, csvlog_, jsonlog_}; }

  static Sandbox* server_;
  static json* stderr_;
  static json* csvlog_;
  static json* jsonlog_;
};

Sandbox* LogSummarySandboxTest::server_ = nullptr;
json* LogSummarySandboxTest::stderr_ = nullptr;
json* LogSummarySandboxTest::csvlog_ = nullptr;
json* LogSummarySandboxTest::jsonlog_ = nullptr;

TEST_F(LogSummarySandboxTest, EachFormatIsRecognisedAndReadWhole) {
  EXPECT_EQ((*stderr_)["format"], "stderr");
  EXPECT_EQ((*csvlog_)["format"], "csvlog");
  EXPECT_EQ((*jsonlog_)["format"], "jsonlog");
  for (const json* summary : All()) {
    EXPECT_EQ((*summary)["unparsed_lines"], 0) << (*summary)["format"];
    EXPECT_GT((*summary)["lines"].get<int>(), 20);
    // The four TLS sessions with an application name are still open: no later line of theirs
    // shows the name yet, and the summary says their encryption is taken as written.
    ASSERT_EQ((*summary)["notes"].size(), 1u) << (*summary)["notes"];
    EXPECT_EQ(
        (*summary)["notes"][0].get<std::string>().rfind("4 session(s) are counted encrypted", 0),
        0u)
        << (*summary)["notes"];
  }
}

TEST_F(LogSummarySandboxTest, TheThreeFormatsAgree) {
  for (const json* summary : {csvlog_, jsonlog_}) {
    for (const char* key : {"connections", "tls", "failures", "hba_lines", "top",
                            "below_minimum_tls", "ssl_handshake_reasons"}) {
      EXPECT_EQ((*summary)[key], (*stderr_)[key]) << (*summary)["format"] << " " << key;
    }
  }
}

TEST_F(LogSummarySandboxTest, SessionsAreCountedByTransportAndProtocol) {
  const json& connections = (*stderr_)["connections"];
  EXPECT_EQ(connections["plaintext_tcp"], 2);
  EXPECT_EQ(connections["tls"], 4);
  EXPECT_EQ(connections["gss"], 0);
  EXPECT_EQ(connections["unknown_transport"], 0);
  // The sandbox's own set-up queries come over the socket too.
  EXPECT_GE(connections["local"].get<int>(), 1);
  EXPECT_EQ(connections["authorized"].get<int>(), connections["plaintext_tcp"].get<int>() +
                                                      connections["tls"].get<int>() +
                                                      connections["local"].get<int>());
  std::map<std::pair<std::string, std::string>, int> tls;
  for (const json& use : (*stderr_)["tls"]) tls[{use["protocol"], use["cipher"]}] = use["count"];
  // The client certificate's session takes OpenSSL's default TLS 1.3 suite.
  const std::map<std::pair<std::string, std::string>, int> planted{
      {{"TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"}, 1},
      {{"TLSv1.3", "TLS_AES_256_GCM_SHA384"}, 1},
      {{"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"}, 1},
      {{"TLSv1.1", "ECDHE-RSA-AES128-SHA"}, 1}};
  EXPECT_EQ(tls, planted);
}

TEST_F(LogSummarySandboxTest, PlaintextAndOldTlsSessionsSayWhoOpenedThem) {
  const json& plaintext = (*stderr_)["top"]["plaintext_tcp"];
  EXPECT_EQ(CountOf(plaintext["users"], sandbox::kPlainAppRole), 2);
  EXPECT_EQ(CountOf(plaintext["databases"], "postgres"), 2);
  // The client address comes from `connection received`, joined by the backend's session.
  EXPECT_EQ(CountOf(plaintext["clients"], "127.0.0.1"), 2);
  EXPECT_EQ(CountOf(plaintext["applications"], "nightly-batch"), 2);
  EXPECT_EQ((*stderr_)["below_minimum_tls"], 1);
  const json& old = (*stderr_)["top"]["below_minimum_tls"];
  EXPECT_EQ(CountOf(old["applications"], "old-driver"), 1);
  EXPECT_EQ(CountOf(old["users"], sandbox::kTlsAppRole), 1);
}

TEST_F(LogSummarySandboxTest, FailuresAreCountedByKind) {
  const json& failures = (*stderr_)["failures"];
  EXPECT_EQ(failures["client_certificate_required"], 2);
  EXPECT_EQ(failures["certificate_authentication"], 2);
  EXPECT_EQ(failures["hba_reject_no_encryption"], 2);
  EXPECT_EQ(failures["hba_reject"], 0);
  EXPECT_EQ(failures["no_hba_entry"], 1);
  EXPECT_EQ(failures["password_authentication"], 1);
  EXPECT_EQ(failures["ssl_handshake"], 1);
  const json& top = (*stderr_)["top"];
  EXPECT_EQ(CountOf(top["hba_reject_no_encryption"]["users"], sandbox::kCertOnlyRole), 2);
  EXPECT_EQ(CountOf(top["hba_reject_no_encryption"]["clients"], "127.0.0.1"), 2);
  EXPECT_EQ(CountOf(top["no_hba_entry"]["clients"], "127.0.0.2"), 1);
  EXPECT_EQ(CountOf(top["certificate_authentication"]["users"], sandbox::kCertOnlyRole), 1);
  EXPECT_EQ(CountOf(top["certificate_authentication"]["users"], sandbox::kVerifyFullRole), 1);
  EXPECT_EQ(CountOf(top["client_certificate_required"]["clients"], "127.0.0.1"), 2);
  EXPECT_EQ(CountOf(top["password_authentication"]["users"], kPasswordRole), 1);
  EXPECT_EQ(CountOf(top["ssl_handshake"]["clients"], "127.0.0.1"), 1);
  // Bytes that are not TLS after SSLRequest: OpenSSL takes them for HTTP.
  EXPECT_EQ((*stderr_)["ssl_handshake_reasons"],
            json::parse(R"([{"value": "http request", "count": 1}])"));
}

TEST_F(LogSummarySandboxTest, HbaLinesUsedAreNamedByFileAndLine) {
  // Only methods that authenticate an identity log `connection authenticated`: here the cert
  // line (3) of the client certificate's session.
  const std::string hba = std::filesystem::canonical(server_->hba_file()).string();
  bool found = false;
  for (const json& use : (*stderr_)["hba_lines"]) {
    EXPECT_EQ(use["file"], hba);
    if (use["line"] == 3) found = use["authenticated"].get<int>() >= 1;
  }
  EXPECT_TRUE(found) << (*stderr_)["hba_lines"];
}

TEST_F(LogSummarySandboxTest, AWindowInTheFutureCountsNothing) {
  const std::filesystem::path log = server_->hba_file().parent_path() / "log";
  const json later = Summarize(log / "postgresql.csv", {"--since", "2999-01-01"});
  EXPECT_EQ(later["connections"]["received"], 0);
  EXPECT_TRUE(later["window"]["first"].is_null());
  EXPECT_GE(later["lines"], (*csvlog_)["lines"]);  // every line read, none counted
  const json earlier = Summarize(log / "postgresql.json", {"--until", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(earlier["failures"]["ssl_handshake"], 0);
}

// The same log in a scan: each kind of event planted is a finding of its rule.
TEST_F(LogSummarySandboxTest, AScanOfTheLogFindsWhatWasPlanted) {
  const std::filesystem::path log = server_->hba_file().parent_path() / "log" / "postgresql.csv";
  const std::filesystem::path out =
      std::filesystem::path(::testing::TempDir()) / ("log-scan-" + std::to_string(getpid()));
  const testing::CommandResult result =
      testing::RunPgward({"scan", "--server-log", log.string(), "--pack", "pci-dss-4.0", "--format",
                          "json", "--output-dir", out.string()});
  ASSERT_EQ(result.exit_code, 1) << result.err;  // failing findings, every piece of evidence read
  const json report = json::parse(ReadFile(out / "pgward.json"));
  std::filesystem::remove_all(out);
  std::map<std::string, std::vector<std::string>> messages;
  for (const json& finding : report["findings"]) {
    messages[finding["rule_id"]].push_back(finding["message"]);
  }
  ASSERT_EQ(messages["PGW-LOG-001"].size(), 1u) << report["findings"];
  EXPECT_NE(messages["PGW-LOG-001"][0].find("2 plaintext TCP session(s) of app_plain on postgres "
                                            "from 127.0.0.1 (nightly-batch)"),
            std::string::npos)
      << messages["PGW-LOG-001"][0];
  ASSERT_EQ(messages["PGW-LOG-002"].size(), 1u);
  EXPECT_NE(messages["PGW-LOG-002"][0].find("(old-driver) used TLSv1.1"), std::string::npos);
  // The TLS 1.1 session's CBC suite, and nothing else, is outside the allowlist.
  ASSERT_EQ(messages["PGW-LOG-003"].size(), 1u);
  EXPECT_NE(messages["PGW-LOG-003"][0].find("ECDHE-RSA-AES128-SHA "), std::string::npos);
  ASSERT_EQ(messages["PGW-LOG-004"].size(), 1u);
  EXPECT_NE(messages["PGW-LOG-004"][0].find("(http request)"), std::string::npos);
  // No certificate (twice, one group), and each role's certificate presented for the other.
  EXPECT_EQ(messages["PGW-LOG-005"].size(), 3u) << report["findings"];
  ASSERT_EQ(messages["PGW-LOG-006"].size(), 1u);
  EXPECT_NE(messages["PGW-LOG-006"][0].find("2 plaintext attempt(s) of cert_only"),
            std::string::npos);
}

// The file under review beside the server's log: which of its authenticating lines nobody used.
TEST_F(LogSummarySandboxTest, LinesTheLogNeverShowsUsedAreNamed) {
  const std::filesystem::path directory =
      std::filesystem::path(::testing::TempDir()) / ("log-hba-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  // The reviewed copy keeps the server's file name: that is how the log's lines find it.
  std::filesystem::copy_file(server_->hba_file(), directory / "pg_hba.conf");
  const std::filesystem::path log = server_->hba_file().parent_path() / "log" / "postgresql.csv";
  const testing::CommandResult result =
      testing::RunPgward({"scan", "--hba", (directory / "pg_hba.conf").string(), "--server-log",
                          log.string(), "--pack", "pci-dss-4.0", "--json", "-"});
  std::filesystem::remove_all(directory);
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const json report = json::parse(result.out);
  std::vector<int> unused;
  for (const json& finding : report["findings"]) {
    if (finding["rule_id"] == "PGW-LOG-007") unused.push_back(finding["location"]["line"]);
  }
  // Line 2 (password) only failed; line 3 (cert) authenticated the client certificate's
  // session; the others are trust or reject, which authenticate no identity.
  EXPECT_EQ(unused, std::vector<int>{2}) << report["findings"];
}

// An inventory target's log: its findings name the server and the file, and point at the
// target's entry in the inventory.
TEST_F(LogSummarySandboxTest, AnInventoryTargetsLogIsTheServersEvidence) {
  const std::filesystem::path log = server_->hba_file().parent_path() / "log" / "postgresql.log";
  const std::filesystem::path directory =
      std::filesystem::path(::testing::TempDir()) / ("log-inventory-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  {
    std::ofstream inventory(directory / "inventory.yaml");
    inventory << "targets:\n"
              << "  - name: sandbox\n"
              << "    dsn: \"" << server_->socket_dsn() << "\"\n"
              << "    server_logs: [" << log.string() << "]\n"
              << "    log_line_prefix: \"" << kPrefix << "\"\n"
              << "    log_format: stderr\n";
  }
  // The server's own log, outside the inventory's directory: read where the include root allows.
  const testing::CommandResult result =
      testing::RunPgward({"scan", "--inventory", (directory / "inventory.yaml").string(),
                          "--include-root", "/", "--json", "-"});
  std::filesystem::remove_all(directory);
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const json report = json::parse(result.out);
  size_t log_findings = 0;
  std::vector<std::string> unused;
  for (const json& finding : report["findings"]) {
    const std::string rule = finding["rule_id"];
    // The server's own rules (pg_hba_file_rules) joined with its log: the password line only
    // ever failed.
    if (rule == "PGW-LOG-007") {
      unused.push_back(finding["location"]["file"].get<std::string>() + ":" +
                       std::to_string(finding["location"]["line"].get<int>()));
      continue;
    }
    if (!rule.starts_with("PGW-LOG-")) continue;
    ++log_findings;
    EXPECT_EQ(finding["target"], "sandbox:" + log.string()) << finding;
    EXPECT_EQ(finding["location"]["line"], 2) << finding;  // the target's entry
  }
  EXPECT_GE(log_findings, 8u) << report["findings"];
  EXPECT_EQ(unused, std::vector<std::string>{"sandbox:" + server_->hba_file().string() + ":2"});
}

// Nightly: each run of a scan with --state-dir judges what the log gained since the last one.
TEST(LogScanTest, AScheduledScanReadsOnlyWhatTheLogGainedSinceItsLastRun) {
  Sandbox server;
  const std::string state =
      std::filesystem::path(::testing::TempDir()) / ("log-state-" + std::to_string(getpid()));
  const auto plaintext_findings = [&] {
    // The server writes its log as sessions start: wait until the last one is in it.
    const testing::CommandResult result = testing::RunPgward(
        {"scan", "--server-log", server.server_log().string(), "--log-line-prefix",
         "%m [%p] %q%u@%d ", "--state-dir", state, "--json", "-", "--fail-on", "never"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const json report = json::parse(result.out);
    std::vector<std::string> messages;
    for (const json& finding : report["findings"]) {
      if (finding["rule_id"] == "PGW-LOG-001") messages.push_back(finding["message"]);
    }
    return messages;
  };
  const auto plant = [&](int sessions, const std::string& application) {
    for (int i = 0; i < sessions; ++i) {
      LiveClient client(server, {.transport = Transport::kTcpPlaintext,
                                 .user = sandbox::kPlainAppRole,
                                 .application_name = application});
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ReadFile(server.server_log()).find("application_name=" + application) ==
           std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  plant(1, "monday");
  std::vector<std::string> first = plaintext_findings();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0].find("1 plaintext TCP session(s) of app_plain on postgres from 127.0.0.1 "
                          "(monday)"),
            std::string::npos)
      << first[0];
  plant(2, "tuesday");
  std::vector<std::string> second = plaintext_findings();
  ASSERT_EQ(second.size(), 1u) << ::testing::PrintToString(second);
  EXPECT_NE(second[0].find("2 plaintext TCP session(s) of app_plain on postgres from 127.0.0.1 "
                           "(tuesday)"),
            std::string::npos)
      << second[0];
  std::filesystem::remove_all(state);
}

// A prefix of padded escapes read as the server pads them (elog.c: "%*s" and "%*d"): the
// spaces before a value shorter than the width (%10u), or after it (%-7p, %-22r, whose host and
// port are padded together), and none after a longer one. A process of no session pads its empty
// values: every line of the log is an entry.
TEST(LogScanTest, APaddedPrefixIsReadAsTheServerPadsIt) {
  constexpr char kPadded[] = "%m [%-7p] %-22r %10u@%-12d ";
  SandboxOptions options;
  options.settings["log_line_prefix"] = std::string("'") + kPadded + "'";
  Sandbox server(options);
  const std::vector<ClientSpec> clients = {{.transport = Transport::kTcpPlaintext,
                                            .user = sandbox::kPlainAppRole,
                                            .application_name = "padded-plaintext"},
                                           {.transport = Transport::kTcpTls,
                                            .user = sandbox::kTlsAppRole,
                                            .application_name = "padded-tls"},
                                           {.transport = Transport::kUnixSocket,
                                            .user = sandbox::kPlainAppRole,
                                            .application_name = "padded-local"}};
  for (const ClientSpec& spec : clients) {
    { LiveClient session(server, spec); }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ReadFile(server.server_log()).find("application_name=" + spec.application_name) ==
           std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << spec.application_name;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const testing::CommandResult result =
      testing::RunPgward({"log", "summary", server.server_log().string(), "--format", "json",
                          "--log-line-prefix", kPadded});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json summary = json::parse(result.out);
  EXPECT_GT(summary["lines"], 5);
  EXPECT_EQ(summary["unparsed_lines"], 0) << ReadFile(server.server_log());
  EXPECT_EQ(summary["connections"]["plaintext_tcp"], 1);
  EXPECT_EQ(summary["connections"]["tls"], 1);
  EXPECT_GE(summary["connections"]["local"], 1);
  // The client address from %r without its port, and the user and database without their
  // padding.
  const json& plaintext = summary["top"]["plaintext_tcp"];
  EXPECT_EQ(CountOf(plaintext["clients"], "127.0.0.1"), 1) << plaintext;
  EXPECT_EQ(CountOf(plaintext["users"], sandbox::kPlainAppRole), 1) << plaintext;
  EXPECT_EQ(CountOf(plaintext["databases"], "postgres"), 1) << plaintext;
}

// A server that does not log connections gives no evidence for the log rules: an error (exit 3),
// never a pass.
TEST(LogScanTest, ALogWithoutConnectionLinesIsMissingEvidence) {
  SandboxOptions options;
  options.settings["log_connections"] = "off";
  Sandbox server(options);
  server.Query("SELECT 1");
  const testing::CommandResult result =
      testing::RunPgward({"scan", "--server-log", server.server_log().string(), "--log-line-prefix",
                          "%m [%p] %q%u@%d "});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_NE(result.out.find("no connection line recognised"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace pgward
