#pragma once

// Server logs as facts for a scan: each log read and summarised, its session and failure groups
// appended as log_session and log_failure facts, the configurations it failed to reload as
// log_reload facts.

#include <optional>
#include <string>
#include <vector>

#include "engine/logs/log_position.h"
#include "engine/logs/log_reader.h"
#include "engine/model/collection.h"
#include "engine/model/fact_table.h"
#include "engine/model/log_summary.h"

namespace pgward::logs {

// The facts of one summarised log, named `log` in them.
void AddLogFacts(const LogSummary& summary, std::string_view log, FactSet& facts);

// Reads the files of one server's log (rotated ones first), summarises them and appends their
// facts. The server's pg_hba.conf records, rows `hba_rules` of the facts, are marked with how
// many connections the log shows each authenticated (log_authenticated): matched to the log's
// `file:line` by the file's name and the line, as the reviewed copy of a server's pg_hba.conf
// lies elsewhere than on the server; files the log never names stay unmarked.
//
// Returns why the log cannot be judged, never a quiet pass: a file that cannot be read or of
// which no line is an entry, or no connection line at all (log_connections is off, or the server
// writes in another language). With `positions` (a scheduled scan's), only what was written
// since the last run is read, and where this read stopped is set in them. Lines it did not count
// that a client may have written (LogSummary::uncounted_lines) are added to `warnings`.
std::optional<std::string> AddServerLogFacts(const std::vector<std::string>& files,
                                             std::string_view log, const LogReadOptions& options,
                                             RowRange hba_rules, FactSet& facts,
                                             std::vector<std::string>& warnings,
                                             LogPositions* positions = nullptr);

}  // namespace pgward::logs
