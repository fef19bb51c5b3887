// `pgward scan --probe` and `collect --probe` through the real binary against sandbox servers:
// the probe's facts reach the PGW-CERT-* and PGW-PROBE-* rules, and a snapshot keeps them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <time.h>

#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"
#include "tests/support/prometheus.h"

namespace pgward {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using testing::RunPgward;

// The messages of the findings of `rule_id`, sorted.
std::multiset<std::string> Messages(const nlohmann::json& report, const std::string& rule_id) {
  std::multiset<std::string> messages;
  for (const auto& finding : report["findings"]) {
    if (finding["rule_id"] == rule_id) messages.insert(finding["message"].get<std::string>());
  }
  return messages;
}

// The check of `rule_id` on the only target: facts checked, failures and errors.
nlohmann::json Check(const nlohmann::json& report, const std::string& rule_id) {
  for (const auto& check : report["checks"]) {
    if (check["rule_id"] == rule_id) return check;
  }
  return nullptr;
}

std::set<std::string> Fingerprints(const nlohmann::json& report) {
  std::set<std::string> fingerprints;
  for (const auto& finding : report["findings"]) {
    fingerprints.insert(finding["rule_id"].get<std::string>() + " " +
                        finding["fingerprint"].get<std::string>());
  }
  return fingerprints;
}

// `pgward scan --target DSN --format json`, which must complete (exit 0 or 1, no evidence error).
nlohmann::json ScanTarget(const std::string& dsn) {
  const auto result = RunPgward({"scan", "--target", dsn, "--format", "json"});
  EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
  return report;
}

// The serial of the client certificate of the cert_only role, as pg_stat_ssl shows it.
std::string ClientSerial(const Sandbox& sandbox) {
  const auto rows = sandbox.Query(
      "SELECT client_serial::text FROM pg_catalog.pg_stat_ssl WHERE client_serial IS NOT NULL");
  return rows.empty() ? "" : rows.front().front().value_or("");
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/pgward-scan-probe-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(ScanProbeTest, LegacyVersionsAndAShortLivedCertificateBecomeFindings) {
  SandboxOptions options = SandboxOptions::legacy_tls();
  options.server_certificate = sandbox::CertificateSpec{.common_name = "localhost",
                                                        .dns_names = {"localhost"},
                                                        .ip_addresses = {"127.0.0.1"},
                                                        .valid_days = 3};
  Sandbox sandbox(options);
  sandbox.GrantScannerHbaFileRules();
  const std::string dsn = sandbox.tls_dsn(sandbox::kScannerRole);
  const auto result = RunPgward({"scan", "--target", dsn, "--probe", "--format", "json"});
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
  const std::string server = report["targets"][0];

  EXPECT_EQ(Messages(report, "PGW-PROBE-001"),
            (std::multiset<std::string>{server + " accepts TLSv1", server + " accepts TLSv1.1"}));
  // Issued seconds ago for 3 days: 2 whole days are left.
  const std::multiset<std::string> expiry = Messages(report, "PGW-CERT-001");
  ASSERT_EQ(expiry.size(), 1u);
  EXPECT_NE(expiry.begin()->find("(CN=localhost,O=pgward sandbox) expires "), std::string::npos)
      << *expiry.begin();
  EXPECT_NE(expiry.begin()->find(", 2 day(s) from now"), std::string::npos) << *expiry.begin();
  // Verified against the sandbox CA (the DSN's sslrootcert), naming 127.0.0.1: trusted.
  EXPECT_EQ(Check(report, "PGW-CERT-003")["facts_checked"], 1);
  EXPECT_EQ(Check(report, "PGW-CERT-003")["failures"], 0);
  // With @SECLEVEL=0 the server accepts what its settings say: TLSv1 to TLSv1.3.
  EXPECT_EQ(Check(report, "PGW-PROBE-003")["facts_checked"], 4);
  EXPECT_EQ(Check(report, "PGW-PROBE-003")["failures"], 0);
  EXPECT_EQ(Check(report, "PGW-PROBE-004")["failures"], 0);
  // Every accepted suite is checked against the allowlist; CBC suites fail, one finding per
  // version that names them.
  EXPECT_EQ(Check(report, "PGW-PROBE-002")["facts_checked"], 4);
  bool tls1_named = false;
  for (const std::string& message : Messages(report, "PGW-PROBE-002")) {
    if (message.starts_with(server + " accepts with TLSv1: ")) {
      tls1_named = message.find("ECDHE-ECDSA-AES128-SHA") != std::string::npos;
    }
  }
  EXPECT_TRUE(tls1_named);
  EXPECT_LE(Messages(report, "PGW-PROBE-002").size(), 4u);

  // The snapshot of a probed collection, evaluated later, gives the same findings.
  TempDir directory;
  const std::string snapshot = directory.file("snapshot.json");
  const auto collected = RunPgward({"collect", "--target", dsn, "--probe", "-o", snapshot});
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  const auto offline = RunPgward({"scan", "--snapshot", snapshot, "--format", "json"});
  ASSERT_EQ(offline.exit_code, 1) << offline.err;
  EXPECT_EQ(Fingerprints(nlohmann::json::parse(offline.out)), Fingerprints(report));

  // From an inventory, the server's findings point at its entry (docs/report-json.md), the
  // pg_hba.conf ones keep their line, and the same problems keep their fingerprints.
  const std::string inventory = directory.file("inventory.yaml");
  std::ofstream(inventory) << "# fleet\ntargets:\n  - name: " << server << "\n    dsn: \"" << dsn
                           << "\"\n";
  const auto listed = RunPgward({"scan", "--inventory", inventory, "--probe", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 1) << listed.err;
  const nlohmann::json from_inventory = nlohmann::json::parse(listed.out);
  EXPECT_EQ(Fingerprints(from_inventory), Fingerprints(report));
  size_t at_entry = 0;
  for (const auto& finding : from_inventory["findings"]) {
    ASSERT_FALSE(finding["location"].is_null()) << finding.dump();
    const std::string rule = finding["rule_id"];
    if (rule.starts_with("PGW-HBA-") || rule.starts_with("PGW-COV-")) continue;
    EXPECT_EQ(finding["location"]["file"], inventory) << finding.dump();
    EXPECT_EQ(finding["location"]["line"], 3) << finding.dump();
    ++at_entry;
  }
  EXPECT_GT(at_entry, 0u);
}

TEST(ScanProbeTest, TheChainIsVerifiedAgainstTheRootCertificateLibpqUsed) {
  Sandbox sandbox;
  sandbox.GrantScannerHbaFileRules();
  // No sslrootcert in the connection string: libpq takes PGSSLROOTCERT, and so does the probe.
  const std::string dsn = "host=" + sandbox.host() + " port=" + std::to_string(sandbox.port()) +
                          " user=" + sandbox::kScannerRole +
                          " dbname=postgres sslmode=verify-full connect_timeout=10";
  setenv("PGSSLROOTCERT", sandbox.pki().ca_certificate().c_str(), 1);
  const auto result = RunPgward({"scan", "--target", dsn, "--probe", "--format", "json"});
  unsetenv("PGSSLROOTCERT");
  // The sandbox's pg_hba.conf trusts its own host's users only (PGW-HBA-009, low) and its
  // certificate is trusted: nothing fails at --fail-on high.
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
  EXPECT_EQ(Check(report, "PGW-CERT-003")["facts_checked"], 1);
  EXPECT_EQ(Check(report, "PGW-CERT-003")["failures"], 0);
}

// ssl_ca_file without a revocation list fails PGW-CERT-004. Once ssl_crl_file names one, and the
// server uses it (a revoked client certificate is refused in the handshake, another is not),
// the rule passes.
TEST(ScanProbeTest, ClientCertificatesWithoutARevocationListFailCert004UntilOneIsSet) {
  Sandbox sandbox;
  sandbox.GrantScannerHbaFileRules();
  const std::string dsn = sandbox.tls_dsn(sandbox::kScannerRole);
  const auto connects = [&](const char* role) {
    sandbox::ClientSpec spec;
    spec.transport = sandbox::Transport::kTcpTls;
    spec.user = role;
    spec.client_certificate_role = role;
    try {
      sandbox::LiveClient client(sandbox, spec);
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  };

  const nlohmann::json before = ScanTarget(dsn);
  const std::string server = before["targets"][0];
  EXPECT_EQ(
      Messages(before, "PGW-CERT-004"),
      (std::multiset<std::string>{server + " trusts client certificates from " +
                                  sandbox.pki().ca_certificate().string() +
                                  " without a revocation list (no ssl_crl_file or ssl_crl_dir)"}));
  ASSERT_TRUE(connects(sandbox::kCertOnlyRole));

  const std::filesystem::path crl =
      sandbox.pki().WriteRevocationList("ca", {sandbox.client_certificate(sandbox::kCertOnlyRole)});
  sandbox.Query("ALTER SYSTEM SET ssl_crl_file = '" + crl.string() + "'");
  sandbox.Reload();
  EXPECT_FALSE(connects(sandbox::kCertOnlyRole)) << "the revoked certificate was accepted";
  EXPECT_TRUE(connects(sandbox::kVerifyFullRole));

  const nlohmann::json after = ScanTarget(dsn);
  EXPECT_EQ(Check(after, "PGW-CERT-004")["facts_checked"], 1);
  EXPECT_EQ(Check(after, "PGW-CERT-004")["failures"], 0);
}

// PostgreSQL 15's ssl_ecdh_curve: its default (prime256v1) passes PGW-SRV-008; a 112-bit curve the
// server takes on reload fails it. No client of today offers that curve, so TLS then fails with
// OpenSSL's defaults: the second scan connects without it, as the sandbox's host lines allow.
TEST(ScanProbeTest, AWeakEcdhCurveFailsSrv008) {
  Sandbox sandbox;
  sandbox.GrantScannerHbaFileRules();
  std::string dsn = sandbox.tls_dsn(sandbox::kScannerRole);
  const nlohmann::json stock = ScanTarget(dsn);
  EXPECT_EQ(Check(stock, "PGW-SRV-008")["facts_checked"], 1);
  EXPECT_EQ(Check(stock, "PGW-SRV-008")["failures"], 0);

  sandbox::ClientSpec tls;
  tls.transport = sandbox::Transport::kTcpTls;
  ASSERT_NO_THROW(sandbox::LiveClient(sandbox, tls));
  sandbox.Query("ALTER SYSTEM SET ssl_ecdh_curve = 'secp224r1'");
  sandbox.Reload();
  // The server took it: a client of today has no group in common with it any more, and the log
  // (read after that handshake, when the reload is surely done) says nothing of a failed reload.
  EXPECT_THROW(sandbox::LiveClient(sandbox, tls), std::runtime_error);
  std::ifstream log(sandbox.server_log());
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("SSL configuration was not reloaded"), std::string::npos) << text;
  EXPECT_EQ(text.find("ECDH"), std::string::npos) << text;
  dsn += " sslmode=disable";
  const nlohmann::json weak = ScanTarget(dsn);
  const std::string server = weak["targets"][0];
  EXPECT_EQ(Messages(weak, "PGW-SRV-008"),
            (std::multiset<std::string>{server + " offers the key-exchange group(s) secp224r1"}));
}

TEST(ScanProbeTest, SslOffServerRefusesTlsAndFailsSrv001) {
  Sandbox sandbox(SandboxOptions::ssl_off());
  sandbox.GrantScannerHbaFileRules();
  const std::string dsn = sandbox.tls_dsn(sandbox::kScannerRole) + " sslmode=disable";
  const auto result = RunPgward({"scan", "--target", dsn, "--probe", "--format", "json"});
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
  const std::string server = report["targets"][0];
  EXPECT_EQ(Messages(report, "PGW-SRV-001"),
            (std::multiset<std::string>{"ssl is off on " + server}));
  // The refusal is a fact: no version is accepted, as the settings say.
  EXPECT_EQ(Check(report, "PGW-PROBE-001")["facts_checked"], 2);
  EXPECT_EQ(Check(report, "PGW-PROBE-001")["failures"], 0);
  EXPECT_EQ(Check(report, "PGW-PROBE-003")["facts_checked"], 4);
  EXPECT_EQ(Check(report, "PGW-PROBE-003")["failures"], 0);

  TempDir directory;
  const std::string snapshot = directory.file("snapshot.json");
  ASSERT_EQ(RunPgward({"collect", "--target", dsn, "--probe", "-o", snapshot}).exit_code, 0);
  std::ifstream in(snapshot);
  const nlohmann::json document = nlohmann::json::parse(in);
  const nlohmann::json& protocols = document["servers"][0]["probe_protocols"];
  ASSERT_EQ(protocols["fields"], (nlohmann::json{"version", "accepted", "configured"}));
  EXPECT_EQ(protocols["rows"], (nlohmann::json{{"TLSv1", false, false},
                                               {"TLSv1.1", false, false},
                                               {"TLSv1.2", false, false},
                                               {"TLSv1.3", false, false}}));
  EXPECT_TRUE(document["servers"][0]["certificates"]["rows"].empty());
  // 15 has no direct TLS: not tried, and false.
  EXPECT_EQ(document["servers"][0]["settings"].value("direct_tls", nlohmann::json()), false);
}

// `pgward scan --inventory` of one target, named db, whose entry asks for direct TLS.
testing::CommandResult ScanAskingForDirectTls(const TempDir& directory, const std::string& dsn,
                                              std::vector<std::string> options) {
  const std::string inventory = directory.file("direct.yaml");
  std::ofstream(inventory) << "targets:\n  - name: db\n    dsn: \"" << dsn
                           << "\"\n    require_direct_tls: true\n";
  std::vector<std::string> arguments = {"scan", "--inventory", inventory, "--format", "json"};
  arguments.insert(arguments.end(), options.begin(), options.end());
  return RunPgward(arguments);
}

// 17 with ssl off closes a connection that begins with a TLS handshake: it takes no direct TLS,
// which the probe learns from that refusal before it asks with SSLRequest.
TEST(ScanProbeTest, A17ServerWithSslOffTakesNoDirectTls) {
  SandboxOptions options = SandboxOptions::ssl_off();
  options.major = 17;
  Sandbox sandbox(options);
  sandbox.GrantScannerHbaFileRules();
  TempDir directory;
  const std::string snapshot = directory.file("snapshot.json");
  const std::string dsn = sandbox.tls_dsn(sandbox::kScannerRole) + " sslmode=disable";
  ASSERT_EQ(RunPgward({"collect", "--target", dsn, "--probe", "-o", snapshot}).exit_code, 0);
  std::ifstream in(snapshot);
  const nlohmann::json document = nlohmann::json::parse(in);
  EXPECT_EQ(document["servers"][0]["settings"].value("direct_tls", nlohmann::json()), false);
  EXPECT_EQ(document["servers"][0]["settings"].value("require_direct_tls", nlohmann::json()),
            false);

  // An inventory that asks for direct TLS: the probe saw it refused, a finding.
  const auto probed = ScanAskingForDirectTls(directory, dsn, {"--probe"});
  ASSERT_EQ(probed.exit_code, 1) << probed.err;
  const nlohmann::json report = nlohmann::json::parse(probed.out);
  EXPECT_EQ(Messages(report, "PGW-PROBE-005"),
            (std::multiset<std::string>{"db does not take TLS begun directly "
                                        "(sslnegotiation=direct), which its inventory entry "
                                        "requires"}));
  // Without the probe nothing says whether the server takes it: missing evidence, never a pass.
  const auto unprobed = ScanAskingForDirectTls(directory, dsn, {});
  ASSERT_EQ(unprobed.exit_code, 3) << unprobed.err;
  const nlohmann::json check = Check(nlohmann::json::parse(unprobed.out), "PGW-PROBE-005");
  EXPECT_EQ(check["errors"], 1) << check.dump();
  EXPECT_EQ(check["failures"], 0) << check.dump();
}

// `pgward collect --probe` of the sandbox: the snapshot's entry of its server.
nlohmann::json CollectedWithProbe(const Sandbox& sandbox) {
  TempDir directory;
  const std::string snapshot = directory.file("snapshot.json");
  const auto collected = RunPgward(
      {"collect", "--target", sandbox.tls_dsn(sandbox::kScannerRole), "--probe", "-o", snapshot});
  EXPECT_EQ(collected.exit_code, 0) << collected.err;
  std::ifstream in(snapshot);
  return nlohmann::json::parse(in)["servers"][0];
}

// The TLS 1.3 suites the probe saw accepted on `server` (a snapshot's entry), each with whether
// the governing setting admits it and which setting that is ("" when none governs it); the
// probe begins TLS directly (ALPN) first from 17, as those servers take it.
std::map<std::string, std::string> Tls13Suites(const nlohmann::json& server) {
  const nlohmann::json& table = server["probe_ciphers"];
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < table["fields"].size(); ++i) column[table["fields"][i]] = i;
  std::map<std::string, std::string> suites;
  for (const auto& row : table["rows"]) {
    if (row[column.at("version")] != "TLSv1.3") continue;
    const auto text = [&](const char* field) {
      return column.contains(field) && !row[column.at(field)].is_null()
                 ? row[column.at(field)].dump()
                 : std::string();
    };
    suites[row[column.at("cipher")]] = text("configured") + " " + text("setting");
  }
  return suites;
}

// PostgreSQL 18 governs the TLS 1.3 suites with ssl_tls13_ciphers: the probe sees only the ones
// it lists, and PGW-PROBE-004 compares them with it. On 17, OpenSSL's defaults, compared with
// nothing.
TEST(ScanProbeTest, PostgreSql18GovernsTls13SuitesWithSslTls13Ciphers) {
  SandboxOptions options;
  options.major = 18;
  options.settings["ssl_tls13_ciphers"] = "'TLS_AES_128_GCM_SHA256'";
  Sandbox eighteen(options);
  eighteen.GrantScannerHbaFileRules();
  const nlohmann::json eighteen_server = CollectedWithProbe(eighteen);
  EXPECT_EQ(Tls13Suites(eighteen_server),
            (std::map<std::string, std::string>{
                {"TLS_AES_128_GCM_SHA256", "true \"ssl_tls13_ciphers\""}}));
  // The probe began TLS directly (ALPN postgresql), as 17 and later allow.
  EXPECT_EQ(eighteen_server["settings"].value("direct_tls", nlohmann::json()), true);

  options.major = 17;
  options.settings.clear();
  Sandbox seventeen(options);
  seventeen.GrantScannerHbaFileRules();
  const nlohmann::json seventeen_server = CollectedWithProbe(seventeen);
  EXPECT_EQ(seventeen_server["settings"].value("direct_tls", nlohmann::json()), true);
  // An inventory that asks for direct TLS is satisfied.
  TempDir directory;
  const auto probed =
      ScanAskingForDirectTls(directory, seventeen.tls_dsn(sandbox::kScannerRole), {"--probe"});
  EXPECT_TRUE(probed.exit_code == 0 || probed.exit_code == 1) << probed.err;
  const nlohmann::json check = Check(nlohmann::json::parse(probed.out), "PGW-PROBE-005");
  EXPECT_EQ(check["facts_checked"], 1) << check.dump();
  EXPECT_EQ(check["failures"], 0) << check.dump();
  EXPECT_EQ(check["errors"], 0) << check.dump();
  EXPECT_EQ(Tls13Suites(seventeen_server),
            (std::map<std::string, std::string>{{"TLS_AES_128_GCM_SHA256", " "},
                                                {"TLS_AES_256_GCM_SHA384", " "},
                                                {"TLS_CHACHA20_POLY1305_SHA256", " "}}));
}

// --crl-file: the sessions' client certificates and the probed server certificate that a
// revocation list of their issuer revokes are findings, checked against real lists the sandbox
// CA signs and --crl-ca-file names; a file without a list, or a list whose signer is not given,
// is an input error.
TEST(ScanProbeTest, RevocationListsFindRevokedClientAndServerCertificates) {
  Sandbox sandbox;
  sandbox.GrantScannerHbaFileRules();
  // The server has no list of its own (PGW-CERT-004): it accepts the revoked certificate.
  const sandbox::LiveClient session(
      sandbox, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                   .user = sandbox::kCertOnlyRole,
                                   .application_name = "it-revoked",
                                   .client_certificate_role = sandbox::kCertOnlyRole});
  const std::string dsn = sandbox.tls_dsn(sandbox::kScannerRole);
  const std::string ca = sandbox.pki().ca_certificate().string();
  const auto scan = [&](const std::filesystem::path& crl) {
    const auto result =
        RunPgward({"scan", "--target", dsn, "--probe", "--crl-file", crl.string(), "--crl-ca-file",
                   ca, "--format", "json", "--fail-on", "critical"});
    EXPECT_NE(result.exit_code, 2) << result.err;
    const nlohmann::json report = nlohmann::json::parse(result.out);
    EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
    return report;
  };
  const nlohmann::json clients = scan(sandbox.pki().WriteRevocationList(
      "clients", {sandbox.client_certificate(sandbox::kCertOnlyRole)}));
  const std::string server = clients["targets"][0];
  EXPECT_EQ(
      Messages(clients, "PGW-CONN-008"),
      (std::multiset<std::string>{"1 session(s) of cert_only from 127.0.0.1 use the revoked "
                                  "client certificate /O=pgward sandbox/CN=cert_only (serial " +
                                  ClientSerial(sandbox) + ")"}));
  // The server sends its certificate and the CA's: the CA's list covers both.
  EXPECT_EQ(Check(clients, "PGW-CERT-005")["facts_checked"], 2);
  EXPECT_EQ(Check(clients, "PGW-CERT-005")["failures"], 0);

  const nlohmann::json servers =
      scan(sandbox.pki().WriteRevocationList("server", {sandbox.server_certificate()}));
  EXPECT_EQ(Messages(servers, "PGW-CERT-005"),
            (std::multiset<std::string>{
                "the certificate of " + server +
                " (CN=localhost,O=pgward sandbox) is revoked by its issuer's list"}));
  EXPECT_EQ(Check(servers, "PGW-CONN-008")["facts_checked"], 1);
  EXPECT_EQ(Check(servers, "PGW-CONN-008")["failures"], 0);

  const auto not_a_list =
      RunPgward({"scan", "--target", dsn, "--crl-file", ca, "--crl-ca-file", ca});
  EXPECT_EQ(not_a_list.exit_code, 2);
  EXPECT_NE(not_a_list.err.find("no certificate revocation list (PEM or DER) in it"),
            std::string::npos)
      << not_a_list.err;
  // A list is used only once its signature is checked: without the CA that signs it, the scan
  // is refused before it starts.
  const auto unchecked = RunPgward(
      {"scan", "--target", dsn, "--crl-file", sandbox.pki().WriteRevocationList("unchecked", {})});
  EXPECT_EQ(unchecked.exit_code, 2);
  EXPECT_NE(unchecked.err.find("give --crl-ca-file"), std::string::npos) << unchecked.err;
  // Lists are for live servers: a file scan with one would silently check nothing.
  const auto offline = RunPgward({"scan", "--hba", sandbox.hba_file().string(), "--crl-file",
                                  sandbox.pki().WriteRevocationList("offline", {}).string()});
  EXPECT_EQ(offline.exit_code, 2);
  EXPECT_NE(offline.err.find("--crl-file checks live servers"), std::string::npos) << offline.err;
}

TEST(ScanProbeTest, SettingsThatTheTlsLibraryOverridesAreReported) {
  // TLSv1 allowed by the setting, refused by OpenSSL 3 at its default security level.
  SandboxOptions options;
  options.settings["ssl_min_protocol_version"] = "'TLSv1'";
  Sandbox sandbox(options);
  sandbox.GrantScannerHbaFileRules();
  const auto result = RunPgward({"scan", "--target", sandbox.tls_dsn(sandbox::kScannerRole),
                                 "--probe", "--format", "json", "--fail-on", "critical"});
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump();
  const std::string server = report["targets"][0];
  EXPECT_EQ(Messages(report, "PGW-PROBE-003"),
            (std::multiset<std::string>{
                server + ": TLSv1 accepted false, admitted by the settings true",
                server + ": TLSv1.1 accepted false, admitted by the settings true"}));
  EXPECT_TRUE(Messages(report, "PGW-PROBE-001").empty());
}

TEST(ScanProbeTest, TargetsThatCannotBeProbedAreErrors) {
  Sandbox sandbox;
  const auto socket =
      RunPgward({"scan", "--target", sandbox.socket_dsn(sandbox::kScannerRole), "--probe"});
  EXPECT_EQ(socket.exit_code, 3);
  EXPECT_NE(socket.err.find("the TLS probe needs a TCP connection, and "), std::string::npos)
      << socket.err;
  EXPECT_NE(socket.err.find(" was reached through the Unix socket " +
                            sandbox.socket_directory().string()),
            std::string::npos)
      << socket.err;

  const auto offline = RunPgward({"scan", "--hba", sandbox.hba_file().string(), "--probe"});
  EXPECT_EQ(offline.exit_code, 2);
  EXPECT_EQ(offline.err,
            "pgward: --probe probes live servers: give --target DSN or --inventory FILE\n");
  const auto ca = RunPgward({"scan", "--target", sandbox.tls_dsn(), "--probe-ca-file", "/x"});
  EXPECT_EQ(ca.exit_code, 2);
  EXPECT_EQ(ca.err, "pgward: --probe-ca-file is for the TLS probe: add --probe\n");
}

// The not-after time of a PEM certificate, in seconds since the epoch (OpenSSL's own reading).
std::int64_t NotAfter(const std::filesystem::path& certificate) {
  FILE* file = std::fopen(certificate.c_str(), "r");
  if (file == nullptr) return -1;
  X509* x509 = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (x509 == nullptr) return -1;
  struct tm parts {};
  const bool ok = ASN1_TIME_to_tm(X509_get0_notAfter(x509), &parts) == 1;
  X509_free(x509);
  return ok ? static_cast<std::int64_t>(timegm(&parts)) : -1;
}

// --metrics on a live server with clients: what the run saw, as Prometheus reads it.
TEST(ScanProbeTest, MetricsShowTheSessionsCertificateAndProtocolsOfALiveServer) {
  using sandbox::ClientSpec;
  using sandbox::LiveClient;
  using sandbox::Transport;
  Sandbox server;
  server.GrantScannerHbaFileRules();
  std::vector<LiveClient> clients;
  for (int i = 0; i < 2; ++i) {
    clients.emplace_back(
        server, ClientSpec{.transport = Transport::kTcpPlaintext, .user = sandbox::kPlainAppRole});
  }
  clients.emplace_back(server, ClientSpec{.transport = Transport::kTcpTls,
                                          .user = sandbox::kTlsAppRole,
                                          .min_tls_version = TLS1_3_VERSION});
  TempDir directory;
  const std::string metrics = directory.file("pgward.prom");
  const auto result = RunPgward({"scan", "--target", server.tls_dsn(sandbox::kScannerRole),
                                 "--probe", "--format", "json", "--metrics", metrics});
  ASSERT_NE(result.exit_code, 2) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  ASSERT_TRUE(report["errors"].empty()) << report["errors"].dump();
  const std::string target = report["targets"][0];

  const testing::CommandResult check = testing::PromtoolCheckMetrics(metrics);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const nlohmann::json samples = testing::ParseExposition(metrics);
  const auto value = [&](const std::string& name, const nlohmann::json& labels) {
    return testing::SampleValue(samples, name, labels).value_or(-1);
  };
  EXPECT_EQ(value("pgward_target_up", {{"target", target}}), 1);
  EXPECT_EQ(value("pgward_run_complete", nlohmann::json::object()), 1);
  EXPECT_EQ(value("pgward_sessions",
                  {{"target", target}, {"encryption", "plaintext"}, {"protocol", "none"}}),
            2);
  EXPECT_EQ(value("pgward_sessions",
                  {{"target", target}, {"encryption", "tls"}, {"protocol", "TLSv1.3"}}),
            1);
  // The server's own certificate, as OpenSSL reads its file.
  bool server_certificate = false;
  for (const nlohmann::json& sample : samples) {
    if (sample["name"] != "pgward_certificate_not_after_timestamp_seconds") continue;
    EXPECT_EQ(sample["labels"]["target"], target);
    server_certificate |= sample["value"] == NotAfter(server.server_certificate());
  }
  EXPECT_TRUE(server_certificate) << samples.dump();
  // OpenSSL 3 and PostgreSQL 15's default minimum: TLSv1.2 and 1.3 only.
  EXPECT_EQ(value("pgward_probe_protocol_accepted", {{"target", target}, {"protocol", "TLSv1.3"}}),
            1);
  EXPECT_EQ(value("pgward_probe_protocol_accepted", {{"target", target}, {"protocol", "TLSv1.1"}}),
            0);
  // The server's pg_hba.conf admits TCP from loopback only.
  size_t hba = 0;
  for (const nlohmann::json& sample : samples) {
    if (sample["name"] != "pgward_hba_plaintext_reachable") continue;
    ++hba;
    EXPECT_TRUE(sample["labels"]["target"].get<std::string>().starts_with(target + ":"));
    EXPECT_EQ(sample["value"], 0);
  }
  EXPECT_EQ(hba, 1u);
  // Bounded labels only: no pid, no client address, no user or application.
  const std::set<std::string> bounded = {"target",   "rule_id", "severity", "status", "encryption",
                                         "protocol", "subject", "serial",   "version"};
  for (const nlohmann::json& sample : samples) {
    for (const auto& [label, text] : sample["labels"].items()) {
      EXPECT_TRUE(bounded.contains(label)) << sample.dump();
    }
  }
}

// Two nightly runs with --state-dir and a change between them (a plaintext client appears, the
// certificate is replaced by one that expires in 3 days): the second run's text report and
// metrics name exactly those changes as new.
TEST(ScanProbeTest, ANightlyRunSaysWhatChangedSinceTheLastOne) {
  using sandbox::ClientSpec;
  using sandbox::LiveClient;
  using sandbox::Transport;
  Sandbox server;
  server.GrantScannerHbaFileRules();
  TempDir directory;
  const auto night = [&](const std::string& metrics) {
    return RunPgward({"scan", "--target", server.tls_dsn(sandbox::kScannerRole), "--probe",
                      "--state-dir", directory.file("state"), "--fail-on", "never", "--metrics",
                      metrics});
  };
  const auto first = night(directory.file("first.prom"));
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_EQ(first.out.find("CHANGES SINCE"), std::string::npos) << first.out;

  LiveClient plaintext(
      server, ClientSpec{.transport = Transport::kTcpPlaintext, .user = sandbox::kPlainAppRole});
  server.ReplaceServerCertificate({.common_name = "localhost",
                                   .dns_names = {"localhost"},
                                   .ip_addresses = {"127.0.0.1"},
                                   .key_type = sandbox::KeyType::kRsa2048,
                                   .valid_days = 3});
  const auto second = night(directory.file("second.prom"));
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;

  // The text report starts with the changes: exactly the two new findings.
  ASSERT_TRUE(second.out.starts_with("CHANGES SINCE ")) << second.out;
  const std::string changes = second.out.substr(0, second.out.find("\n\n"));
  std::multiset<std::string> changed;
  std::istringstream lines(changes);
  std::string line;
  std::getline(lines, line);  // the heading
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string state, rule;
    words >> state >> rule;
    changed.insert(state + " " + rule);
  }
  EXPECT_EQ(changed, (std::multiset<std::string>{"new PGW-CERT-001", "new PGW-CONN-001"}))
      << changes;
  EXPECT_NE(changes.find("expires"), std::string::npos) << changes;

