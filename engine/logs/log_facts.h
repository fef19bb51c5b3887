#pragma once

// Server logs as facts for a scan: each log read and summarised, its session and failure groups
// appended as log_session and log_failure facts.

#include <optional>
#include <string>
#include <vector>

#include "engine/logs/log_position.h"
#include "engine/logs/log_reader.h"
#include "engine/model/fact_table.h"
#include "engine/model/log_summary.h"

namespace pgward::logs {

// The facts of one summarised log, named `log` in them.
void AddLogFacts(const LogSummary& summary, std::string_view log, FactSet& facts);

// Marks the hba_rule facts in rows [begin, end) with how many connections the log shows each
// authenticated (log_authenticated). A record is matched to the log's `file:line` by the file's
// name and the line: the reviewed copy of a server's pg_hba.conf lies elsewhere than on the
// server. Files the log never names are left unmarked: nothing is known of them.
void MarkHbaLinesUsed(const LogSummary& summary, FactSet& facts, size_t begin, size_t end);

struct ServerLogEvidence {
  std::optional<std::string> error;  // could not be read, or holds no connection line
  std::optional<LogSummary> summary;
};

// Reads the files of one server's log (rotated ones first), summarises them and appends their
// facts. A log in which no connection line was recognised is an error, never a quiet pass:
// log_connections is off, or the server writes in another language. With `positions` (a
// scheduled scan's), only what was written since the last run is read, and where this read
// stopped is set in them.
ServerLogEvidence AddServerLogFacts(const std::vector<std::string>& files, std::string_view log,
                                    const LogReadOptions& options, FactSet& facts,
                                    LogPositions* positions = nullptr);

}  // namespace pgward::logs
