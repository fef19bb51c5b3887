// make bench (access analysis): the first-match access map of generated pg_hba.conf files of
// 1k, 10k and 100k records, to show the cost grows close to N log N. Goal: 100,000 records in
// under 1 s. Parsing is timed apart; the analysis is what is measured.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/hba/access.h"
#include "engine/hba/parser.h"

namespace {

using Clock = std::chrono::steady_clock;

// What large real files look like: many per-host and per-subnet lines for named roles and
// databases, TLS and plaintext variants, group lines, host names, and rejects that shadow
// some later lines.
std::string GenerateFile(int records) {
  std::string text;
  text.reserve(static_cast<size_t>(records) * 64);
  char line[192];
  for (int i = 0; i < records; ++i) {
    const int a = (i >> 16) & 0xff, b = (i >> 8) & 0xff, c = i & 0xff;
    switch (i % 8) {
      case 0:
        std::snprintf(line, sizeof line, "hostssl app_%d user_%d 10.%d.%d.%d/32 scram-sha-256\n",
                      i % 97, i, a, b, c);
        break;
      case 1:
        std::snprintf(line, sizeof line, "hostnossl all all 10.%d.%d.0/24 reject\n", a, b);
        break;
      case 2:
        std::snprintf(line, sizeof line, "host db_%d +team_%d 172.%d.%d.0/24 md5\n", i % 50, i % 31,
                      16 + a % 16, b);
        break;
      case 3:
        std::snprintf(line, sizeof line, "hostssl all svc_%d 2001:db8:%x:%x::/64 cert\n", i, a, b);
        break;
      case 4:
        std::snprintf(line, sizeof line, "host all all 192.168.%d.%d/32 reject\n", b, c);
        break;
      case 5:
        std::snprintf(line, sizeof line, "host sameuser all 10.%d.%d.%d/32 scram-sha-256\n", a, b,
                      c);
        break;
      case 6:
        std::snprintf(line, sizeof line, "host all all db%d.example.com scram-sha-256\n", i);
        break;
      default:
        std::snprintf(line, sizeof line, "hostssl replication repl_%d 10.%d.0.0/16 cert\n", i % 7,
                      a);
        break;
    }
    text += line;
  }
  text += "host all all 0.0.0.0/0 reject\nhost all all ::/0 reject\n";
  return text;
}

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
          pgward::hba::ParseHbaText(GenerateFile(records), "/bench/pg_hba.conf");
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
