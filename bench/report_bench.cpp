// make bench (report writing): reports of 50,000 and 100,000 findings rendered and written
// atomically in each format, and in all four in one run (as `--format text,json,sarif,junit
// --output-dir` does). Goals (#15): JSON and SARIF written at 200 MB/s or more, and the memory
// writing takes (peak resident memory minus that of the report itself) independent of the number
// of findings. Each row runs in a child process of its own, so that its memory is its alone.
// Exits 1 when a goal is missed.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/in_child.h"
#include "engine/model/ip.h"
#include "reporters/atomic_file.h"
#include "reporters/render.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kServers = 50;
constexpr double kGoalMegabytesPerSecond = 200.0;
// Writing buffers a megabyte or so per format; a report that grows by 50,000 findings must not
// make writing take more.
constexpr double kGoalWriteMiB = 32.0;

// A fleet scan: 50 servers, live connection findings whose subjects are connection facts
// (mostly failing, some waived, some undecided), the rules of the built-in packs' size, and a
// check per rule x server.
pgward::ScanReport LargeReport(int findings) {
  using namespace pgward;
  ScanReport report;
  const auto facts = std::make_shared<FactSet>();
  FactTable& connections = facts->table(FactKind::kConnection);
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
  report.findings.reserve(static_cast<size_t>(findings));
  for (int i = 0; i < findings; ++i) {
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
    const size_t row = connections.AppendRow();
    connections.SetString(row, FieldOf<FactKind::kConnection>("server"), finding.target);
    connections.SetInteger(row, FieldOf<FactKind::kConnection>("pid"), 10000 + i);
    connections.SetString(row, FieldOf<FactKind::kConnection>("user"), user);
    connections.SetString(row, FieldOf<FactKind::kConnection>("database"), "app");
    connections.SetString(row, FieldOf<FactKind::kConnection>("application_name"), "psql");
    connections.SetAddress(row, FieldOf<FactKind::kConnection>("client_addr"),
                           *ParseIpAddress(client));
    connections.SetBool(row, FieldOf<FactKind::kConnection>("ssl"), false);
    finding.subject = FindingSubject{facts, FactKind::kConnection, row, i % 4 != 0};
    char fingerprint[33];
    std::snprintf(fingerprint, sizeof fingerprint, "%032x", i * 2654435761u);
    finding.fingerprint = fingerprint;
    finding.count = 1 + i % 4;
    finding.sample_pids = {10000 + i};
    if (finding.status == FindingStatus::kWaived) {
      finding.waiver = std::make_shared<const WaiverNote>(
          WaiverNote{"legacy client, replacement planned", "dba-team", "2026-12-31",
                     "waivers.yaml:" + std::to_string(i % 40 + 1)});
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
  double write_seconds = 0;
  size_t bytes = 0;
  long built_rss_kib = 0;  // after the report was built, before writing
  long peak_rss_kib = 0;
  bool ok = false;
};

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

Measurement Measure(int findings, const std::vector<std::string_view>& formats,
                    const std::string& dir) {
  return pgward::bench::MeasureInChild([&] {
    Measurement measurement;
    const pgward::ScanReport report = LargeReport(findings);
    measurement.built_rss_kib = PeakRssKib();
    const auto start = Clock::now();
    measurement.ok = true;
    for (const std::string_view format : formats) {
      const std::string path = dir + "/" + pgward::reporters::DefaultFileName(format);
      measurement.ok =
          measurement.ok &&
          !pgward::reporters::WriteFileAtomically(
              path,
              [&](std::ostream& out) { pgward::reporters::WriteReport(format, report, {}, out); },
              pgward::reporters::Durability::kUnsynced);
      measurement.bytes += std::filesystem::file_size(path);
    }
    measurement.write_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return measurement;
  });
}

}  // namespace

int main() {
  char pattern[] = "/tmp/pgward-report-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  const std::string dir = pattern;
  std::printf(
      "report writing on %d servers, each row in its own process (goals: JSON and SARIF at >= %.0f "
      "MB/s;\nwriting takes < %.0f MiB beyond the report, whatever the number of findings)\n",
      kServers, kGoalMegabytesPerSecond, kGoalWriteMiB);
  std::printf("%9s %8s %10s %10s %10s %12s %12s %6s\n", "findings", "format", "MB", "write ms",
              "MB/s", "report MiB", "writing MiB", "goal");
  const auto formats = pgward::reporters::ReportFormats();
  std::vector<std::pair<std::string, std::vector<std::string_view>>> rows;
  for (const std::string_view format : formats) rows.push_back({std::string(format), {format}});
  rows.push_back({"all", {formats.begin(), formats.end()}});
  bool goals_met = true;
  for (const int findings : {50000, 100000}) {
    for (const auto& [name, row_formats] : rows) {
      const Measurement m = Measure(findings, row_formats, dir);
      const double megabytes = static_cast<double>(m.bytes) / 1e6;
      const double rate = megabytes / m.write_seconds;
      const double report_mib = static_cast<double>(m.built_rss_kib) / 1024.0;
      const double writing_mib = static_cast<double>(m.peak_rss_kib - m.built_rss_kib) / 1024.0;
      const bool rate_goal =
          !(name == "json" || name == "sarif") || rate >= kGoalMegabytesPerSecond;
      const bool ok = m.ok && rate_goal && writing_mib < kGoalWriteMiB;
      goals_met = goals_met && ok;
      std::printf("%9d %8s %10.1f %10.1f %10.0f %12.1f %12.1f %6s\n", findings, name.c_str(),
                  megabytes, m.write_seconds * 1e3, rate, report_mib, writing_mib,
                  ok ? "ok" : "MISSED");
    }
  }
  std::filesystem::remove_all(dir);
  return goals_met ? 0 : 1;
}
