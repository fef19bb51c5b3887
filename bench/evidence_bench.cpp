// make bench (evidence bundle, #18): what `--evidence-dir` adds to a scan of 100 targets. The
// targets' evidence is collected once from the sandbox server (100 distinct targets, each with
// sessions of every kind, its pg_hba.conf from the view, and the probe's chain, versions and
// suites) into a snapshot; then the same scan of it runs with and without a signed bundle, in
// turns, three times each, and the medians are compared. The bundle's own cost is the
// difference: every report format again, the snapshot, requirements, the crypto inventory, the
// OSCAL document, the hashes of every file and the CMS signature. Goal: under 1 s.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "bench/run_process.h"
#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace {

using pgward::bench::ProcessRun;
using pgward::bench::RunProcess;
namespace sandbox = pgward::sandbox;

constexpr int kTargets = 100;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main() {
  const std::filesystem::path work = std::filesystem::temp_directory_path() /
                                     ("pgward-evidence-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  sandbox::Sandbox server(sandbox::SandboxOptions::legacy_tls());
  server.GrantScannerHbaFileRules();
  std::vector<sandbox::LiveClient> sessions;
  sessions.emplace_back(server, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                                    .user = sandbox::kTlsAppRole,
                                                    .min_tls_version = TLS1_3_VERSION});
  sessions.emplace_back(server, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                                    .user = sandbox::kTlsAppRole,
                                                    .max_tls_version = TLS1_2_VERSION});
  sessions.emplace_back(server,
                        sandbox::ClientSpec{.transport = sandbox::Transport::kTcpPlaintext});
  {
    std::ofstream inventory(work / "inventory.yaml");
    inventory << "targets:\n";
    for (int i = 0; i < kTargets; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "db%03d", i);
      inventory << "  - name: " << name << "\n    dsn: \"" << server.tls_dsn(sandbox::kScannerRole)
                << "\"\n";
    }
  }
  const std::string snapshot = (work / "snapshot.json").string();
  const ProcessRun collected =
      RunProcess({PGWARD_BINARY, "collect", "--inventory", (work / "inventory.yaml").string(),
                  "--probe", "-o", snapshot});
  const pgward::testing::CommandResult key = pgward::testing::RunCommand(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
       (work / "key.pem").string(), "-out", (work / "cert.pem").string(), "-subj",
       "/CN=evidence bench", "-days", "2"});
  if (collected.exit_code != 0 || key.exit_code != 0) {
    std::fprintf(stderr, "evidence_bench: collecting the snapshot failed (%d) or openssl (%d)\n",
                 collected.exit_code, key.exit_code);
    return 2;
  }
  const std::vector<std::string> scan = {PGWARD_BINARY, "scan",        "--snapshot", snapshot,
                                         "--pack",      "pci-dss-4.0", "--format",   "json"};
  std::vector<double> without, with;
  for (int turn = 0; turn < 3; ++turn) {
    without.push_back(RunProcess(scan).seconds);
    const std::string bundle = (work / ("bundle" + std::to_string(turn))).string();
    std::vector<std::string> bundled = scan;
    for (const std::string& argument :
         {std::string("--evidence-dir"), bundle, std::string("--sign-key"),
          (work / "key.pem").string(), std::string("--sign-cert"), (work / "cert.pem").string()}) {
      bundled.push_back(argument);
    }
    const ProcessRun run = RunProcess(bundled);
    with.push_back(run.seconds);
    if (run.exit_code == 2) {
      std::fprintf(stderr, "evidence_bench: the scan with a bundle failed\n");
      return 2;
    }
  }
  std::uintmax_t bundle_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(work / "bundle0")) {
    bundle_bytes += entry.file_size();
  }
  const double plain = Median(without), bundled = Median(with);
  const double added = bundled - plain;
  std::printf(
      "evidence bundle of a %d-target scan (snapshot %.1f MB; bundle %.1f MB, signed):\n"
      "  scan without a bundle %.3f s, with %.3f s (medians of 3): the bundle adds %.3f s "
      "(x%.2f)  goal < 1 s: %s\n",
      kTargets, static_cast<double>(std::filesystem::file_size(snapshot)) / 1e6,
      static_cast<double>(bundle_bytes) / 1e6, plain, bundled, added, bundled / plain,
      added < 1.0 ? "met" : "NOT MET");
  std::filesystem::remove_all(work);
  return added < 1.0 ? 0 : 1;
}
