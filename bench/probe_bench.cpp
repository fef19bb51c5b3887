// make bench (TLS probe): pgward's full enumeration against sslscan and testssl.sh, on the same
// legacy-TLS sandbox (TLS 1.0 to 1.3, security level 0), in one run. pgward's time covers
// everything `pgward probe` does (certificate chain, three latency samples, versions, suites,
// suite order); it runs in-process through the library. The peers run as their Debian packages
// install them (scripts/install-deps bench). pgward must report exactly the versions and suites
// sslscan reports, or the benchmark fails; the goal, printed with the ratio, is to be at least 5x
// faster than sslscan. Beside them, the server's floor: as many connections as pgward's
// handshakes, each closed right after the SSLRequest answer, with pgward's concurrency (the
// fastest of three). No client making that many connections finishes faster on the same server,
// so sslscan's time over the floor bounds the ratio such a client can reach.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/probe/connection.h"
#include "engine/probe/prober.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace {

using Clock = std::chrono::steady_clock;
using pgward::probe::TlsVersion;

constexpr double kGoalOverSslscan = 5.0;
constexpr int kRepetitions = 3;  // pgward and sslscan: the median of three; testssl.sh once

// (protocol, suite code point), protocols as sslscan names them: "TLSv1.0" ... "TLSv1.3".
using SuiteSet = std::set<std::pair<std::string, int>>;

struct Timed {
  double seconds = 0;
  pgward::testing::CommandResult result;
};

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

double Median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

std::string SslscanProtocolName(TlsVersion version) {
  return version == TlsVersion::kTls1_0 ? "TLSv1.0"
                                        : std::string(pgward::probe::TlsVersionName(version));
}

bool InPath(const std::string& program) {
  return pgward::testing::RunCommand({"sh", "-c", "command -v " + program}).exit_code == 0;
}

Timed TimeCommand(const std::vector<std::string>& argv) {
  const Clock::time_point start = Clock::now();
  Timed timed;
  timed.result = pgward::testing::RunCommand(argv);
  timed.seconds = Seconds(Clock::now() - start);
  return timed;
}

struct Report {
  std::set<std::string> protocols;
  SuiteSet suites;
};

Report FromPgward(const pgward::probe::ProbeResult& result) {
  Report report;
  for (const pgward::probe::VersionResult& version : result.versions) {
    if (version.status != pgward::probe::VersionStatus::kAccepted) continue;
    report.protocols.insert(SslscanProtocolName(version.version));
    for (const pgward::probe::CipherSuite& suite : version.accepted_suites) {
      report.suites.emplace(SslscanProtocolName(version.version), suite.id);
    }
  }
  return report;
}

// sslscan --xml=-: <protocol type="tls" version="1.2" enabled="1" /> and
// <cipher status="accepted|preferred" sslversion="TLSv1.2" ... id="0xC030" ... />.
Report FromSslscanXml(const std::string& xml) {
  Report report;
  static const std::regex kProtocol(
      R"re(<protocol type="(ssl|tls)" version="([0-9.]+)" enabled="1")re");
  static const std::regex kCipher(
      R"re(<cipher status="(accepted|preferred)" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)")re");
  for (std::sregex_iterator it(xml.begin(), xml.end(), kProtocol), end; it != end; ++it) {
    report.protocols.insert(((*it)[1] == "tls" ? "TLSv" : "SSLv") + (*it)[2].str());
  }
  for (std::sregex_iterator it(xml.begin(), xml.end(), kCipher), end; it != end; ++it) {
    report.suites.emplace((*it)[2].str(), std::stoi((*it)[3].str(), nullptr, 16));
  }
  return report;
}

// testssl.sh --jsonfile with -e lists suites for all protocols together: code points only.
std::set<int> SuiteIdsFromTestsslJson(const std::filesystem::path& path) {
  std::set<int> ids;
  std::ifstream in(path);
  const nlohmann::json findings = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!findings.is_array()) return ids;
  for (const nlohmann::json& finding : findings) {
    const std::string id = finding.value("id", "");
    if (id.starts_with("cipher_x")) ids.insert(std::stoi(id.substr(8), nullptr, 16));
  }
  return ids;
}

