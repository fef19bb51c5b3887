// The TLS probe against real servers of every supported major version (Debian's 15, the npm
// builds of 13, 14, 16, 17 and 18, which bundle OpenSSL 1.1.1): the suites it reports accepted
// are those OpenSSL's own client gets through and the server's settings admit, the versions
// follow ssl_min_protocol_version through a reload, the certificate is the one the server
// loaded, and direct TLS (ALPN postgresql) is accepted from 17 on and refused, with a clear
// error, before.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using testing::RunCommand;
using testing::RunPgward;

// The server's TLS 1.2 suites, two of OpenSSL's names for its RSA key.
constexpr char kTls12Suites[] = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";

struct Probed {
  int exit_code = -1;
  std::string err;
  nlohmann::json report;
};

Probed Probe(const Sandbox& server, bool direct) {
  std::vector<std::string> arguments = {
      "probe",     server.host() + ":" + std::to_string(server.port()),
      "--ca-file", server.pki().ca_certificate().string(),
      "--sni",     "localhost",
      "--format",  "json"};
  if (direct) arguments.push_back("--direct");
  const testing::CommandResult result = RunPgward(arguments);
  return {result.exit_code, result.err, nlohmann::json::parse(result.out, nullptr, false)};
}

// Version -> the suites accepted with it ("rejected" when the server refused the version).
std::map<std::string, std::set<std::string>> AcceptedSuites(const nlohmann::json& report) {
  std::map<std::string, std::set<std::string>> accepted;
  for (const nlohmann::json& version : report["versions"]) {
    std::set<std::string>& suites = accepted[version["version"].get<std::string>()];
    if (version["status"] != "accepted") {
      suites.insert(version["status"].get<std::string>());
      continue;
    }
    for (const nlohmann::json& suite : version["accepted_suites"]) {
      suites.insert(suite["name"].get<std::string>());
    }
  }
  return accepted;
}

// "AB:CD:..." as `openssl x509 -fingerprint -sha256` prints it, of the certificate file.
std::string Sha256Fingerprint(const std::filesystem::path& certificate) {
  const testing::CommandResult result = RunCommand(
      {"openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", certificate.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const size_t equals = result.out.find('=');
  std::string fingerprint = equals == std::string::npos ? "" : result.out.substr(equals + 1);
  while (!fingerprint.empty() && fingerprint.back() == '\n') fingerprint.pop_back();
  return fingerprint;
}

// Whether OpenSSL's own client (Debian's `openssl s_client`, not pgward's code) completes a
// handshake with the server over `version` (-tls1_2, -tls1_3) offering the one suite `suite`.
bool OpensslHandshake(const Sandbox& server, const char* version, const std::string& suite) {
  const bool tls13 = std::string_view(version) == "-tls1_3";
  const testing::CommandResult result = RunCommand(
      {"openssl", "s_client", "-connect", server.host() + ":" + std::to_string(server.port()),
       "-starttls", "postgres", version, tls13 ? "-ciphersuites" : "-cipher", suite, "-CAfile",
       server.pki().ca_certificate().string(), "-servername", "localhost"});
  return result.exit_code == 0 && result.out.find("Cipher is " + suite) != std::string::npos;
}

class ProbeAcrossVersionsTest : public ::testing::TestWithParam<int> {};

TEST_P(ProbeAcrossVersionsTest, WhatTheProbeSeesIsWhatTheServerAdmits) {
  const int major = GetParam();
  SandboxOptions options;
  options.major = major;
  options.settings["ssl_ciphers"] = std::string("'") + kTls12Suites + "'";
  // 18 governs the TLS 1.3 suites as well; before, the server's OpenSSL offers its library
  // defaults (the same three in the npm builds' 1.1.1 and Debian's 3.0, with no system policy).
  if (major >= 18) options.settings["ssl_tls13_ciphers"] = "'TLS_AES_128_GCM_SHA256'";
  const Sandbox server(options);

  const Probed probed = Probe(server, /*direct=*/false);
  ASSERT_EQ(probed.exit_code, 0) << probed.err;
  EXPECT_EQ(probed.report["complete"], true);
  EXPECT_EQ(probed.report["ssl_request_answer"], "S");
  const std::map<std::string, std::set<std::string>> accepted = AcceptedSuites(probed.report);
  EXPECT_EQ(accepted.at("TLSv1.2"),
            (std::set<std::string>{"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"}));
  // Each suite OpenSSL's client gets through, and only those, is one the probe found: the two
  // configured, not the others the server's library knows.
  for (const char* suite :
       {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-SHA", "AES256-GCM-SHA384"}) {
    EXPECT_EQ(OpensslHandshake(server, "-tls1_2", suite), accepted.at("TLSv1.2").contains(suite))
        << suite;
  }
  for (const char* suite :
       {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"}) {
    EXPECT_EQ(OpensslHandshake(server, "-tls1_3", suite), accepted.at("TLSv1.3").contains(suite))
        << suite;
  }
  EXPECT_EQ(accepted.at("TLSv1.3").size(), major >= 18 ? 1u : 3u);

  // The certificate the server loaded, verified against the sandbox's CA with its name.
  const nlohmann::json& chain = probed.report["certificate_chain"];
  EXPECT_EQ(chain["verified"], true);
  EXPECT_EQ(chain["name_matches"], true);
  ASSERT_FALSE(chain["certificates"].empty());
  EXPECT_EQ(chain["certificates"][0]["sha256_fingerprint"],
            Sha256Fingerprint(server.server_certificate()));

  // Direct TLS: the same answers from 17 on; before, the server closes the connection, and the
  // probe says why instead of reporting nothing accepted.
  const Probed direct = Probe(server, /*direct=*/true);
  if (major >= 17) {
    ASSERT_EQ(direct.exit_code, 0) << direct.err;
    EXPECT_EQ(direct.report["target"]["tls_start"], "direct");
    EXPECT_EQ(AcceptedSuites(direct.report), accepted);
  } else {
    EXPECT_EQ(direct.exit_code, 3) << direct.err;
    EXPECT_EQ(direct.report["complete"], false);
    EXPECT_EQ(direct.report["error"]["kind"], "closed_during_handshake");
    EXPECT_NE(direct.err.find("servers before PostgreSQL 17 do not accept direct TLS"),
              std::string::npos)
        << direct.err;
  }

  // The versions follow the settings: TLS 1.3 only, after a reload (new sessions get the new
  // SSL context), and TLS 1.2 is refused to the probe and to OpenSSL's client alike.
  server.Query("ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.3'");
  server.Reload();
  std::map<std::string, std::set<std::string>> reloaded;
  for (int waited_ms = 0; waited_ms < 10000; waited_ms += 100) {
    const Probed again = Probe(server, /*direct=*/false);
    reloaded = AcceptedSuites(again.report);
    if (reloaded["TLSv1.2"] == std::set<std::string>{"rejected"}) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(reloaded["TLSv1"], std::set<std::string>{"rejected"});
  EXPECT_EQ(reloaded["TLSv1.1"], std::set<std::string>{"rejected"});
  EXPECT_EQ(reloaded["TLSv1.2"], std::set<std::string>{"rejected"});
  EXPECT_EQ(reloaded["TLSv1.3"], accepted.at("TLSv1.3"));
  EXPECT_FALSE(OpensslHandshake(server, "-tls1_2", "ECDHE-RSA-AES256-GCM-SHA384"));
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, ProbeAcrossVersionsTest,
                         ::testing::Values(13, 14, 15, 16, 17, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pgward
