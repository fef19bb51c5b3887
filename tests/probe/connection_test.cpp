// The connector against real peers: PostgreSQL 15 sandboxes and the small servers of
// test_servers.h for what PostgreSQL cannot play (other services, broken peers, direct TLS).
#include "engine/probe/connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "tests/probe/test_servers.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::probe {
namespace {

using std::chrono::milliseconds;
using testing::TestServer;

SocketAddress Loopback(int port) {
  const Expected<std::vector<SocketAddress>> addresses = ResolveTcp("127.0.0.1", port);
  EXPECT_TRUE(addresses.has_value());
  return addresses->front();
}

Expected<SslRequestAnswer> AskSsl(int port, milliseconds timeout = milliseconds(5000)) {
  Expected<Connection> connection = Connection::Open(Loopback(port), timeout);
  if (!connection) return connection.error();
  return connection->RequestSsl();
}

TEST(ProbeConnectionTest, RefusedPortIsConnectionRefused) {
  const int port = testing::ClosedPort();
  const Expected<Connection> connection = Connection::Open(Loopback(port), milliseconds(2000));
  ASSERT_FALSE(connection.has_value());
  EXPECT_EQ(connection.error().kind, ErrorKind::kConnectionRefused);
  EXPECT_EQ(connection.error().message,
            "connection refused by 127.0.0.1:" + std::to_string(port) + ": nothing listens there");
}

TEST(ProbeConnectionTest, UnresolvableHostIsResolveFailed) {
  const Expected<std::vector<SocketAddress>> addresses = ResolveTcp("no-such-host.invalid", 5432);
  ASSERT_FALSE(addresses.has_value());
  EXPECT_EQ(addresses.error().kind, ErrorKind::kResolveFailed);
  EXPECT_NE(addresses.error().message.find("no-such-host.invalid"), std::string::npos);
}

TEST(ProbeConnectionTest, PostgresqlWithTlsAnswersS) {
  sandbox::Sandbox sandbox;
  const Expected<SslRequestAnswer> answer = AskSsl(sandbox.port());
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  EXPECT_EQ(*answer, SslRequestAnswer::kAccepted);
}

TEST(ProbeConnectionTest, PostgresqlWithSslOffAnswersN) {
  sandbox::Sandbox sandbox(sandbox::SandboxOptions::ssl_off());
  const Expected<SslRequestAnswer> answer = AskSsl(sandbox.port());
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  EXPECT_EQ(*answer, SslRequestAnswer::kRefused);
}

TEST(ProbeConnectionTest, HttpServerIsNotPostgresql) {
  TestServer http(testing::AnswerLikeHttp);
  const Expected<SslRequestAnswer> answer = AskSsl(http.port());
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kNotPostgresql);
  EXPECT_EQ(answer.error().message,
            "the server answered 0x48 ('H') to SSLRequest instead of 'S' or 'N': "
            "not a PostgreSQL server");
}

TEST(ProbeConnectionTest, EchoServerIsNotPostgresql) {
  TestServer echo(testing::Echo);
  const Expected<SslRequestAnswer> answer = AskSsl(echo.port());
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kNotPostgresql);
  // The echo's first byte is the first byte of SSLRequest's length.
  EXPECT_NE(answer.error().message.find("answered 0x00 to SSLRequest"), std::string::npos);
}

TEST(ProbeConnectionTest, ServerClosingWithoutAnswerIsNotPostgresql) {
  TestServer closing(testing::CloseWithoutAnswer);
  const Expected<SslRequestAnswer> answer = AskSsl(closing.port());
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kNotPostgresql);
  EXPECT_NE(answer.error().message.find("without answering SSLRequest"), std::string::npos);
}

TEST(ProbeConnectionTest, SilentServerTimesOut) {
  TestServer silent(testing::StaySilent);
  const auto started = std::chrono::steady_clock::now();
  const Expected<SslRequestAnswer> answer = AskSsl(silent.port(), milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kTimedOut);
  EXPECT_EQ(answer.error().message, "timed out after 300 ms waiting for the answer to SSLRequest");
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST(ProbeConnectionTest, ServerClosingMidHandshakeIsClosedDuringHandshake) {
  TestServer dropping(testing::AcceptTlsThenClose);
  Expected<Connection> connection = Connection::Open(Loopback(dropping.port()), milliseconds(5000));
  ASSERT_TRUE(connection.has_value());
  ASSERT_EQ(*connection->RequestSsl(), SslRequestAnswer::kAccepted);
  const Expected<TlsContext> context = TlsContext::Create({});
  ASSERT_TRUE(context.has_value());
  const std::optional<Error> error = connection->StartTls(*context, {});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ErrorKind::kClosedDuringHandshake);
  EXPECT_EQ(error->message, "the server closed the connection during the TLS handshake");
}

