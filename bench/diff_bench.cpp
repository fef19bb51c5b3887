// make bench (hba diff): `pgward hba diff BASE HEAD` as a whole process on generated files whose
// size doubles, beside the line diff a reviewer reads today (`diff -u`, the peer) on the same
// pair. The head inserts a catch-all md5 line in the middle of the base and weakens one line.
// Goals (#17): 10,000 lines under 0.5 s, 100,000 under 5 s, and each doubling close to doubling
// the time (a ratio near 2.0; 4.0 would be quadratic).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/generated_hba.h"
#include "bench/run_process.h"

namespace {

using pgward::bench::ProcessRun;
using pgward::bench::RunProcess;

ProcessRun Median(const std::vector<std::string>& argv, int repetitions) {
  std::vector<ProcessRun> runs;
  for (int i = 0; i < repetitions; ++i) runs.push_back(RunProcess(argv));
  std::sort(runs.begin(), runs.end(),
            [](const ProcessRun& a, const ProcessRun& b) { return a.seconds < b.seconds; });
  return runs[runs.size() / 2];
}

// The base with a catch-all md5 line in its middle and its first scram-sha-256 line made md5.
std::string Head(const std::string& base) {
  std::string head = base;
  size_t middle = head.size() / 2;
  middle = head.find('\n', middle) + 1;
  head.insert(middle, "host all all 0.0.0.0/0 md5\n");
  if (const size_t scram = head.find("scram-sha-256"); scram != std::string::npos) {
    head.replace(scram, 13, "md5");
  }
  return head;
}

}  // namespace

int main() {
  const std::filesystem::path work =
      std::filesystem::temp_directory_path() / ("pgward-diff-bench-" + std::to_string(getpid()));
  std::printf(
      "hba diff BASE HEAD, whole process, JSON to /dev/null, beside diff -u (goals: 10,000 lines\n"
      "< 0.5 s; 100,000 < 5 s; time ratio per doubling near 2)\n");
  std::printf("%9s %10s %10s %10s %12s %10s\n", "lines", "seconds", "peak MB", "x time",
              "diff -u s", "x diff -u");
  bool goals_met = true;
  double previous = 0;
  int previous_lines = 0;
  for (int lines : {1000, 10000, 12500, 25000, 50000, 100000}) {
    const std::filesystem::path base = work / std::to_string(lines) / "base" / "pg_hba.conf";
    const std::filesystem::path head = work / std::to_string(lines) / "head" / "pg_hba.conf";
    std::filesystem::create_directories(base.parent_path());
    std::filesystem::create_directories(head.parent_path());
    const std::string text = pgward::bench::GenerateHbaFile(lines);
    std::ofstream(base) << text;
    std::ofstream(head) << Head(text);
    const int repetitions = lines >= 50000 ? 1 : 3;
    const ProcessRun pgward = Median({PGWARD_BINARY, "hba", "diff", "--max-file-bytes", "64M",
                                      "--format", "json", base.string(), head.string()},
                                     repetitions);
    const ProcessRun peer = Median({"diff", "-u", base.string(), head.string()}, repetitions);
    char ratio[16] = "";
    if (previous_lines * 2 == lines) {
      std::snprintf(ratio, sizeof ratio, "%.2f", pgward.seconds / previous);
    }
    std::printf("%9d %10.3f %10.1f %10s %12.3f %10.1f%s\n", lines, pgward.seconds,
                pgward.peak_rss_kib / 1024.0, ratio, peer.seconds, pgward.seconds / peer.seconds,
                pgward.exit_code == 1 ? "" : "  (unexpected exit code)");
    if (lines == 10000 && pgward.seconds >= 0.5) goals_met = false;
    if (lines == 100000 && pgward.seconds >= 5.0) goals_met = false;
    previous = pgward.seconds;
    previous_lines = lines;
  }
  std::filesystem::remove_all(work);
  std::printf("goals %s\n", goals_met ? "met" : "NOT met");
  return goals_met ? 0 : 1;
}