  // The metrics say the same, and show the session and the new expiry.
  const nlohmann::json samples = testing::ParseExposition(directory.file("second.prom"));
  std::multiset<std::string> fresh;
  for (const nlohmann::json& sample : samples) {
    if (sample["name"] == "pgward_findings_new" && sample["value"].get<double>() > 0) {
      fresh.insert(sample["labels"]["rule_id"].get<std::string>());
    }
  }
  EXPECT_EQ(fresh, (std::multiset<std::string>{"PGW-CERT-001", "PGW-CONN-001"}));
  const std::string target = nlohmann::json::parse(
      RunPgward({"scan", "--target", server.tls_dsn(sandbox::kScannerRole), "--format", "json"})
          .out)["targets"][0];
  EXPECT_EQ(
      testing::SampleValue(samples, "pgward_sessions",
                           {{"target", target}, {"encryption", "plaintext"}, {"protocol", "none"}}),
      1);
  bool expires_in_three_days = false;
  for (const nlohmann::json& sample : samples) {
    if (sample["name"] != "pgward_certificate_not_after_timestamp_seconds") continue;
    const double days =
        (sample["value"].get<double>() - static_cast<double>(time(nullptr))) / 86400;
    expires_in_three_days |= days > 2.9 && days <= 3.0;
  }
  EXPECT_TRUE(expires_in_three_days) << samples.dump();
  EXPECT_EQ(testing::PromtoolCheckMetrics(directory.file("second.prom")).exit_code, 0);
}

