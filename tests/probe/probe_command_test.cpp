// `pgward probe`'s command body: exit codes, the JSON document and the text report.
#include "engine/cli/probe_command.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/probe/test_servers.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::cli {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

Outcome RunProbe(const ProbeCommandOptions& options) {
  std::ostringstream out, err;
  const int exit_code = RunProbeCommand(options, out, err);
  return {exit_code, out.str(), err.str()};
}

std::string Target(const Sandbox& sandbox) {
  return sandbox.host() + ":" + std::to_string(sandbox.port());
}

TEST(ProbeCommandTest, UsageErrorsExitWith2AndNoReport) {
  const ProbeCommandOptions cases[] = {
      {.target = "db.example.com:99999"},
      {.target = "[::1"},
      {.target = ""},
      {.target = "127.0.0.1:5432", .ca_file = "/nonexistent/ca.pem"},
      {.target = "127.0.0.1:5432", .concurrency = 0},
      {.target = "127.0.0.1:5432", .timeout_ms = 0},
  };
  for (const ProbeCommandOptions& options : cases) {
    SCOPED_TRACE(options.target);
    const Outcome outcome = RunProbe(options);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.out, "");
    EXPECT_TRUE(outcome.err.starts_with("pgward probe: ")) << outcome.err;
  }
  EXPECT_EQ(RunProbe({.target = "db.example.com:99999"}).err,
            "pgward probe: invalid target 'db.example.com:99999': the port must be a number from "
            "1 to 65535\n");
}

TEST(ProbeCommandTest, CaFileWithoutCertificatesIsAUsageError) {
  char path[] = "/tmp/pgward-empty-ca-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "not a certificate\n", 18), 18);
  close(fd);
  const Outcome outcome = RunProbe({.target = "127.0.0.1:5432", .ca_file = path});
  std::remove(path);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("cannot load CA file"), std::string::npos) << outcome.err;
}

TEST(ProbeCommandTest, UnreachableServerExitsWith3AndSaysWhy) {
  const int port = probe::testing::ClosedPort();
  const Outcome outcome = RunProbe({.target = "127.0.0.1:" + std::to_string(port),
                                    .format = ProbeCommandOptions::Format::kJson});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.err, "pgward probe: connection refused by 127.0.0.1:" + std::to_string(port) +
                             ": nothing listens there\n");
  const nlohmann::json document = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(document["complete"], false);
  EXPECT_EQ(document["error"]["kind"], "connection_refused");
  EXPECT_TRUE(document["versions"].empty());
}

TEST(ProbeCommandTest, Ipv6LiteralTarget) {
  // The sandbox listens on IPv4 only: [::1] is refused (or unreachable without IPv6), which
  // shows the bracketed form was parsed and the port taken from it.
  const Outcome outcome =
      RunProbe({.target = "[::1]:" + std::to_string(probe::testing::ClosedPort())});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.err.find("[::1]:"), std::string::npos) << outcome.err;
}

TEST(ProbeCommandTest, NonPostgresqlPortExitsWith3) {
  probe::testing::TestServer http(probe::testing::AnswerLikeHttp);
  const Outcome outcome = RunProbe({.target = "127.0.0.1:" + std::to_string(http.port())});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.err,
            "pgward probe: the server answered 0x48 ('H') to SSLRequest instead of 'S' or 'N': "
            "not a PostgreSQL server\n");
  EXPECT_NE(outcome.out.find("error        the server answered 0x48"), std::string::npos)
      << outcome.out;
}

