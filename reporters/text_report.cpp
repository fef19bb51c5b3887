#include "reporters/text_report.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "reporters/buffered_text.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

constexpr std::array<Severity, 5> kMostSevereFirst = {
    Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kInfo};

std::string Paint(const std::string& text, const char* code, bool color) {
  if (!color) return text;
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

const char* SeverityColor(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "1;31";
    case Severity::kHigh:
      return "31";
    case Severity::kMedium:
      return "33";
    case Severity::kLow:
      return "36";
    case Severity::kInfo:
      return "37";
  }
  return "0";
}

std::string Where(const Finding& finding) {
  if (finding.location) {
    return finding.location->file + ":" + std::to_string(finding.location->line);
  }
  return finding.target;
}

// Per severity, the failing findings only: waived ones and missing evidence are counted apart.
std::string Summary(const ScanReport& report) {
  size_t failing[5] = {};
  size_t waived = 0, evidence = 0;
  for (const Finding& finding : report.findings) {
    if (finding.status == FindingStatus::kWaived) {
      ++waived;
    } else if (finding.status == FindingStatus::kError) {
      ++evidence;
    } else {
      ++failing[static_cast<size_t>(finding.severity)];
    }
  }
  const CheckTally tally = TallyChecks(CheckResults(report));
  std::string summary = std::to_string(report.findings.size()) + " finding(s); failing: ";
  bool first = true;
  for (Severity severity : kMostSevereFirst) {
    if (!first) summary += ", ";
    first = false;
    summary += std::to_string(failing[static_cast<size_t>(severity)]) + " " +
               std::string(SeverityName(severity));
  }
  summary += "; " + std::to_string(waived) + " waived, " + std::to_string(evidence) +
             " without evidence; " + std::to_string(tally.passed) + " of " +
             std::to_string(tally.checks) + " checks passed (" + std::to_string(tally.failed) +
             " failed, " + std::to_string(tally.errors) + " errors, " +
             std::to_string(tally.waived) + " waived) on " + std::to_string(report.targets.size()) +
             " target(s)";
  if (!report.invocation.baseline.empty()) {
    size_t states[kBaselineStates] = {};
    for (const Finding& finding : report.findings) {
      if (finding.baseline_state) ++states[static_cast<size_t>(*finding.baseline_state)];
    }
    summary += "; against " + Printable(report.invocation.baseline) + ": " +
               std::to_string(states[static_cast<size_t>(BaselineState::kNew)]) + " new, " +
               std::to_string(states[static_cast<size_t>(BaselineState::kWorsened)]) +
               " worsened, " +
               std::to_string(states[static_cast<size_t>(BaselineState::kUpdated)]) + " updated, " +
               std::to_string(states[static_cast<size_t>(BaselineState::kUnchanged)]) +
               " unchanged, " + std::to_string(report.absent.size()) + " gone";
  }
  if (!report.errors.empty()) {
    summary += "; INCOMPLETE: " + std::to_string(report.errors.size()) + " evidence error(s)";
  }
  return summary;
}

}  // namespace

void WriteTextSummary(const ScanReport& report, std::ostream& out) {
  out << Summary(report) << "\n";
}

void WriteTextReport(const ScanReport& report, bool color, std::ostream& stream) {
  // Written out a piece at a time: memory does not grow with the number of findings.
  BufferedText buffered(stream);
  std::string& out = buffered.text();
  std::map<std::string_view, const RuleInfo*> rules;
  for (const RuleInfo& rule : report.rules) rules.emplace(rule.id, &rule);
  // The fix of a rule, once under the run of its findings (findings are sorted by rule).
  const auto fix = [&](const Finding& finding) {
    const auto rule = rules.find(finding.rule_id);
    if (rule == rules.end() || rule->second->remediation.empty()) return;
    out += "      fix: " + Printable(rule->second->remediation) + "\n";
  };
  // A run with a baseline (last night's, under --state-dir) starts with what changed since.
  if (!report.invocation.baseline.empty()) {
    out += Paint("CHANGES SINCE " + Printable(report.invocation.baseline), "1", color) + "\n";
    const auto changed = [](const Finding& finding) {
      return finding.baseline_state && *finding.baseline_state != BaselineState::kUnchanged;
    };
    if (report.absent.empty() &&
        std::none_of(report.findings.begin(), report.findings.end(), changed)) {
      out += "  none\n";
    }
    for (const Finding& finding : report.findings) {
      if (!changed(finding)) continue;
      out += "  " + std::string(BaselineStateName(*finding.baseline_state)) + "  " +
             Printable(finding.rule_id) + "  " + Printable(Where(finding)) + "  " +
             Printable(finding.message) + "\n";
      buffered.Spill();
    }
    for (const Finding& finding : report.absent) {
      out += "  gone  " + Printable(finding.rule_id) + "  " + Printable(Where(finding)) + "  " +
             Printable(finding.message) + "\n";
      buffered.Spill();
    }
    out += "\n";
  }
  for (Severity severity : kMostSevereFirst) {
    bool header = false;
    const Finding* failing_run = nullptr;  // the last failing finding of the current rule
    for (const Finding& finding : report.findings) {
      if (finding.severity != severity) continue;
      if (failing_run && failing_run->rule_id != finding.rule_id) {
        fix(*failing_run);
        failing_run = nullptr;
      }
      if (!header) {
        std::string name(SeverityName(severity));
        for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out += Paint(name, SeverityColor(severity), color) + "\n";
        header = true;
      }
      std::string status;
      if (finding.status == FindingStatus::kWaived) {
        status = " [waived]";
      } else if (finding.status == FindingStatus::kError) {
        status = " [evidence missing]";
      } else {
        failing_run = &finding;
      }
      // Against a baseline, what a reviewer looks for: the findings that were not there before,
      // or not as they are now.
      if (finding.baseline_state && *finding.baseline_state != BaselineState::kUnchanged) {
        status += " [" + std::string(BaselineStateName(*finding.baseline_state)) + "]";
      }
      out += "  " + Printable(finding.rule_id) + "  " + Printable(Where(finding)) + "  " +
             Printable(finding.message) + status;
      if (finding.note) out += " (" + Printable(*finding.note) + ")";
      out += "\n";
      buffered.Spill();
    }
    if (failing_run) fix(*failing_run);
  }
  // When each server's evidence was collected: a snapshot scanned later is dated by it.
  if (!report.servers.empty()) {
    out += Paint("SERVERS", "1", color) + "\n";
    for (const ServerInfo& server : report.servers) {
      out += "  " + Printable(DescribeServer(server)) + "\n";
      buffered.Spill();
    }
  }
  if (!report.errors.empty()) {
    out += Paint("EVIDENCE NOT COLLECTED", "1;35", color) + "\n";
    for (const EvidenceError& error : report.errors) {
      out += "  " + Printable(error.target) + ": " + Printable(error.message) + "\n";
    }
  }
  const bool listed = !report.findings.empty() || !report.servers.empty() || !report.errors.empty();
  out += (listed ? "\n" : "") + Summary(report) + "\n";
  buffered.Flush();
}

}  // namespace pgward::reporters