// A server out of connection slots for a moment (a pool at its limit) is retried, not given up.
TEST(ScanProbeTest, ATransientConnectionFailureIsRetried) {
  using sandbox::ClientSpec;
  using sandbox::LiveClient;
  using sandbox::Transport;
  SandboxOptions options;
  // One slot for roles that are not superusers: the client below takes it.
  options.settings["max_connections"] = "4";
  options.settings["superuser_reserved_connections"] = "3";
  Sandbox server(options);
  server.GrantScannerHbaFileRules();
  const std::string dsn = server.tls_dsn(sandbox::kScannerRole);
  std::optional<LiveClient> holder;
  // Takes the slot; the backend of a scan that just ended may still hold it for a moment.
  const auto hold = [&] {
    for (int attempt = 0;; ++attempt) {
      try {
        holder.emplace(server, ClientSpec{.transport = Transport::kTcpPlaintext,
                                          .user = sandbox::kPlainAppRole});
        return;
      } catch (const std::exception&) {
        if (attempt == 100) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  };
  hold();
  const auto refused = RunPgward({"scan", "--target", dsn, "--retries", "0"});
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("remaining connection slots are reserved"), std::string::npos)
      << refused.err;
  // The slot frees 300 ms into the scan: the second retry (after 250 + 500 ms) gets it.
  std::jthread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    holder.reset();
  });
  const auto retried = RunPgward({"scan", "--target", dsn, "--format", "json"});
  ASSERT_NE(retried.exit_code, 3) << retried.err;
  EXPECT_TRUE(nlohmann::json::parse(retried.out)["errors"].empty());
  // Out of retries, the failure says how often it was tried.
  release.join();
  hold();
  const auto exhausted = RunPgward({"scan", "--target", dsn, "--retries", "1"});
  EXPECT_EQ(exhausted.exit_code, 3);
  EXPECT_NE(exhausted.err.find("(2 attempts)"), std::string::npos) << exhausted.err;
}

