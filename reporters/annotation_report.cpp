#include "reporters/annotation_report.h"

#include <array>
#include <map>
#include <vector>

#include "reporters/json_writer.h"
#include "reporters/printable.h"
#include "reporters/source_path.h"

namespace pgward::reporters {
namespace {

// A path from the repository root when the file is under it (what both systems need to place
// an annotation), else as the report names it.
std::string RepositoryPath(const std::string& file, const std::string& source_root) {
  return PathUnderRoot(file, AbsolutePath(source_root)).value_or(file);
}

// What fails, in report order: the findings that are not waived, then evidence not collected.
struct Problem {
  Severity severity;
  bool evidence_missing;
  std::string title;
  std::string message;
  std::optional<SourceLocation> location;
  std::string fingerprint;
  std::string rule_id;
};

std::vector<Problem> Problems(const ScanReport& report) {
  std::map<std::string_view, std::string_view> titles;
  for (const RuleInfo& rule : report.rules) titles.emplace(rule.id, rule.title);
  std::vector<Problem> problems;
  for (const Finding& finding : report.findings) {
    if (finding.status == FindingStatus::kWaived) continue;
    const bool missing = finding.status == FindingStatus::kError;
    std::string title = finding.rule_id;
    if (const auto rule = titles.find(finding.rule_id); rule != titles.end()) {
      title += " " + std::string(rule->second);
    }
    if (missing) title += " (evidence missing)";
    problems.push_back({finding.severity, missing, std::move(title), finding.message,
                        finding.location, finding.fingerprint, finding.rule_id});
  }
  for (const EvidenceError& error : report.errors) {
    problems.push_back({Severity::kHigh, true, "evidence not collected: " + error.target,
                        error.message, error.location, "", "pgward-evidence"});
  }
  return problems;
}

// ---- GitHub ------------------------------------------------------------------------------

// Workflow-command escaping: a message cannot end the command or start another (%, CR, LF);
// property values cannot end the property either (: and ,). Control characters are masked first.
std::string EscapeData(std::string_view text) {
  std::string escaped;
  for (char c : Printable(text, true)) {
    if (c == '%') {
      escaped += "%25";
    } else if (c == '\r') {
      escaped += "%0D";
    } else if (c == '\n') {
      escaped += "%0A";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string EscapeProperty(std::string_view text) {
  std::string escaped;
  for (char c : EscapeData(text)) {
    if (c == ':') {
      escaped += "%3A";
    } else if (c == ',') {
      escaped += "%2C";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// error for what fails a build by default (high and critical) and for missing evidence; warning
// for medium; notice below.
size_t Level(const Problem& problem) {
  if (problem.evidence_missing || problem.severity >= Severity::kHigh) return 0;
  return problem.severity == Severity::kMedium ? 1 : 2;
}

constexpr std::array<const char*, 3> kLevels = {"error", "warning", "notice"};
constexpr size_t kShownPerLevel = 10;

}  // namespace

void WriteGithubAnnotations(const ScanReport& report, const std::string& source_root,
                            std::ostream& out) {
  const std::vector<Problem> problems = Problems(report);
  std::array<size_t, 3> total{}, written{};
  for (const Problem& problem : problems) ++total[Level(problem)];
  std::string text;
  for (const Problem& problem : problems) {
    const size_t level = Level(problem);
    // The last place of a level tells how many were left out, when some are.
    if (written[level] + 1 >= kShownPerLevel && total[level] > kShownPerLevel) continue;
    ++written[level];
    text += std::string("::") + kLevels[level] + " ";
    if (problem.location && !problem.location->file.empty()) {
      text += "file=" + EscapeProperty(RepositoryPath(problem.location->file, source_root));
      if (problem.location->line > 0) text += ",line=" + std::to_string(problem.location->line);
      text += ",";
    }
    text += "title=" + EscapeProperty(problem.title) + "::" + EscapeData(problem.message) + "\n";
  }
  for (size_t level = 0; level < kLevels.size(); ++level) {
    if (total[level] <= kShownPerLevel) continue;
    text += std::string("::") + kLevels[level] + " title=" +
            EscapeProperty("pgward: " + std::to_string(total[level] - written[level]) + " more") +
            "::" +
            EscapeData(std::to_string(total[level] - written[level]) + " more " + kLevels[level] +
                       " annotations than GitHub shows: see the JSON or SARIF report") +
            "\n";
  }
  out << text;
}

void WriteGitlabCodeQuality(const ScanReport& report, const std::string& source_root,
                            std::ostream& out) {
  constexpr std::array<const char*, 5> kSeverities = {"info", "minor", "major", "critical",
                                                      "blocker"};
  JsonWriter json(out);
  json.BeginArray();
  for (const Problem& problem : Problems(report)) {
    json.BeginObject();
    json.Member("description", problem.message);
    json.Member("check_name", problem.rule_id);
    // Unique per issue, stable across runs: the finding's fingerprint, or for evidence not
    // collected the target and message.
    json.Member("fingerprint", problem.fingerprint.empty()
                                   ? "evidence:" + problem.title + ":" + problem.message
                                   : problem.fingerprint);
    json.Member("severity", problem.evidence_missing
                                ? "major"
                                : kSeverities[static_cast<size_t>(problem.severity)]);
    json.Key("location");
    json.BeginObject();
    const bool located = problem.location && !problem.location->file.empty();
    json.Member("path", located ? RepositoryPath(problem.location->file, source_root) : "pgward");
    json.Key("lines");
    json.BeginObject();
    json.IntMember("begin", located && problem.location->line > 0 ? problem.location->line : 1);
    json.EndObject();
    json.EndObject();
    json.EndObject();
  }
  json.EndArray();
  json.Flush();
  out << "\n";
}

}  // namespace pgward::reporters
