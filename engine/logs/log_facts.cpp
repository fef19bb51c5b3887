#include "engine/logs/log_facts.h"

#include <map>

#include "engine/logs/log_summarizer.h"

namespace pgward::logs {
namespace {

void SetIfKnown(FactTable& table, size_t row, size_t field, std::string_view value) {
  if (!value.empty()) table.SetString(row, field, value);
}

void SetTimes(FactTable& table, size_t row, size_t first_field, size_t last_field,
              std::optional<std::int64_t> first, std::optional<std::int64_t> last) {
  // Facts hold seconds; the log's milliseconds are cut, never rounded into the next second.
  if (first) table.SetInteger(row, first_field, *first / 1000);
  if (last) table.SetInteger(row, last_field, *last / 1000);
}

}  // namespace

void AddLogFacts(const LogSummary& summary, std::string_view log, FactSet& facts) {
  FactTable& sessions = facts.table(FactKind::kLogSession);
  for (const LogSessionGroup& group : summary.session_groups) {
    const size_t row = sessions.AppendRow();
    sessions.SetString(row, FieldOf<FactKind::kLogSession>("log"), log);
    SetIfKnown(sessions, row, FieldOf<FactKind::kLogSession>("transport"), group.transport);
    sessions.SetBool(row, FieldOf<FactKind::kLogSession>("replication"), group.replication);
    if (group.transport == "tcp_tls") {
      if (const std::optional<TlsVersion> version = ParseTlsVersion(group.tls_version)) {
        sessions.SetTlsVersion(row, FieldOf<FactKind::kLogSession>("tls_version"), *version);
      }
      sessions.SetString(row, FieldOf<FactKind::kLogSession>("cipher"), group.cipher);
      sessions.SetInteger(row, FieldOf<FactKind::kLogSession>("bits"), group.bits);
    }
    SetIfKnown(sessions, row, FieldOf<FactKind::kLogSession>("user"), group.user);
    SetIfKnown(sessions, row, FieldOf<FactKind::kLogSession>("database"), group.database);
    SetIfKnown(sessions, row, FieldOf<FactKind::kLogSession>("client"), group.client);
    // The authorized line names the application when the client set one: without it, the
    // session had none, as pg_stat_activity shows an empty application_name.
    sessions.SetString(row, FieldOf<FactKind::kLogSession>("application_name"), group.application);
    sessions.SetInteger(row, FieldOf<FactKind::kLogSession>("sessions"),
                        static_cast<std::int64_t>(group.sessions));
    SetTimes(sessions, row, FieldOf<FactKind::kLogSession>("first_seen"),
             FieldOf<FactKind::kLogSession>("last_seen"), group.first_seen, group.last_seen);
  }
  FactTable& failures = facts.table(FactKind::kLogFailure);
  for (const LogFailureGroup& group : summary.failure_groups) {
    const size_t row = failures.AppendRow();
    failures.SetString(row, FieldOf<FactKind::kLogFailure>("log"), log);
    failures.SetString(row, FieldOf<FactKind::kLogFailure>("failure"),
                       LogFailureName(group.failure));
    SetIfKnown(failures, row, FieldOf<FactKind::kLogFailure>("user"), group.user);
    SetIfKnown(failures, row, FieldOf<FactKind::kLogFailure>("database"), group.database);
    SetIfKnown(failures, row, FieldOf<FactKind::kLogFailure>("client"), group.client);
    SetIfKnown(failures, row, FieldOf<FactKind::kLogFailure>("application_name"),
               group.application);
    SetIfKnown(failures, row, FieldOf<FactKind::kLogFailure>("reason"), group.reason);
    failures.SetInteger(row, FieldOf<FactKind::kLogFailure>("attempts"),
                        static_cast<std::int64_t>(group.attempts));
    SetTimes(failures, row, FieldOf<FactKind::kLogFailure>("first_seen"),
             FieldOf<FactKind::kLogFailure>("last_seen"), group.first_seen, group.last_seen);
  }
  FactTable& reloads = facts.table(FactKind::kLogReload);
  for (const LogReloadFailure& failure : summary.reload_failures) {
    const size_t row = reloads.AppendRow();
    reloads.SetString(row, FieldOf<FactKind::kLogReload>("log"), log);
    reloads.SetString(row, FieldOf<FactKind::kLogReload>("configuration"), failure.configuration);
    // Not known: absent, so that the rule's evidence is missing rather than passed.
    if (failure.outdated) {
      reloads.SetBool(row, FieldOf<FactKind::kLogReload>("outdated"), *failure.outdated);
    }
    reloads.SetInteger(row, FieldOf<FactKind::kLogReload>("failed_reloads"),
                       static_cast<std::int64_t>(failure.failed_reloads));
    SetTimes(reloads, row, FieldOf<FactKind::kLogReload>("first_failed"),
             FieldOf<FactKind::kLogReload>("last_failed"), failure.first_failed,
             failure.last_failed);
  }
}

namespace {

void MarkHbaLinesUsed(const LogSummary& summary, FactSet& facts, RowRange hba_rules) {
  const auto name_of = [](std::string_view path) {
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
  };
  std::map<std::string_view, std::map<std::int64_t, std::uint64_t>> used;
  for (const LogHbaLineUse& use : summary.hba_lines) {
    used[name_of(use.file)][use.line] += use.authenticated;
  }
  FactTable& rules = facts.table(FactKind::kHbaRule);
  const size_t file_field = FieldOf<FactKind::kHbaRule>("file");
  const size_t line_field = FieldOf<FactKind::kHbaRule>("line");
  const size_t used_field = FieldOf<FactKind::kHbaRule>("log_authenticated");
  for (size_t row = hba_rules.begin; row < hba_rules.end && row < rules.size(); ++row) {
    const std::optional<std::string_view> file = rules.String(row, file_field);
    const std::optional<std::int64_t> line = rules.Integer(row, line_field);
    if (!file || !line) continue;
    const auto lines = used.find(name_of(*file));
    if (lines == used.end()) continue;
    const auto count = lines->second.find(*line);
    rules.SetInteger(row, used_field,
                     count == lines->second.end() ? 0 : static_cast<std::int64_t>(count->second));
  }
}

}  // namespace

std::optional<std::string> AddServerLogFacts(const std::vector<std::string>& files,
                                             std::string_view log, const LogReadOptions& options,
                                             RowRange hba_rules, FactSet& facts,
                                             std::vector<std::string>& warnings,
                                             LogPositions* positions) {
  SummaryOptions summary_options;
  summary_options.groups = true;
  // Positions move only once every file was read: a failed run reads the same lines again.
  const LogPositions resume = positions != nullptr ? *positions : LogPositions();
  LogPositions reached = resume;
  ServerLogsRead read =
      SummarizeServerLogs(files, options, summary_options, positions != nullptr ? &resume : nullptr,
                          positions != nullptr ? &reached : nullptr);
  if (read.error) return read.error;
  LogSummary& summary = read.summary;
  if (summary.connections.received == 0 && summary.connections.authorized == 0) {
    // Scheduled: the lines since the last run are read again next time, with what follows.
    return "server log " + std::string(log) + ": no connection line recognised (" +
           std::to_string(summary.lines) +
           (resume.empty() ? " lines" : " lines since the last run") +
           "): log_connections is off, the log_line_prefix or format given does "
           "not match, or lc_messages is not English; the log rules cannot be judged";
  }
  if (positions != nullptr) *positions = std::move(reached);
  warnings.insert(warnings.end(), summary.uncounted_lines.begin(), summary.uncounted_lines.end());
  AddLogFacts(summary, log, facts);
  MarkHbaLinesUsed(summary, facts, hba_rules);
  return std::nullopt;
}

}  // namespace pgward::logs