TEST(ProbeConnectionTest, UnreadableCaFileIsInvalidArgument) {
  const Expected<TlsContext> context = TlsContext::Create({.ca_file = "/nonexistent/ca.crt"});
  ASSERT_FALSE(context.has_value());
  EXPECT_EQ(context.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(context.error().message.find("/nonexistent/ca.crt"), std::string::npos);
}

TEST(ProbeConnectionTest, RefusedVersionIsHandshakeRejectedWithTheServersAlert) {
  sandbox::Sandbox sandbox;  // PostgreSQL 15 defaults: TLS 1.2 at least
  Expected<Connection> connection = Connection::Open(Loopback(sandbox.port()), milliseconds(5000));
  ASSERT_TRUE(connection.has_value());
  ASSERT_EQ(*connection->RequestSsl(), SslRequestAnswer::kAccepted);
  const Expected<TlsContext> context = TlsContext::Create({});
  const std::optional<Error> error = connection->StartTls(
      *context,
      {.min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION, .security_level = 0});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ErrorKind::kHandshakeRejected);
  EXPECT_EQ(error->alert, SSL_AD_PROTOCOL_VERSION);
  EXPECT_EQ(error->message, "the server refused the handshake: alert 70 (protocol version)");
}

TEST(ProbeConnectionTest, ServerHelloGivesTheServersChoiceWithoutTheRestOfTheHandshake) {
  sandbox::Sandbox sandbox;
  Expected<Connection> connection = Connection::Open(Loopback(sandbox.port()), milliseconds(5000));
  ASSERT_EQ(*connection->RequestSsl(), SslRequestAnswer::kAccepted);
  const Expected<TlsContext> context = TlsContext::Create({});
  const Expected<Connection::ServerHello> hello = connection->ReadServerHello(
      *context, {.min_version = TLS1_2_VERSION,
                 .max_version = TLS1_2_VERSION,
                 .cipher_list = "AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384"});
  ASSERT_TRUE(hello.has_value()) << hello.error().message;
  EXPECT_EQ(hello->version, TLS1_2_VERSION);
  // The server's order (ssl_prefer_server_ciphers is on): ECDHE first.
  EXPECT_STREQ(SSL_CIPHER_get_name(hello->cipher), "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_EQ(connection->tls(), nullptr);
}

TEST(ProbeConnectionTest, VerifiedHandshakeFailsOnAnUntrustedServer) {
  sandbox::Sandbox sandbox;
  Expected<Connection> connection = Connection::Open(Loopback(sandbox.port()), milliseconds(5000));
  ASSERT_EQ(*connection->RequestSsl(), SslRequestAnswer::kAccepted);
  // The system store does not know the sandbox's CA.
  const Expected<TlsContext> context = TlsContext::Create({.require_verified_server = true});
  const std::optional<Error> error = connection->StartTls(*context, {.verify_name = "127.0.0.1"});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ErrorKind::kCertificateUnverified);
  EXPECT_EQ(
      error->message,
      "the server's certificate did not verify: self-signed certificate in certificate chain");
}

class ProbeDirectTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pgward-direct-tls-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = pattern;
    pki_.emplace(directory_);
    const sandbox::TestPki::Issued issued =
        pki_->Issue("server", {.common_name = "localhost",
                               .ip_addresses = {"127.0.0.1"},
                               .key_type = sandbox::KeyType::kRsa2048});
    server_.emplace(testing::DirectTlsServer(
        {.certificate = issued.certificate, .private_key = issued.private_key}));
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }

  std::filesystem::path directory_;
  std::optional<sandbox::TestPki> pki_;
  std::optional<TestServer> server_;
};

TEST_F(ProbeDirectTlsTest, HandshakeWithAlpnPostgresql) {
  Expected<Connection> connection = Connection::Open(Loopback(server_->port()), milliseconds(5000));
  const Expected<TlsContext> context =
      TlsContext::Create({.ca_file = pki_->ca_certificate(), .require_verified_server = true});
  const std::optional<Error> error =
      connection->StartTls(*context, {.verify_name = "127.0.0.1", .offer_postgresql_alpn = true});
  ASSERT_FALSE(error.has_value()) << error->message;
  EXPECT_EQ(connection->tls_version(), "TLSv1.3");
}

TEST_F(ProbeDirectTlsTest, TheServerRequiresAlpn) {
  // The test server must hold PostgreSQL 17's line for the direct-TLS tests to mean anything.
  Expected<Connection> connection = Connection::Open(Loopback(server_->port()), milliseconds(5000));
  const Expected<TlsContext> context = TlsContext::Create({});
  ASSERT_FALSE(connection->StartTls(*context, {}).has_value());
  char byte;
  const std::optional<Error> error = connection->Receive(&byte, 1);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "the server closed the connection");
}

TEST_F(ProbeDirectTlsTest, SslRequestToADirectTlsServerIsNotPostgresql) {
  Expected<Connection> connection = Connection::Open(Loopback(server_->port()), milliseconds(5000));
  const Expected<SslRequestAnswer> answer = connection->RequestSsl();
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kNotPostgresql);
  // The TLS server takes SSLRequest for a broken ClientHello: it answers with an alert record
  // (0x15) or the connection is reset first, depending on timing; either way, not PostgreSQL.
  EXPECT_TRUE(answer.error().message.ends_with(": not a PostgreSQL server"))
      << answer.error().message;
}

}  // namespace
}  // namespace pgward::probe
