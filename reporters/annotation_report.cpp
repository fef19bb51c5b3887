#include "reporters/annotation_report.h"

#include <array>
#include <map>
#include <vector>

#include "reporters/json_writer.h"
#include "reporters/printable.h"
#include "reporters/source_path.h"

namespace pgward::reporters {
namespace {

// A path from the repository root when the file is a local one under it (what both systems need
// to place an annotation), else as the report names it.
std::string RepositoryPath(const std::string& file, const SourceFiles& files) {
  return files.UnderRoot(file).value_or(file);
}

// What fails, in report order: the findings that are not waived, then evidence not collected.
// Visited, not collected: memory stays the report's however many findings it has.
struct Problem {
  Severity severity;
  bool evidence_missing;
  std::string_view rule_id;
  std::string_view rule_title;  // empty for evidence not collected
  std::string_view message;
  const std::optional<SourceLocation>& location;
  std::string_view fingerprint;  // empty for evidence not collected
  std::string_view target;
  bool not_collected = false;  // an evidence error rather than a finding

  std::string Title() const {
    if (not_collected) return "evidence not collected: " + std::string(target);
    std::string title(rule_id);
    if (!rule_title.empty()) title += " " + std::string(rule_title);
    if (evidence_missing) title += " (evidence missing)";
    return title;
  }
};

template <typename Visit>
void ForEachProblem(const ScanReport& report, Visit visit) {
  std::map<std::string_view, std::string_view> titles;
  for (const RuleInfo& rule : report.rules) titles.emplace(rule.id, rule.title);
  for (const Finding& finding : report.findings) {
    if (finding.status == FindingStatus::kWaived) continue;
    const auto title = titles.find(finding.rule_id);
    visit(Problem{finding.severity, finding.status == FindingStatus::kError, finding.rule_id,
                  title == titles.end() ? std::string_view() : title->second, finding.message,
                  finding.location, finding.fingerprint, finding.target});
  }
  for (const EvidenceError& error : report.errors) {
    visit(Problem{Severity::kHigh, true, "pgward-evidence", "", error.message, error.location, "",
                  error.target, true});
  }
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
  const SourceFiles files(report, source_root);
  std::array<size_t, 3> total{}, written{};
  ForEachProblem(report, [&](const Problem& problem) { ++total[Level(problem)]; });
  std::string text;
  ForEachProblem(report, [&](const Problem& problem) {
    const size_t level = Level(problem);
    // The last place of a level tells how many were left out, when some are.
    if (written[level] + 1 >= kShownPerLevel && total[level] > kShownPerLevel) return;
    ++written[level];
    text += std::string("::") + kLevels[level] + " ";
    if (problem.location && !problem.location->file.empty()) {
      text += "file=" + EscapeProperty(RepositoryPath(problem.location->file, files));
      if (problem.location->line > 0) text += ",line=" + std::to_string(problem.location->line);
      text += ",";
    }
    text += "title=" + EscapeProperty(problem.Title()) + "::" + EscapeData(problem.message) + "\n";
  });
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
  const SourceFiles files(report, source_root);
  JsonWriter json(out);
  json.BeginArray();
  ForEachProblem(report, [&](const Problem& problem) {
    json.BeginObject();
    json.Member("description", problem.message);
    json.Member("check_name", problem.rule_id);
    // Unique per issue, stable across runs: the finding's fingerprint, or for evidence not
    // collected the target and message.
    json.Member("fingerprint", problem.fingerprint.empty() ? "evidence:" + problem.Title() + ":" +
                                                                 std::string(problem.message)
                                                           : std::string(problem.fingerprint));
    json.Member("severity", problem.evidence_missing
                                ? "major"
                                : kSeverities[static_cast<size_t>(problem.severity)]);
    json.Key("location");
    json.BeginObject();
    const bool located = problem.location && !problem.location->file.empty();
    json.Member("path", located ? RepositoryPath(problem.location->file, files) : "pgward");
    json.Key("lines");
    json.BeginObject();
    json.IntMember("begin", located && problem.location->line > 0 ? problem.location->line : 1);
    json.EndObject();
    json.EndObject();
    json.EndObject();
  });
  json.EndArray();
  json.Flush();
  out << "\n";
}

}  // namespace pgward::reporters
