// make bench (scan --hba): the whole `pgward scan --hba FILE` process, writing all four report
// formats, on generated files whose size doubles, to show how the cost grows. Goals (#15):
// 100,000 lines in under 1 s and 300 MB, 10,000 lines in under 100 ms, and each doubling of
// the file close to doubling the time (a ratio near 2.0; 4.0 would be quadratic). Each size runs
// three times, those of a tenth of a second or less seven, as log_bench's do (a neighbour's busy
// spell on a shared machine lengthens a short run the most, and never shortens one): the time is
// the fastest, the memory the largest.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/generated_hba.h"
#include "bench/run_process.h"

namespace {

using pgward::bench::BestInTurns;
using pgward::bench::ProcessRun;
using pgward::bench::TimedCommand;

// `pgward scan` writing all four report formats; it finds something in every generated file
// (exit 1).
TimedCommand Scan(const std::filesystem::path& file, const std::filesystem::path& out_dir) {
  return TimedCommand(
      {PGWARD_BINARY, "scan", "--hba", file.string(), "--max-file-bytes", "64M", "--format",
       "json,sarif,junit,text", "--output-dir", out_dir.string(), "--reproducible"},
      "/dev/null", 1);
}

}  // namespace

int main() {
  const std::filesystem::path work =
      std::filesystem::temp_directory_path() / ("pgward-scan-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  std::printf(
      "scan --hba, four formats (goals: 100,000 lines < 1 s and 300 MB; 10,000 < 0.1 s;\n"
      "time ratio per doubling near 2)\n");
  // The fastest run's processor time beside it: a run whose kernel time is high waited for memory
  // the host had to back (a virtual machine's cold pages), not for pgward's own work.
  std::printf("%9s %10s %8s %8s %10s %12s %10s\n", "lines", "seconds", "user s", "sys s", "peak MB",
              "report MB", "x time");
  bool goals_met = true;
  double previous = 0;
  int previous_lines = 0;
  for (int lines : {1000, 10000, 3125, 6250, 12500, 25000, 50000, 100000}) {
    const std::filesystem::path file = work / ("pg_hba." + std::to_string(lines) + ".conf");
    std::ofstream(file) << pgward::bench::GenerateHbaFile(lines);
    // On disk before anything is timed: the kernel's writeback of a fresh file would take the
    // cores the scan is timed on.
    if (const int written = open(file.c_str(), O_RDONLY); written >= 0) {
      fsync(written);
      close(written);
    }
    const std::filesystem::path out_dir = work / "out";
    TimedCommand scan = Scan(file, out_dir);
    BestInTurns(lines <= 10000 ? 7 : 3, {&scan});
    if (scan.unexpected_exit || !std::filesystem::exists(out_dir)) {
      std::printf("%9d pgward scan failed (exit %d)\n", lines, scan.unexpected_exit.value_or(1));
      goals_met = false;
      continue;
    }
    const ProcessRun& best = scan.best;
    std::uintmax_t report_bytes = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out_dir)) {
      report_bytes += entry.file_size();
    }
    // 1,000 and 10,000 lines for their goals, then a series that doubles.
    char ratio[16] = "";
    if (previous_lines * 2 == lines)
      std::snprintf(ratio, sizeof ratio, "%.2f", best.seconds / previous);
    std::printf("%9d %10.3f %8.3f %8.3f %10.1f %12.1f %10s\n", lines, best.seconds,
                best.user_seconds, best.system_seconds, best.peak_rss_kib / 1024.0,
                static_cast<double>(report_bytes) / (1 << 20), ratio);
    if (lines == 10000 && best.seconds >= 0.1) goals_met = false;
    if (lines == 100000 && (best.seconds >= 1.0 || best.peak_rss_kib >= 300 * 1024)) {
      goals_met = false;
    }
    previous = best.seconds;
    previous_lines = lines;
  }
  std::filesystem::remove_all(work);
  std::printf("goals %s\n", goals_met ? "met" : "NOT met");
  return goals_met ? 0 : 1;
}