// Waits until no session of the scanner role is left on `server`: a scan's backend may outlive
// its client by a moment, and the next scan would count it.
void WaitForScannerSessionsToEnd(const Sandbox& server) {
  const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE usename = '" +
                          std::string(sandbox::kScannerRole) + "'";
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (server.Query(sql).at(0).at(0) == "0") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "the scanner's sessions did not end";
}

std::map<std::string, std::string> FilesIn(const std::filesystem::path& directory) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

// A fleet spread over a Kubernetes Indexed Job: three shards' JSON reports merged give, in every
// format, byte for byte, what one run over the whole fleet gives. The fleet has two servers
// (one with a plaintext session that a waiver accepts, and a pg_hba.conf), two that are down,
// and a waiver that matches nothing anywhere; the shards see each a part of it.
TEST(ScanProbeTest, ThreeShardsMergedEqualOneRunOfTheFleet) {
  using sandbox::ClientSpec;
  using sandbox::LiveClient;
  using sandbox::Transport;
  Sandbox orders;
  orders.GrantScannerHbaFileRules();
  Sandbox audit(SandboxOptions::legacy_tls());
  audit.GrantScannerHbaFileRules();
  LiveClient plaintext(
      orders, ClientSpec{.transport = Transport::kTcpPlaintext, .user = sandbox::kPlainAppRole});
  TempDir directory;
  std::filesystem::copy_file(std::string(PGWARD_SOURCE_DIR) + "/fixtures/scan/insecure_pg_hba.conf",
                             directory.file("orders.conf"));
  const std::string inventory = directory.file("fleet.yaml");
  // By the hash of their names, orders is in shard 0, audit in 1, offline and reporting in 2.
  std::ofstream(inventory) << "targets:\n"
                           << "  - {name: orders, dsn: \"" << orders.tls_dsn(sandbox::kScannerRole)
                           << "\", hba_file: orders.conf}\n"
                           << "  - {name: audit, dsn: \"" << audit.tls_dsn(sandbox::kScannerRole)
                           << "\"}\n"
                           << "  - {name: offline, dsn: \"host=127.0.0.1 port=1 dbname=x\"}\n"
                           << "  - {name: reporting, dsn: \"host=127.0.0.1 port=1 dbname=y\"}\n";
  const std::string waivers = directory.file("waivers.yaml");
  std::ofstream(waivers)
      << "apiVersion: pgward/v1\nkind: Waivers\nwaivers:\n"
      << "  - {rule: PGW-CONN-001, match: {target: orders}, justification: batch job, owner: ops,"
         " expires: 2099-12-31}\n"
      << "  - {rule: PGW-CONN-001, match: {target: nowhere}, justification: none, owner: ops,"
         " expires: 2099-12-31}\n";
  const std::string formats = "text,json,sarif,junit,github,gitlab,metrics";
  // Every run in a directory of its own with the same command line, as the pods of a Job run.
  const auto scan = [&](const std::string& run, const std::vector<std::string>& extra,
                        const std::string& index) {
    WaitForScannerSessionsToEnd(orders);
    WaitForScannerSessionsToEnd(audit);
    std::filesystem::create_directories(directory.file(run));
    std::vector<std::string> arguments = {"scan",
                                          "--inventory",
                                          inventory,
                                          "--probe",
                                          "--concurrency",
                                          "1",
                                          "--retries",
                                          "0",
                                          "--waivers",
                                          waivers,
                                          "--reproducible",
                                          "--format",
                                          formats,
                                          "--output-dir",
                                          "out",
                                          "--source-root",
                                          directory.file("")};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    // The index a Kubernetes Indexed Job gives its pod, in the environment pgward inherits.
    if (index.empty()) {
      unsetenv("JOB_COMPLETION_INDEX");
    } else {
      setenv("JOB_COMPLETION_INDEX", index.c_str(), 1);
    }
    testing::CommandOptions where;
    where.cwd = directory.file(run);
    const testing::CommandResult result = RunPgward(arguments, where);
    unsetenv("JOB_COMPLETION_INDEX");
    return result;
  };
  const auto whole = scan("whole", {}, "");
  ASSERT_EQ(whole.exit_code, 3) << whole.err;  // two servers are down
  // One unused waiver: the one for "nowhere".
  ASSERT_NE(whole.err.find("matched no finding"), std::string::npos) << whole.err;
  EXPECT_EQ(whole.err.find("matched no finding"), whole.err.rfind("matched no finding"))
      << whole.err;
  std::vector<std::string> shard_reports;
  std::set<size_t> shards_with_targets;
  for (const std::string index : {"0", "1", "2"}) {
    const auto shard = scan("shard" + index, {"--shards", "3"}, index);
    ASSERT_TRUE(shard.exit_code == 0 || shard.exit_code == 1 || shard.exit_code == 3) << shard.err;
    shard_reports.push_back(directory.file("shard" + index + "/out/pgward.json"));
    std::ifstream in(shard_reports.back());
    const nlohmann::json report = nlohmann::json::parse(in);
    EXPECT_EQ(report["invocation"]["shard"]["index"], std::stoi(index));
    if (!report["targets"].empty()) shards_with_targets.insert(std::stoul(index));
  }
  EXPECT_EQ(shards_with_targets.size(), 3u);

  std::filesystem::create_directories(directory.file("merged"));
  std::vector<std::string> merge = {"report", "merge"};
  merge.insert(merge.end(), shard_reports.begin(), shard_reports.end());
  for (const std::string& option :
       {std::string("--format"), formats, std::string("--output-dir"), std::string("out"),
        std::string("--source-root"), directory.file("")}) {
    merge.push_back(option);
  }
  testing::CommandOptions where;
  where.cwd = directory.file("merged");
  const auto merged = RunPgward(merge, where);
  EXPECT_EQ(merged.exit_code, whole.exit_code) << merged.err;
  EXPECT_EQ(merged.out, whole.out);  // the summary on the terminal
  const auto expected = FilesIn(directory.file("whole/out"));
  const auto actual = FilesIn(directory.file("merged/out"));
  ASSERT_EQ(expected.size(), 7u);
  for (const auto& [name, contents] : expected) {
    ASSERT_TRUE(actual.contains(name)) << name;
    // The first line that differs, not the whole report.
    std::istringstream want(contents), got(actual.at(name));
    std::string wanted, gotten;
    int line = 0;
    while (std::getline(want, wanted)) {
      ++line;
      if (!std::getline(got, gotten) || gotten != wanted) break;
    }
    EXPECT_TRUE(actual.at(name) == contents) << name << " line " << line << ": expected\n"
                                             << wanted << "\ngot\n"
                                             << gotten;
  }

  // A missing shard is missing evidence, never a smaller fleet that passes.
  const auto partial =
      RunPgward({"report", "merge", shard_reports[0], shard_reports[1], "--format", "json"});
  EXPECT_EQ(partial.exit_code, 3) << partial.err;
  EXPECT_NE(partial.err.find("shard 2/3: no report of this shard was merged"), std::string::npos)
      << partial.err;
  // Reports that are not shards of one scan are refused.
  const auto twice =
      RunPgward({"report", "merge", shard_reports[0], shard_reports[0], "--format", "json"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("are both shard 0/3"), std::string::npos) << twice.err;
  const auto unsharded =
      RunPgward({"report", "merge", directory.file("whole/out/pgward.json"), "--format", "json"});
  EXPECT_EQ(unsharded.exit_code, 2);
  EXPECT_NE(unsharded.err.find("is not a shard's report"), std::string::npos) << unsharded.err;
}

// PCI DSS evidence of a live server (#18): a signed bundle that verifies, whose crypto inventory
// holds exactly the server's chain (its certificate and the sandbox CA it sends), the client
// certificate a session presented (pg_stat_ssl's client_dn), and the
// protocols and suites the probe saw accepted and the planted sessions use.
TEST(ScanProbeTest, AnEvidenceBundleInventoriesTheCertificatesProtocolsAndSuites) {
  SandboxOptions options = SandboxOptions::legacy_tls();
  options.server_certificate = sandbox::CertificateSpec{
      .common_name = "localhost", .dns_names = {"localhost"}, .ip_addresses = {"127.0.0.1"}};
  Sandbox sandbox(options);
  sandbox.GrantScannerHbaFileRules();
  std::vector<sandbox::LiveClient> sessions;
  sessions.emplace_back(sandbox,
                        sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                            .user = sandbox::kTlsAppRole,
                                            .min_tls_version = TLS1_3_VERSION,
                                            .ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"});
  sessions.emplace_back(sandbox,
                        sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                            .user = sandbox::kTlsAppRole,
                                            .max_tls_version = TLS1_2_VERSION,
                                            .cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256"});
  sessions.emplace_back(sandbox,
                        sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                            .user = sandbox::kCertOnlyRole,
                                            .client_certificate_role = sandbox::kCertOnlyRole});
  TempDir dir;
  const auto openssl = testing::RunCommand(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file("key.pem"),
       "-out", dir.file("cert.pem"), "-subj", "/CN=evidence signer", "-days", "2"});
  ASSERT_EQ(openssl.exit_code, 0) << openssl.err;
  const std::string bundle = dir.file("bundle");
  const auto scan =
      RunPgward({"scan", "--target", sandbox.tls_dsn(sandbox::kScannerRole), "--probe", "--pack",
                 "pci-dss-4.0", "--evidence-dir", bundle, "--sign-key", dir.file("key.pem"),
                 "--sign-cert", dir.file("cert.pem"), "--format", "json"});
  ASSERT_NE(scan.exit_code, 2) << scan.err;
  const auto verified =
      RunPgward({"evidence", "verify", bundle, "--ca-file", dir.file("cert.pem")});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  std::ifstream in(bundle + "/crypto-inventory.json");
  const nlohmann::json inventory = nlohmann::json::parse(in);
  ASSERT_EQ(inventory["servers"].size(), 1u);
  const nlohmann::json& server = inventory["servers"][0];
  // The probe accepted every version the legacy server's settings admit.
  std::map<std::string, bool> accepted;
  for (const auto& protocol : server["protocols"]) {
    accepted[protocol["version"].get<std::string>()] = protocol["accepted"].get<bool>();
  }
  EXPECT_EQ(accepted,
            (std::map<std::string, bool>{
                {"TLSv1", true}, {"TLSv1.1", true}, {"TLSv1.2", true}, {"TLSv1.3", true}}));
  std::map<std::string, std::int64_t> in_use;
  for (const auto& suite : server["suites"]) {
    if (suite["sessions"] > 0) {
      in_use[suite["protocol"].get<std::string>() + " " + suite["cipher"].get<std::string>()] =
          suite["sessions"].get<std::int64_t>();
      EXPECT_TRUE(suite["accepted"].get<bool>()) << suite.dump();
    }
  }
  EXPECT_EQ(in_use,
            (std::map<std::string, std::int64_t>{{"TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256", 1},
                                                 {"TLSv1.3 TLS_AES_256_GCM_SHA384", 1},
                                                 {"TLSv1.3 TLS_CHACHA20_POLY1305_SHA256", 1}}));
  std::multiset<std::string> certificates;
  for (const auto& certificate : inventory["certificates"]) {
    certificates.insert(certificate["role"].get<std::string>() + " " +
                        certificate["subject"].get<std::string>() + " " +
                        certificate["trust"].get<std::string>());
    if (certificate["role"] == "client") {
      EXPECT_EQ(certificate["sessions"], 1);
    }
  }
  EXPECT_EQ(certificates, (std::multiset<std::string>{
                              "server CN=localhost,O=pgward sandbox verified",
                              "chain CN=pgward sandbox CA,O=pgward sandbox verified",
                              "client /O=pgward sandbox/CN=cert_only accepted by the server"}));

  // The snapshot of every fact collected, dated: the time of the server's collection, within
  // the run; the scan's reports carry the same time.
  std::ifstream snapshot_file(bundle + "/snapshot.json");
  const nlohmann::json snapshot = nlohmann::json::parse(snapshot_file);
  ASSERT_EQ(snapshot["servers"].size(), 1u);
  // Written when not the document's (the collection's start, to the second).
  const std::string collected_at =
      snapshot["servers"][0].value("collected_at", snapshot["collected_at"].get<std::string>());
  const nlohmann::json report = nlohmann::json::parse(scan.out);
  EXPECT_GE(collected_at, report["invocation"]["started_at"].get<std::string>());
  EXPECT_LE(collected_at, report["invocation"]["finished_at"].get<std::string>());
  EXPECT_EQ(report["servers"][0]["collected_at"], collected_at);
  EXPECT_FALSE(snapshot["servers"][0]["connections"]["rows"].empty());
}

}  // namespace
}  // namespace pgward
