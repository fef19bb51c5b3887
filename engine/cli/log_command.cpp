#include "engine/cli/log_command.h"

#include <ostream>

#include "engine/core/exit_code.h"
#include "engine/logs/log_reader.h"
#include "engine/logs/log_summarizer.h"
#include "reporters/log_summary_report.h"
#include "reporters/printable.h"

namespace pgward::cli {

int RunLogSummary(const LogSummaryOptions& options, std::ostream& out, std::ostream& err) {
  const auto input_error = [&](const std::string& message) {
    err << "pgward: " << reporters::Printable(message) << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  };
  logs::LogReadOptions read_options;
  read_options.line_prefix = options.line_prefix;
  read_options.threads = options.jobs;
  if (!options.log_format.empty()) {
    read_options.format = logs::ParseLogFormat(options.log_format);
    if (!read_options.format) {
      return input_error("unknown --log-format '" + options.log_format +
                         "' (known: stderr, csvlog, jsonlog)");
    }
  }
  logs::SummaryOptions summary_options;
  const std::optional<TlsVersion> minimum = ParseTlsVersion(options.min_tls_version);
  if (!minimum) {
    return input_error("unknown --min-tls-version '" + options.min_tls_version +
                       "' (known: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)");
  }
  summary_options.min_tls_version = *minimum;
  for (const auto& [flag, text, bound] :
       {std::tuple{"--since", &options.since, &summary_options.since},
        std::tuple{"--until", &options.until, &summary_options.until}}) {
    if (text->empty()) continue;
    *bound = logs::ParseTimeBound(*text);
    if (!*bound) {
      return input_error(std::string("cannot read ") + flag + " '" + *text +
                         "' as a time (2026-12-03, 2026-12-03 22:00, 2026-12-03T22:00:00+01:00; "
                         "UTC unless a zone is given)");
    }
  }

  const logs::ServerLogsRead read =
      logs::SummarizeServerLogs(options.files, read_options, summary_options);
  if (read.error) return input_error(*read.error);
  const LogSummary& summary = read.summary;
  if (options.format == LogSummaryOptions::Format::kJson) {
    reporters::WriteLogSummaryJson(summary, out);
  } else {
    reporters::WriteLogSummaryText(summary, out);
  }
  return ToInt(ExitCode::kOk);
}

}  // namespace pgward::cli
