// Integration tests of the sandbox against the real PostgreSQL 15 server: every kind of client
// shows up in pg_stat_ssl joined with pg_stat_activity exactly as it connected, the variants
// change what the server accepts, and nothing outlives the sandbox.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward::sandbox {
namespace {

struct SessionRow {
  std::optional<std::string> user, application, client_addr, ssl, version, cipher, client_dn,
      issuer_dn;
};

std::map<pid_t, SessionRow> ClientSessions(const Sandbox& sandbox) {
  std::map<pid_t, SessionRow> sessions;
  for (const Sandbox::Row& row : sandbox.Query(
           "SELECT a.pid, a.usename, a.application_name, host(a.client_addr), s.ssl, s.version, "
           "s.cipher, s.client_dn, s.issuer_dn FROM pg_stat_activity a "
           "JOIN pg_stat_ssl s ON s.pid = a.pid WHERE a.backend_type = 'client backend'")) {
    sessions[std::stoi(*row[0])] = {row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]};
  }
  return sessions;
}

bool ProcessAlive(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

bool PortAccepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

// Any process whose command line names the sandbox directory (postmaster and its children).
int ProcessesMentioning(const std::string& needle) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    std::stringstream content;
    content << cmdline.rdbuf();
    if (content.str().find(needle) != std::string::npos) ++count;
  }
  return count;
}

TEST(SandboxTest, EveryKindOfClientShowsInPgStatSslAsItConnected) {
  Sandbox sandbox;
  std::vector<LiveClient> clients;
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kUnixSocket,
                                           .user = kPlainAppRole,
                                           .application_name = "it-unix"});
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kTcpPlaintext,
                                           .user = kPlainAppRole,
                                           .application_name = "it-plaintext"});
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kTcpTls,
                                           .user = kTlsAppRole,
                                           .application_name = "it-tls12",
                                           .max_tls_version = TLS1_2_VERSION,
                                           .cipher_list = "ECDHE-RSA-AES256-GCM-SHA384"});
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kTcpTls,
                                           .user = kTlsAppRole,
                                           .application_name = "it-tls13",
                                           .min_tls_version = TLS1_3_VERSION,
                                           .ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"});
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kTcpTls,
                                           .user = kCertOnlyRole,
                                           .application_name = "it-cert",
                                           .client_certificate_role = kCertOnlyRole});
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kTcpTls,
                                           .user = kVerifyFullRole,
                                           .application_name = "it-verify-full",
                                           .client_certificate_role = kVerifyFullRole});
  clients.emplace_back(sandbox, ClientSpec{.transport = Transport::kTcpPlaintext,
                                           .user = kLimitedScannerRole,
                                           .application_name = "it-limited"});

  // What each client negotiated, from its own side of the handshake.
  EXPECT_EQ(clients[2].tls_version(), "TLSv1.2");
  EXPECT_EQ(clients[2].tls_cipher(), "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_EQ(clients[3].tls_version(), "TLSv1.3");
  EXPECT_EQ(clients[3].tls_cipher(), "TLS_CHACHA20_POLY1305_SHA256");

  const std::map<pid_t, SessionRow> sessions = ClientSessions(sandbox);
  for (const LiveClient& client : clients) {
    SCOPED_TRACE(client.spec().application_name);
    ASSERT_TRUE(sessions.contains(client.backend_pid()));
    const SessionRow& row = sessions.at(client.backend_pid());
    EXPECT_EQ(row.user, client.spec().user);
    EXPECT_EQ(row.application, client.spec().application_name);
    const bool tls = client.spec().transport == Transport::kTcpTls;
    EXPECT_EQ(row.ssl, tls ? "t" : "f");
    if (client.spec().transport == Transport::kUnixSocket) {
      EXPECT_EQ(row.client_addr, std::nullopt);
    } else {
      EXPECT_EQ(row.client_addr, "127.0.0.1");
    }
    if (tls) {
      EXPECT_EQ(row.version, client.tls_version());
      EXPECT_EQ(row.cipher, client.tls_cipher());
    } else {
      EXPECT_EQ(row.version, std::nullopt);
      EXPECT_EQ(row.cipher, std::nullopt);
    }
    if (client.spec().client_certificate_role.empty()) {
      EXPECT_EQ(row.client_dn, std::nullopt);
    } else {
      // PostgreSQL 15 prints the subject in OpenSSL's one-line form.
      EXPECT_EQ(row.client_dn, "/O=pgward sandbox/CN=" + client.spec().client_certificate_role);
      EXPECT_EQ(row.issuer_dn, "/O=pgward sandbox/CN=pgward sandbox CA");
    }
  }
}

TEST(SandboxTest, HbaLinesRejectWhatTheyShould) {
  Sandbox sandbox;
  // cert_only may only come in over TLS with its certificate.
  EXPECT_THROW(LiveClient(sandbox, {.transport = Transport::kTcpPlaintext, .user = kCertOnlyRole}),
               std::runtime_error);
  EXPECT_THROW(LiveClient(sandbox, {.transport = Transport::kTcpTls, .user = kCertOnlyRole}),
               std::runtime_error);
  // clientcert=verify-full: TLS without a certificate is refused.
  EXPECT_THROW(LiveClient(sandbox, {.transport = Transport::kTcpTls, .user = kVerifyFullRole}),
               std::runtime_error);
  // The default server refuses TLS 1.1 (ssl_min_protocol_version defaults to TLSv1.2 in 15).
  EXPECT_THROW(LiveClient(sandbox, {.transport = Transport::kTcpTls,
                                    .max_tls_version = TLS1_1_VERSION,
                                    .cipher_list = "DEFAULT:@SECLEVEL=0"}),
               std::runtime_error);
}

