// make bench (log summary): `pgward log summary` against pgBadger, the log analyser PostgreSQL
// teams run, on the same generated stderr log, in one run. Both must count the same connections
// per database; pgward's goals: at least 100x pgBadger -j 1, within 3x of `wc -l` over the same
// file, and the same small memory (under 64 MB) whatever the log's size.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/run_process.h"

namespace {

using pgward::bench::BestInTurns;
using pgward::bench::ProcessRun;
using pgward::bench::RunProcess;
using pgward::bench::TimedCommand;

constexpr char kPrefix[] = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ";

// A day of a busy server with log_connections, log_disconnections and log_min_duration_statement
// on: sessions over TLS 1.3 and 1.2 and in plaintext, each with a few statements, and one
// attempt in ten rejected by hostnossl ... reject. Deterministic: the same file for every run.
void GenerateLog(const std::filesystem::path& path, std::uint64_t target_bytes) {
  std::ofstream out(path, std::ios::binary);
  const char* applications[] = {"web", "batch job", "psql", "etl", "report"};
  std::uint64_t written = 0;
  std::uint32_t random = 12345;
  const auto next = [&random] {
    random = random * 1103515245u + 12345u;
    return (random >> 8) & 0xffffff;
  };
  std::string text;
  for (int pid = 1001; written < target_bytes; ++pid) {
    const int second = pid - 1000;
    char time[32];
    std::snprintf(time, sizeof time, "2026-12-03 %02d:%02d:%02d UTC", second / 3600 % 24,
                  second / 60 % 60, second % 60);
    const std::string database = "db" + std::to_string(pid % 12);
    const std::string user = "user" + std::to_string(pid % 50);
    const std::string application = applications[pid % 5];
    const std::string host = "10.0." + std::to_string(pid % 7) + "." + std::to_string(pid % 250);
    const std::string port = std::to_string(40000 + pid % 20000);
    int line_number = 0;
    const auto line = [&](const char* severity, const std::string& message, bool known,
                          bool with_application) {
      text += time;
      text += " [" + std::to_string(pid) + "]: [" + std::to_string(++line_number) + "-1] user=";
      text += known ? user : "[unknown]";
      text += ",db=";
      text += known ? database : "[unknown]";
      text += ",app=";
      text += with_application ? application : "[unknown]";
      text += ",client=" + host + " " + severity + ":  " + message + "\n";
    };
    line("LOG", "connection received: host=" + host + " port=" + port, false, false);
    const int kind = pid % 10;
    if (kind == 9) {
      line("FATAL",
           "pg_hba.conf rejects connection for host \"" + host + "\", user \"" + user +
               "\", database \"" + database + "\", no encryption",
           true, false);
    } else {
      const std::string tls =
          kind < 6 ? " SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)"
          : kind < 8
              ? " SSL enabled (protocol=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256)"
              : "";
      line("LOG",
           "connection authorized: user=" + user + " database=" + database +
               " application_name=" + application + tls,
           true, false);
      for (int statement = 0; statement < 3; ++statement) {
        char duration[160];
        std::snprintf(duration, sizeof duration,
                      "duration: %u.%03u ms  statement: SELECT * FROM orders WHERE id = %u AND "
                      "customer = 'c%d'",
                      next() % 100, next() % 1000, next() % 1000000, pid);
        line("LOG", duration, true, true);
      }
      line("LOG",
           "disconnection: session time: 0:00:01." + std::to_string(100 + pid % 900) +
               " user=" + user + " database=" + database + " host=" + host + " port=" + port,
           true, true);
    }
    written += text.size();
    out << text;
    text.clear();
  }
}

// The most a summary holds at once: jsonlog sessions over TLS that never end (log_disconnections
// off, and no statement logged), each held for the later line that would show its application
// name, more of them than the summarizer keeps open (kMaxOpenSessions). Two a second.
void GenerateHeldSessionsLog(const std::filesystem::path& path, int sessions) {
  std::ofstream out(path, std::ios::binary);
  std::string text;
  for (int session = 0; session < sessions; ++session) {
    const int pid = 100000 + session, second = session / 2;
    char time[48], session_id[32];
    std::snprintf(time, sizeof time, "2026-12-%02d %02d:%02d:%02d.%03d UTC", 3 + second / 86400,
                  second / 3600 % 24, second / 60 % 60, second % 60, session % 2 * 500);
    std::snprintf(session_id, sizeof session_id, "%x.%x", 0x6b12203d + second, pid);
    const std::string host = "10." + std::to_string(session / 65536 % 256) + "." +
                             std::to_string(session / 256 % 256) + "." +
                             std::to_string(session % 256);
    const std::string common = std::string("\"pid\":") + std::to_string(pid) +
                               ",\"remote_host\":\"" + host +
                               "\",\"remote_port\":50000,\"session_id\":\"" + session_id + "\"";
    text += std::string("{\"timestamp\":\"") + time + "\"," + common +
            ",\"line_num\":1,\"ps\":\"\",\"error_severity\":\"LOG\",\"message\":\"connection "
            "received: host=" +
            host + " port=50000\",\"backend_type\":\"not initialized\",\"query_id\":0}\n";
    const std::string user = "user" + std::to_string(session % 50);
    const std::string database = "db" + std::to_string(session % 12);
    text += std::string("{\"timestamp\":\"") + time + "\",\"user\":\"" + user + "\",\"dbname\":\"" +
            database + "\"," + common +
            ",\"line_num\":2,\"ps\":\"authentication\",\"error_severity\":\"LOG\",\"message\":"
            "\"connection authorized: user=" +
            user + " database=" + database +
            " application_name=web SSL enabled (protocol=TLSv1.3, "
            "cipher=TLS_AES_256_GCM_SHA384, bits=256)\",\"backend_type\":\"client "
            "backend\",\"query_id\":0}\n";
    if (text.size() > (1 << 20)) {
      out << text;
      text.clear();
    }
  }
  out << text;
}

// Authorized sessions per database, as each tool counts them.
std::map<std::string, std::uint64_t> PgwardCounts(const std::filesystem::path& summary) {
  std::map<std::string, std::uint64_t> counts;
  const nlohmann::json document = nlohmann::json::parse(std::ifstream(summary));
  for (const nlohmann::json& entry : document.at("authorized_by_database")) {
    counts[entry.at("value").get<std::string>()] = entry.at("count").get<std::uint64_t>();
  }
  return counts;
}

std::map<std::string, std::uint64_t> PgbadgerCounts(const std::filesystem::path& report) {
  std::map<std::string, std::uint64_t> counts;
  const nlohmann::json document = nlohmann::json::parse(std::ifstream(report));
  // pgBadger keys its connection statistics by the log's source ("postgres" for one server).
  for (const auto& [source, info] : document.at("connection_info").items()) {
    for (const auto& [database, count] : info.at("database").items()) {
      counts[database] += count.get<std::uint64_t>();
    }
  }
  return counts;
}

}  // namespace