// `connections` connections to `address` on `concurrency` threads, each opened, asked for TLS
// and closed: what the server spends per connection (a backend forked, started and ended),
// without any TLS. nullopt when a connection failed or was refused TLS: the floor would then
// mean nothing.
std::optional<double> ServerFloorSeconds(const pgward::probe::SocketAddress& address,
                                         int connections, int concurrency) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  std::vector<std::jthread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < connections) {
        auto connection = pgward::probe::Connection::Open(address, std::chrono::seconds(10));
        if (!connection) {
          failed = true;
          continue;
        }
        const auto answer = connection->RequestSsl();
        if (!answer || *answer != pgward::probe::SslRequestAnswer::kAccepted) failed = true;
      }
    });
  }
  threads.clear();
  if (failed) return std::nullopt;
  return Seconds(Clock::now() - start);
}

void PrintDifference(const char* label, const SuiteSet& only) {
  for (const auto& [protocol, id] : only) {
    std::printf("    %s %s 0x%04X\n", label, protocol.c_str(), id);
  }
}

}  // namespace

int main() {
  if (!InPath("sslscan")) {
    std::fprintf(stderr, "probe_bench: sslscan is not installed (scripts/install-deps bench)\n");
    return 1;
  }
  const std::string testssl = InPath("testssl.sh") ? "testssl.sh"
                              : InPath("testssl")  ? "testssl"
                                                   : "";

  pgward::sandbox::Sandbox sandbox(pgward::sandbox::SandboxOptions::legacy_tls());
  const std::string target = sandbox.host() + ":" + std::to_string(sandbox.port());
  std::printf("TLS probe: pgward vs sslscan vs testssl.sh, legacy-TLS sandbox at %s\n",
              target.c_str());

  const pgward::probe::ProbeOptions options{.host = sandbox.host(), .port = sandbox.port()};
  std::vector<double> pgward_samples;
  pgward::probe::ProbeResult result;
  for (int i = 0; i < kRepetitions; ++i) {
    const Clock::time_point start = Clock::now();
    result = pgward::probe::Probe(options);
    pgward_samples.push_back(Seconds(Clock::now() - start));
    if (!result.complete()) {
      std::fprintf(stderr, "probe_bench: the probe is incomplete%s%s\n", result.error ? ": " : "",
                   result.error ? result.error->message.c_str() : "");
      return 1;
    }
  }
  const double pgward_seconds = Median(pgward_samples);
  pgward::probe::ProbeOptions sequential_options = options;
  sequential_options.concurrency = 1;
  const Clock::time_point sequential_start = Clock::now();
  const pgward::probe::ProbeResult sequential = pgward::probe::Probe(sequential_options);
  const double sequential_seconds = Seconds(Clock::now() - sequential_start);

  const auto addresses = pgward::probe::ResolveTcp(sandbox.host(), sandbox.port());
  if (!addresses || addresses->empty()) {
    std::fprintf(stderr, "probe_bench: cannot resolve the sandbox's address\n");
    return 1;
  }
  double floor_seconds = 0;
  for (int i = 0; i < kRepetitions; ++i) {
    const std::optional<double> seconds =
        ServerFloorSeconds(addresses->front(), result.handshakes, options.concurrency);
    if (!seconds) {
      std::fprintf(stderr, "probe_bench: a connection of the server floor failed\n");
      return 1;
    }
    floor_seconds = i == 0 ? *seconds : std::min(floor_seconds, *seconds);
  }

  std::vector<double> sslscan_samples;
  Timed sslscan;
  for (int i = 0; i < kRepetitions; ++i) {
    sslscan = TimeCommand({"sslscan", "--no-colour", "--starttls-psql", "--xml=-", target});
    if (sslscan.result.exit_code != 0) {
      std::fprintf(stderr, "probe_bench: sslscan failed (%d): %s\n", sslscan.result.exit_code,
                   sslscan.result.err.c_str());
      return 1;
    }
    sslscan_samples.push_back(sslscan.seconds);
  }
  const double sslscan_seconds = Median(sslscan_samples);

  std::optional<Timed> testssl_run;
  std::set<int> testssl_ids;
  if (!testssl.empty()) {
    const std::filesystem::path json =
        std::filesystem::temp_directory_path() /
        ("pgward-probe-bench-" + std::to_string(sandbox.port()) + ".json");
    std::filesystem::remove(json);
    testssl_run = TimeCommand({testssl, "--starttls", "postgres", "-p", "-e", "--quiet", "--color",
                               "0", "--warnings", "off", "--jsonfile", json.string(), target});
    testssl_ids = SuiteIdsFromTestsslJson(json);
    std::filesystem::remove(json);
  }

  const Report ours = FromPgward(result);
  const Report theirs = FromSslscanXml(sslscan.result.out);
  std::printf("\n%-34s %10s %10s\n", "tool", "wall s", "vs pgward");
  const std::string parallel =
      "pgward probe (concurrency " + std::to_string(options.concurrency) + ")";
  std::printf("%-34s %10.3f %10s   (%d handshakes, median of %d)\n", parallel.c_str(),
              pgward_seconds, "1.0x", result.handshakes, kRepetitions);
  std::printf("%-34s %10.3f %9.1fx\n", "pgward probe (concurrency 1)", sequential_seconds,
              sequential_seconds / pgward_seconds);
  std::printf("%-34s %10.3f %9.1fx   (median of %d)\n", "sslscan --starttls-psql", sslscan_seconds,
              sslscan_seconds / pgward_seconds, kRepetitions);
  const std::string floor =
      "server floor (concurrency " + std::to_string(options.concurrency) + ")";
  std::printf(
      "%-34s %10.3f %9.1fx   (%d connections closed after the SSLRequest answer, fastest "
      "of %d)\n",
      floor.c_str(), floor_seconds, floor_seconds / pgward_seconds, result.handshakes,
      kRepetitions);
  if (testssl_run.has_value()) {
    std::printf("%-34s %10.3f %9.1fx\n", "testssl.sh --starttls postgres -p -e",
                testssl_run->seconds, testssl_run->seconds / pgward_seconds);
  } else {
    std::printf("%-34s %10s   (not installed: scripts/install-deps bench)\n", "testssl.sh", "-");
  }

  bool failed = false;
  std::printf("\naccepted: pgward %zu protocols, %zu (protocol, suite) pairs; sslscan %zu, %zu\n",
              ours.protocols.size(), ours.suites.size(), theirs.protocols.size(),
              theirs.suites.size());
  if (ours.protocols != theirs.protocols || ours.suites != theirs.suites) {
    failed = true;
    std::printf("  MISMATCH between pgward and sslscan:\n");
    SuiteSet only_ours, only_theirs;
    std::set_difference(ours.suites.begin(), ours.suites.end(), theirs.suites.begin(),
                        theirs.suites.end(), std::inserter(only_ours, only_ours.end()));
    std::set_difference(theirs.suites.begin(), theirs.suites.end(), ours.suites.begin(),
                        ours.suites.end(), std::inserter(only_theirs, only_theirs.end()));
    PrintDifference("only pgward: ", only_ours);
    PrintDifference("only sslscan:", only_theirs);
  } else {
    std::printf("  pgward and sslscan agree, protocol for protocol and suite for suite\n");
  }
  if (FromPgward(sequential).suites != ours.suites) {
    failed = true;
    std::printf("  MISMATCH between pgward's sequential and parallel runs\n");
  }
  if (testssl_run.has_value()) {
    std::set<int> our_ids;
    for (const auto& [protocol, id] : ours.suites) our_ids.insert(id);
    std::printf("  testssl.sh (-e lists code points across protocols): %zu suites, %s\n",
                testssl_ids.size(), testssl_ids == our_ids ? "the same as pgward's" : "DIFFERENT");
  }

  const double ratio = sslscan_seconds / pgward_seconds;
  std::printf("\nspeed-up over sslscan: %.1fx (goal >= %.0fx): %s\n", ratio, kGoalOverSslscan,
              ratio >= kGoalOverSslscan ? "met" : "below the goal");
  // Fastest against fastest: the floor is the fastest of its runs.
  const double fastest_pgward = *std::min_element(pgward_samples.begin(), pgward_samples.end());
  const double fastest_sslscan = *std::min_element(sslscan_samples.begin(), sslscan_samples.end());
  std::printf(
      "fastest runs: pgward takes %.2fx the server floor; on this server no client making %d "
      "connections can be more than %.1fx faster than sslscan\n",
      fastest_pgward / floor_seconds, result.handshakes, fastest_sslscan / floor_seconds);
  // Only a disagreement fails the run: the ratio depends on the machine and its load, and is
  // printed for people to judge.
  return failed ? 1 : 0;
}
