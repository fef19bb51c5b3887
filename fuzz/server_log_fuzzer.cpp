// libFuzzer target for the server log readers (stderr with a log_line_prefix, csvlog, jsonlog,
// gzip) and the summary over them: any bytes give a summary, never a crash, a leak, a hang or
// unbounded memory. The first byte picks the format (or recognition) and the prefix; the rest is
// the file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>

#include "engine/logs/log_reader.h"
#include "engine/logs/log_summarizer.h"
#include "fuzz/fuzz_file.h"
#include "reporters/log_summary_report.h"

namespace {

// Prefixes of every shape: the default, free text between literals, %q, and the fixed escapes
// with padding.
constexpr const char* kPrefixes[] = {
    "%m [%p] ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%m [%p] %q%u@%d ",
    "%n %c %-10u|%5p|%r %e %x %v %b %i %Q 100%% ",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  pgward::logs::LogReadOptions options;
  switch (data[0] & 3) {
    case 1:
      options.format = pgward::logs::LogFormat::kStderr;
      break;
    case 2:
      options.format = pgward::logs::LogFormat::kCsvlog;
      break;
    case 3:
      options.format = pgward::logs::LogFormat::kJsonlog;
      break;
    default:
      break;  // recognised from the content
  }
  options.line_prefix = kPrefixes[(data[0] >> 2) % (sizeof kPrefixes / sizeof kPrefixes[0])];
  pgward::logs::SummaryOptions summary_options;
  if (data[0] & 0x80) summary_options.since = pgward::logs::ParseTimeBound("2026-01-01");
  summary_options.groups = true;  // what scans use: the summary's counts and every group
  // Blocks are read on two threads, as on any machine with more than one core.
  options.threads = 2;
  const std::string path = pgward::fuzz::WriteInputFile(data + 1, size - 1, "server.log");
  const pgward::logs::ServerLogsRead read =
      pgward::logs::SummarizeServerLogs({path}, options, summary_options);
  if (read.error) return 0;
  const pgward::LogSummary& summary = read.summary;
  // Every authorized session is counted once, by one transport.
  const auto& connections = summary.connections;
  if (connections.authorized != connections.local + connections.plaintext_tcp + connections.tls +
                                    connections.gss + connections.unknown_transport ||
      summary.unparsed_lines > summary.lines) {
    std::fprintf(stderr, "inconsistent summary\n");
    __builtin_trap();
  }
  std::ostringstream out;
  pgward::reporters::WriteLogSummaryJson(summary, out);
  pgward::reporters::WriteLogSummaryText(summary, out);
  return 0;
}