TEST(SandboxTest, LegacyVariantAcceptsTls10WithALegacyCipher) {
  Sandbox sandbox(SandboxOptions::legacy_tls());
  LiveClient client(sandbox, {.transport = Transport::kTcpTls,
                              .user = kTlsAppRole,
                              .application_name = "it-tls10",
                              .max_tls_version = TLS1_VERSION,
                              .cipher_list = "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"});
  EXPECT_EQ(client.tls_version(), "TLSv1");
  const SessionRow row = ClientSessions(sandbox).at(client.backend_pid());
  EXPECT_EQ(row.version, "TLSv1");
  EXPECT_EQ(row.cipher, "ECDHE-RSA-AES128-SHA");
  EXPECT_EQ(sandbox.Query("SHOW ssl_min_protocol_version")[0][0], "TLSv1");
}

TEST(SandboxTest, SslOffVariantRefusesTlsAndServesPlaintext) {
  Sandbox sandbox(SandboxOptions::ssl_off());
  EXPECT_EQ(sandbox.Query("SHOW ssl")[0][0], "off");
  try {
    LiveClient refused(sandbox, {.transport = Transport::kTcpTls, .user = kTlsAppRole});
    FAIL() << "TLS was accepted by a server with ssl=off";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "live client: server refused TLS (answered 'N')");
  }
  LiveClient plaintext(sandbox, {.transport = Transport::kTcpPlaintext, .user = kPlainAppRole});
  EXPECT_EQ(ClientSessions(sandbox).at(plaintext.backend_pid()).ssl, "f");
}

// The tool the demo and users run: with ssl off, its clients fall back to plaintext (as
// sslmode=prefer does) and the scanner's connection string does not ask for TLS, so a scan of
// the variant runs and finds what ssl=off means.
TEST(SandboxTest, SslOffToolRunsItsClientsAndAScannerWithoutTls) {
  const testing::CommandResult result = testing::RunCommand(
      {SANDBOX_TOOL, "--variant", "ssl-off", "--clients", "--", "/bin/sh", "-c",
       "printf '%s\\n' \"$PGWARD_SANDBOX_SCANNER_DSN\" >&2; exec \"$0\" scan --target "
       "\"$PGWARD_SANDBOX_SCANNER_DSN\" --format json --reproducible",
       PGWARD_BINARY});
  EXPECT_NE(result.err.find("sslmode=disable"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("verify-full"), std::string::npos) << result.err;
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
  std::multiset<std::string> plaintext_applications;
  bool ssl_off = false;
  for (const auto& finding : report["findings"]) {
    if (finding["rule_id"] == "PGW-CONN-001") {
      plaintext_applications.insert(finding["subject"]["application_name"].get<std::string>());
    }
    ssl_off |= finding["rule_id"] == "PGW-SRV-001";
  }
  EXPECT_TRUE(ssl_off) << result.out;
  // The TLS clients of the mix came in plaintext; the certificate job was left out.
  EXPECT_EQ(plaintext_applications,
            (std::multiset<std::string>{"billing-api", "reporting", "web"}));
}

TEST(SandboxTest, RoleWithoutPgMonitorSeesOtherSessionsAddressesAsNull) {
  Sandbox sandbox;
  LiveClient app(sandbox, {.transport = Transport::kTcpPlaintext, .user = kPlainAppRole});
  const std::string sql = "SELECT host(client_addr) FROM pg_stat_activity WHERE pid = " +
                          std::to_string(app.backend_pid());
  EXPECT_EQ(sandbox.Query(sql, kScannerRole)[0][0], "127.0.0.1");
  // This is the trap the collector must detect: the address is NULL as for a Unix socket.
  EXPECT_EQ(sandbox.Query(sql, kLimitedScannerRole)[0][0], std::nullopt);
}

TEST(SandboxTest, StopLeavesNothingRunningOrOnDisk) {
  Sandbox sandbox;
  LiveClient client(sandbox, {.transport = Transport::kTcpPlaintext, .user = kPlainAppRole});
  const pid_t postmaster = sandbox.postmaster_pid();
  const std::string directory = sandbox.directory().string();
  ASSERT_TRUE(ProcessAlive(postmaster));
  ASSERT_GT(ProcessesMentioning(directory), 0);
  ASSERT_TRUE(PortAccepts(sandbox.port()));

  sandbox.Stop();
  EXPECT_FALSE(ProcessAlive(postmaster));
  EXPECT_FALSE(ProcessAlive(client.backend_pid()));
  EXPECT_EQ(ProcessesMentioning(directory), 0);
  EXPECT_FALSE(std::filesystem::exists(directory));
  EXPECT_FALSE(PortAccepts(sandbox.port()));
}

TEST(SandboxTest, ServerIsStoppedWhenATestFailsMidway) {
  pid_t postmaster = 0;
  std::string directory;
  try {
    Sandbox sandbox;
    postmaster = sandbox.postmaster_pid();
    directory = sandbox.directory().string();
    throw std::runtime_error("simulated test failure");
  } catch (const std::runtime_error&) {
  }
  ASSERT_GT(postmaster, 0);
  EXPECT_FALSE(ProcessAlive(postmaster));
  EXPECT_FALSE(std::filesystem::exists(directory));
}

}  // namespace
}  // namespace pgward::sandbox
