// make bench (access analysis): the first-match access map of generated pg_hba.conf files of
// 1k, 10k and 100k records, to show the cost grows close to N log N. Goal: 100,000 records in
// under 1 s. Parsing is timed apart; the analysis is what is measured.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/generated_hba.h"
#include "engine/hba/access.h"
#include "engine/hba/parser.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

int main() {
  std::printf("First-match access analysis (goal: 100,000 records in under 1 s)\n");
  std::printf("%9s %12s %12s %12s %10s %10s\n", "records", "parse ms", "analyse ms", "us/record",
              "ranges", "shadowed");
  bool goal_met = true;
  for (int records : {1000, 10000, 100000}) {
    std::vector<double> parse, analyse;
    size_t ranges = 0, shadowed = 0;
    for (int repetition = 0; repetition < 5; ++repetition) {
      const auto start = Clock::now();
      const pgward::hba::HbaFile parsed =
          pgward::hba::ParseHbaText(pgward::bench::GenerateHbaFile(records), "/bench/pg_hba.conf");
      parse.push_back(std::chrono::duration<double>(Clock::now() - start).count());
      const auto analysis_start = Clock::now();
      const pgward::hba::AccessMap map = pgward::hba::AnalyzeAccess(parsed, {});
      analyse.push_back(std::chrono::duration<double>(Clock::now() - analysis_start).count());
      ranges = map.ranges.size();
      shadowed = static_cast<size_t>(
          std::count_if(map.records.begin(), map.records.end(),
                        [](const pgward::hba::RecordAccess& record) { return record.shadowed; }));
    }
    const double seconds = Median(analyse);
    std::printf("%9d %12.1f %12.1f %12.2f %10zu %10zu\n", records, Median(parse) * 1e3,
                seconds * 1e3, seconds * 1e6 / records, ranges, shadowed);
    if (records == 100000 && seconds >= 1.0) goal_met = false;
  }
  std::printf("goal %s\n", goal_met ? "met" : "NOT met");
  return goal_met ? 0 : 1;
}