int main() {
  const std::filesystem::path work =
      std::filesystem::temp_directory_path() / ("pgward-log-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf(
      "log summary vs pgBadger 12 on the same generated stderr log (goals: >= 100x pgBadger -j 1,\n"
      "<= 3x wc -l, peak memory < 64 MB at every size; the same connections per database)\n");
  // With the fastest run's processor time: its own (user) and the kernel's (reading the file).
  std::printf("%8s %-22s %9s %8s %8s %9s %9s\n", "MB", "tool", "seconds", "user s", "sys s", "MB/s",
              "peak MB");
  bool goals_met = true;
  for (const std::uint64_t megabytes : {std::uint64_t{25}, std::uint64_t{110}}) {
    const std::filesystem::path log = work / ("server-" + std::to_string(megabytes) + ".log");
    GenerateLog(log, megabytes << 20);
    // Written to disk before anything is timed: the kernel's writeback of a fresh file takes the
    // cores the tools are timed on, which no log a server wrote long before has to share.
    const int written = open(log.c_str(), O_RDONLY);
    if (written >= 0) {
      fsync(written);
      close(written);
    }
    const double size_mb = static_cast<double>(std::filesystem::file_size(log)) / (1 << 20);
    const std::filesystem::path ours = work / "pgward.json";
    const std::filesystem::path theirs = work / "pgbadger.json";
    // The best of several runs: a tenth of a second is easily lengthened by a neighbour on a
    // shared machine, never shortened.
    constexpr int kRuns = 7;
    TimedCommand wc_run({"wc", "-l", log.string()});
    // Every core (pgward's default), and one, for the speed-up the cores give.
    const auto summary = [&](unsigned jobs) {
      return TimedCommand({PGWARD_BINARY, "log", "summary", log.string(), "--format", "json",
                           "--log-line-prefix", kPrefix, "--jobs", std::to_string(jobs)},
                          ours.string());
    };
    TimedCommand one_core_run = summary(1), every_core_run = summary(cores);
    BestInTurns(kRuns, {&wc_run, &one_core_run, &every_core_run});
    const ProcessRun& wc = wc_run.best;
    const ProcessRun& one_core = one_core_run.best;
    const ProcessRun& pgward = every_core_run.best;
    if (wc_run.unexpected_exit || one_core_run.unexpected_exit || every_core_run.unexpected_exit) {
      std::printf("a run failed (wc -l exit %d, pgward exit %d and %d)\n",
                  wc_run.unexpected_exit.value_or(0), one_core_run.unexpected_exit.value_or(0),
                  every_core_run.unexpected_exit.value_or(0));
      goals_met = false;
      continue;
    }
    const auto row = [&](const char* tool, const ProcessRun& run) {
      std::printf("%8.1f %-22s %9.3f %8.3f %8.3f %9.0f %9.1f\n", size_mb, tool, run.seconds,
                  run.user_seconds, run.system_seconds, size_mb / run.seconds,
                  static_cast<double>(run.peak_rss_kib) / 1024);
    };
    row("wc -l", wc);
    row("pgward --jobs 1", one_core);
    row(("pgward --jobs " + std::to_string(cores)).c_str(), pgward);
    std::printf("%8.1f speed-up with %u cores: %.2fx\n", size_mb, cores,
                one_core.seconds / pgward.seconds);
    const double memory_mb =
        static_cast<double>(std::max(pgward.peak_rss_kib, one_core.peak_rss_kib)) / 1024;
    if (memory_mb >= 64) goals_met = false;
    if (megabytes < 100) continue;  // pgBadger takes half a minute per 100 MB: the large file only
    const ProcessRun pgbadger =
        RunProcess({"pgbadger", "-j", "1", "-f", "stderr", "--prefix", kPrefix, "-x", "json", "-o",
                    theirs.string(), log.string()});
    row("pgBadger -j 1", pgbadger);
    const ProcessRun pgbadger_cores =
        RunProcess({"pgbadger", "-j", std::to_string(cores), "-f", "stderr", "--prefix", kPrefix,
                    "-x", "json", "-o", (work / "pgbadger-cores.json").string(), log.string()});
    row(("pgBadger -j " + std::to_string(cores)).c_str(), pgbadger_cores);
    if (pgbadger.exit_code != 0 || pgbadger_cores.exit_code != 0) {
      std::printf("pgBadger failed (exit %d): scripts/install-deps bench installs it\n",
                  pgbadger.exit_code != 0 ? pgbadger.exit_code : pgbadger_cores.exit_code);
      goals_met = false;
      continue;
    }
    bool same = false;
    try {
      same = PgwardCounts(ours) == PgbadgerCounts(theirs);
    } catch (const std::exception& error) {
      std::printf("the connections per database could not be read: %s\n", error.what());
    }
    const double speedup = pgbadger.seconds / pgward.seconds;
    const double versus_wc = pgward.seconds / wc.seconds;
    std::printf(
        "connections per database: %s\n"
        "pgward vs pgBadger -j 1: %.0fx (goal >= 100x); vs pgBadger -j %u: %.0fx\n"
        "pgward vs wc -l: %.1fx the time (goal <= 3x)\n",
        same ? "identical" : "DIFFERENT", speedup, cores, pgbadger_cores.seconds / pgward.seconds,
        versus_wc);
    if (!same || speedup < 100 || versus_wc > 3) goals_met = false;
  }
  {
    constexpr int kSessions = 200000;
    const std::filesystem::path log = work / "held-sessions.json";
    GenerateHeldSessionsLog(log, kSessions);
    const ProcessRun held =
        RunProcess({PGWARD_BINARY, "log", "summary", log.string(), "--format", "json"},
                   (work / "held.json").string());
    const double memory_mb = static_cast<double>(held.peak_rss_kib) / 1024;
    std::uint64_t tls = 0;
    try {
      tls = nlohmann::json::parse(std::ifstream(work / "held.json"))
                .at("connections")
                .at("tls")
                .get<std::uint64_t>();
    } catch (const std::exception& error) {
      std::printf("the summary could not be read: %s\n", error.what());
    }
    std::printf(
        "the most held at once: %d TLS sessions that never end (jsonlog, %.0f MB): exit %d, "
        "%llu counted over TLS, peak %.1f MB (goal < 64 MB)\n",
        kSessions, static_cast<double>(std::filesystem::file_size(log)) / (1 << 20), held.exit_code,
        static_cast<unsigned long long>(tls), memory_mb);
    if (held.exit_code != 0 || tls != kSessions || memory_mb >= 64) goals_met = false;
  }
  std::filesystem::remove_all(work);
  std::printf("goals %s\n", goals_met ? "met" : "NOT met");
  return goals_met ? 0 : 1;
}
