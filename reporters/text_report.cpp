#include "reporters/text_report.h"

#include <array>

#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

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

}  // namespace

void WriteTextReport(const ScanReport& report, bool color, std::ostream& stream) {
  std::string out;
  // Written out a piece at a time: memory does not grow with the number of findings.
  const auto flush = [&] {
    stream << out;
    out.clear();
  };
  size_t counts[5] = {};
  size_t waived = 0, evidence = 0;
  for (Severity severity : kMostSevereFirst) {
    bool header = false;
    for (const Finding& finding : report.findings) {
      if (finding.severity != severity) continue;
      if (!header) {
        std::string name(SeverityName(severity));
        for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out += Paint(name, SeverityColor(severity), color) + "\n";
        header = true;
      }
      std::string status;
      if (finding.status == FindingStatus::kWaived) {
        status = " [waived]";
        ++waived;
      } else if (finding.status == FindingStatus::kError) {
        status = " [evidence missing]";
        ++evidence;
      } else {
        ++counts[static_cast<size_t>(severity)];
      }
      out += "  " + Printable(finding.rule_id) + "  " + Printable(Where(finding)) + "  " +
             Printable(finding.message) + status;
      if (finding.note) out += " (" + Printable(*finding.note) + ")";
      out += "\n";
      if (out.size() >= kFlushBytes) flush();
    }
  }
  if (!report.errors.empty()) {
    out += Paint("EVIDENCE NOT COLLECTED", "1;35", color) + "\n";
    for (const EvidenceError& error : report.errors) {
      out += "  " + Printable(error.target) + ": " + Printable(error.message) + "\n";
    }
  }
  size_t passed = 0;
  for (const RuleCheck& check : report.checks) {
    if (check.failures == 0 && check.errors == 0) ++passed;
  }
  // Per severity, the failing findings only: waived ones and missing evidence follow apart.
  std::string summary = std::to_string(report.findings.size()) + " finding(s); failing: ";
  bool first = true;
  for (Severity severity : kMostSevereFirst) {
    if (!first) summary += ", ";
    first = false;
    summary += std::to_string(counts[static_cast<size_t>(severity)]) + " " +
               std::string(SeverityName(severity));
  }
  summary += "; " + std::to_string(waived) + " waived, " + std::to_string(evidence) +
             " without evidence; " + std::to_string(passed) + " of " +
             std::to_string(report.checks.size()) + " checks passed on " +
             std::to_string(report.targets.size()) + " target(s)";
  if (!report.errors.empty()) {
    summary += "; INCOMPLETE: " + std::to_string(report.errors.size()) + " evidence error(s)";
  }
  out += (report.findings.empty() && report.errors.empty() ? "" : "\n") + summary + "\n";
  flush();
}

}  // namespace pgward::reporters
