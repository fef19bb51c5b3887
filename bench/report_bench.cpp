// Report writing at scale: a 50,000-finding report rendered and written atomically in each
// format, then in all four in one run (as `--format text,json,sarif,junit --output-dir` does),
// against the budget of issue 7: under 2 s and 500 MB. Each row runs in a child process of its
// own, so that its peak resident memory (which includes the report itself) is its alone. Exits 1
// when a row is over budget.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/in_child.h"
#include "reporters/atomic_file.h"
#include "reporters/render.h"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr int kFindings = 50000;
constexpr int kServers = 50;
constexpr double kBudgetSeconds = 2.0;
constexpr double kBudgetMiB = 500.0;

// A fleet scan: 50 servers, live connection findings with full subjects (mostly failing, some
// waived, some undecided), the rules of the built-in packs' size, and a check per rule x server.
pgward::ScanReport LargeReport() {
  using namespace pgward;
  ScanReport report;
  report.invocation.arguments = {"pgward", "scan", "--inventory", "fleet.yaml", "--reproducible"};
  report.invocation.exit_code = 3;
  for (int r = 0; r < 30; ++r) {
    char id[32];
    std::snprintf(id, sizeof id, "PGW-CONN-%03d", r);
    report.rules.push_back(RuleInfo{id,
                                    "Connection rule " + std::to_string(r),
                                    "What the rule looks for, in a sentence or two of text.",
                                    static_cast<Severity>(r % 5),
                                    "connection",
                                    "Use hostssl lines and sslmode=verify-full in the client.",
                                    {{"cis-postgresql-16", {"6.8"}}, {"pci-dss-4.0.1", {"4.2.1"}}},
                                    {"https://www.postgresql.org/docs/current/ssl-tcp.html"},
                                    "baseline"});
  }
  for (int s = 0; s < kServers; ++s) {
    report.targets.push_back("db" + std::to_string(1000 + s) + ".example.com:5432");
  }
  report.findings.reserve(kFindings);
  for (int i = 0; i < kFindings; ++i) {
    const RuleInfo& rule = report.rules[static_cast<size_t>(i) % report.rules.size()];
    Finding finding;
    finding.rule_id = rule.id;
    finding.severity = rule.severity;
    finding.status = i % 20 == 0   ? FindingStatus::kWaived
                     : i % 50 == 1 ? FindingStatus::kError
                                   : FindingStatus::kFail;
    const std::string user = "app_user_" + std::to_string(i % 977);
    const std::string client = "10." + std::to_string(i / 65536 % 256) + "." +
                               std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
    finding.message = "plaintext TCP connection from " + client + " as " + user + " (psql)";
    finding.target = report.targets[static_cast<size_t>(i) % kServers];
    if (i % 3 == 0) finding.location = SourceLocation{"inventory/fleet.yaml", 1 + i % kServers};
    finding.subject = Json{{"pid", 10000 + i},      {"usename", user},
                           {"datname", "app"},      {"application_name", "psql"},
                           {"client_addr", client}, {"client_port", 40000 + i % 20000},
                           {"ssl", false},          {"version", nullptr},
                           {"cipher", nullptr},     {"bits", nullptr}};
    finding.compliance = rule.compliance;
    char fingerprint[33];
    std::snprintf(fingerprint, sizeof fingerprint, "%032x", i * 2654435761u);
    finding.fingerprint = fingerprint;
    finding.count = 1 + i % 4;
    finding.sample_pids = {10000 + i};
    if (finding.status == FindingStatus::kWaived) {
      finding.waiver = WaiverNote{"legacy client, replacement planned", "dba-team", "2026-12-31",
                                  "waivers.yaml:" + std::to_string(i % 40 + 1)};
    }
    report.findings.push_back(std::move(finding));
  }
  for (const RuleInfo& rule : report.rules) {
    for (const std::string& target : report.targets) {
      report.checks.push_back({rule.id, target, 40, 34, 0});
    }
  }
  report.artifacts.push_back({"inventory/fleet.yaml", std::string(64, 'a')});
  return report;
}

struct Measurement {
  double build_seconds = 0;
  double write_seconds = 0;
  size_t bytes = 0;
  long peak_rss_kib = 0;
  bool ok = false;
};

Measurement Measure(const std::vector<std::string_view>& formats, const std::string& dir) {
  return pgward::bench::MeasureInChild([&] {
    Measurement measurement;
    const auto start = Clock::now();
    const pgward::ScanReport report = LargeReport();
    const auto built = Clock::now();
    measurement.ok = true;
    for (const std::string_view format : formats) {
      const std::string text = pgward::reporters::RenderReport(format, report, {});
      const std::string path = dir + "/" + pgward::reporters::DefaultFileName(format);
      measurement.ok = measurement.ok && !pgward::reporters::WriteFileAtomically(path, text);
      measurement.bytes += text.size();
    }
    measurement.build_seconds = std::chrono::duration<double>(built - start).count();
    measurement.write_seconds = std::chrono::duration<double>(Clock::now() - built).count();
    return measurement;
  });
}

}  // namespace

int main() {
  char pattern[] = "/tmp/pgward-report-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  const std::string dir = pattern;
  std::printf("report writing: %d findings on %d servers, each format in its own process\n",
              kFindings, kServers);
  std::printf("%8s %10s %12s %12s %12s %8s\n", "format", "MB", "build ms", "write ms", "peak MiB",
              "budget");
  const auto formats = pgward::reporters::ReportFormats();
  std::vector<std::pair<std::string, std::vector<std::string_view>>> rows;
  for (const std::string_view format : formats) rows.push_back({std::string(format), {format}});
  rows.push_back({"all", {formats.begin(), formats.end()}});
  bool within_budget = true;
  for (const auto& [name, row_formats] : rows) {
    const Measurement m = Measure(row_formats, dir);
    const double peak_mib = static_cast<double>(m.peak_rss_kib) / 1024.0;
    const bool ok = m.ok && m.write_seconds < kBudgetSeconds && peak_mib < kBudgetMiB;
    within_budget = within_budget && ok;
    std::printf("%8s %10.1f %12.1f %12.1f %12.1f %8s\n", name.c_str(),
                static_cast<double>(m.bytes) / 1e6, m.build_seconds * 1e3, m.write_seconds * 1e3,
                peak_mib, ok ? "ok" : "OVER");
  }
  std::printf("budget: write (render + atomic write) < %.0f s, peak resident memory < %.0f MiB\n",
              kBudgetSeconds, kBudgetMiB);
  std::filesystem::remove_all(dir);
  return within_budget ? 0 : 1;
}