TEST(ProbeCommandTest, JsonReportOfACompleteProbe) {
  Sandbox sandbox;
  const Outcome outcome = RunProbe({.target = Target(sandbox),
                                    .ca_file = sandbox.pki().ca_certificate().string(),
                                    .format = ProbeCommandOptions::Format::kJson});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.err, "");
  const nlohmann::ordered_json document = nlohmann::ordered_json::parse(outcome.out);

  // A stable shape: these keys, in this order.
  std::vector<std::string> keys;
  for (const auto& [key, value] : document.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"target", "complete", "error", "ssl_request_answer",
                                            "tls_refused", "versions", "certificate_chain",
                                            "handshake_latency", "latency_error", "handshakes"}));
  EXPECT_EQ(document["target"]["host"], "127.0.0.1");
  EXPECT_EQ(document["target"]["port"], sandbox.port());
  EXPECT_EQ(document["target"]["tls_start"], "ssl_request");
  EXPECT_EQ(document["target"]["server_name"], nullptr);
  EXPECT_EQ(document["complete"], true);
  EXPECT_EQ(document["error"], nullptr);
  EXPECT_EQ(document["ssl_request_answer"], "S");
  EXPECT_EQ(document["tls_refused"], false);

  ASSERT_EQ(document["versions"].size(), 4u);
  EXPECT_EQ(document["versions"][0]["version"], "TLSv1");
  EXPECT_EQ(document["versions"][0]["status"], "rejected");
  EXPECT_EQ(document["versions"][0]["refusal"],
            "the server refused the handshake: alert 70 (protocol version)");
  EXPECT_EQ(document["versions"][0]["accepted_suites"], nlohmann::ordered_json::array());
  const nlohmann::ordered_json& tls13 = document["versions"][3];
  EXPECT_EQ(tls13["version"], "TLSv1.3");
  EXPECT_EQ(tls13["status"], "accepted");
  EXPECT_EQ(tls13["cipher_order"], "server");
  EXPECT_EQ(
      tls13["accepted_suites"][0].dump(),
      R"({"name":"TLS_AES_128_GCM_SHA256","iana_name":"TLS_AES_128_GCM_SHA256","id":"0x1301"})");

  const nlohmann::ordered_json& chain = document["certificate_chain"];
  EXPECT_EQ(chain["verified"], true);
  EXPECT_EQ(chain["verification_error"], nullptr);
  EXPECT_EQ(chain["name_matches"], true);
  const nlohmann::ordered_json& leaf = chain["certificates"][0];
  EXPECT_EQ(leaf["subject"], "CN=localhost,O=pgward sandbox");
  EXPECT_EQ(leaf["dns_names"], nlohmann::ordered_json::array({"localhost"}));
  EXPECT_EQ(leaf["ip_addresses"], nlohmann::ordered_json::array({"127.0.0.1"}));
  EXPECT_EQ(leaf["key_type"], "RSA");
  EXPECT_EQ(leaf["key_bits"], 2048);
  EXPECT_EQ(leaf["key_curve"], nullptr);
  EXPECT_EQ(leaf["days_to_expiry"], 364);
  EXPECT_TRUE(leaf["not_after"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(document["handshake_latency"]["samples"], 3);
}

TEST(ProbeCommandTest, TextReportOfATlsRefusingServerExitsWith0) {
  Sandbox sandbox(SandboxOptions::ssl_off());
  const Outcome outcome = RunProbe({.target = Target(sandbox)});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "TLS probe of 127.0.0.1 port " + std::to_string(sandbox.port()) +
                             " (SSLRequest)\n"
                             "  address      " +
                             Target(sandbox) +
                             "\n"
                             "  SNI          (none)\n"
                             "  SSLRequest   answered 'N': the server refuses TLS\n");

  const Outcome json =
      RunProbe({.target = Target(sandbox), .format = ProbeCommandOptions::Format::kJson});
  EXPECT_EQ(json.exit_code, 0);
  const nlohmann::json document = nlohmann::json::parse(json.out);
  EXPECT_EQ(document["tls_refused"], true);
  EXPECT_EQ(document["ssl_request_answer"], "N");
  EXPECT_EQ(document["complete"], true);
}

TEST(ProbeCommandTest, TextReportListsVersionsSuitesAndCertificate) {
  Sandbox sandbox;
  const Outcome outcome =
      RunProbe({.target = Target(sandbox), .sni = "localhost", .concurrency = 4});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  for (const std::string line :
       {"  SNI          localhost\n",
        "  TLSv1    rejected (the server refused the handshake: alert 70 (protocol version))\n",
        "  TLSv1.2  accepted, 44 suites, server order\n",
        "      TLS_AES_128_GCM_SHA256          0x1301  TLS_AES_128_GCM_SHA256\n",
        "  verified     no: self-signed certificate in certificate chain (trust store system)\n",
        "  name         localhost matches the certificate\n",
        "  [0] subject      CN=localhost,O=pgward sandbox\n",
        "      alt names    DNS:localhost, IP:127.0.0.1\n", "      key          RSA 2048\n"}) {
    EXPECT_NE(outcome.out.find(line), std::string::npos) << line << "\nin:\n" << outcome.out;
  }
}

TEST(ProbeCommandTest, DirectAgainstPostgresql15ExitsWith3) {
  Sandbox sandbox;
  const Outcome outcome = RunProbe({.target = Target(sandbox), .direct = true});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_NE(outcome.err.find("servers before PostgreSQL 17 do not accept direct TLS"),
            std::string::npos)
      << outcome.err;
}

}  // namespace
}  // namespace pgward::cli
