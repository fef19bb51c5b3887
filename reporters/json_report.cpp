#include "reporters/json_report.h"

#include <stdexcept>

#include "pgward/version.h"

namespace pgward::reporters {
namespace {

using Json = nlohmann::ordered_json;

Json LocationJson(const std::optional<SourceLocation>& location) {
  if (!location) return Json();
  return Json{{"file", location->file}, {"line", location->line}};
}

Json ComplianceJson(const std::map<std::string, std::vector<std::string>>& compliance) {
  Json json = Json::object();
  for (const auto& [framework, ids] : compliance) json[framework] = ids;
  return json;
}

Json FindingJson(const Finding& finding) {
  Json json;
  json["rule_id"] = finding.rule_id;
  json["severity"] = SeverityName(finding.severity);
  json["status"] = FindingStatusName(finding.status);
  json["message"] = finding.message;
  json["target"] = finding.target;
  json["location"] = LocationJson(finding.location);
  json["subject"] = finding.subject;
  json["count"] = finding.count;
  json["sample_pids"] = finding.sample_pids;
  json["fingerprint"] = finding.fingerprint;
  json["compliance"] = ComplianceJson(finding.compliance);
  if (finding.waiver) {
    json["waiver"] = Json{{"justification", finding.waiver->justification},
                          {"owner", finding.waiver->owner},
                          {"expires", finding.waiver->expires},
                          {"source", finding.waiver->source}};
  } else {
    json["waiver"] = nullptr;
  }
  json["note"] = finding.note ? Json(*finding.note) : Json();
  return json;
}

Json SummaryJson(const ScanReport& report) {
  Json by_severity = Json::object();
  for (Severity severity :
       {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kInfo}) {
    by_severity[std::string(SeverityName(severity))] = 0;
  }
  Json by_status = Json{{"fail", 0}, {"waived", 0}, {"error", 0}};
  for (const Finding& finding : report.findings) {
    by_severity[std::string(SeverityName(finding.severity))] =
        by_severity[std::string(SeverityName(finding.severity))].get<int>() + 1;
    by_status[std::string(FindingStatusName(finding.status))] =
        by_status[std::string(FindingStatusName(finding.status))].get<int>() + 1;
  }
  size_t passed = 0;
  for (const RuleCheck& check : report.checks) {
    if (check.failures == 0 && check.errors == 0) ++passed;
  }
  return Json{{"findings", report.findings.size()},
              {"by_severity", by_severity},
              {"by_status", by_status},
              {"checks", report.checks.size()},
              {"checks_passed", passed},
              {"evidence_errors", report.errors.size()},
              {"complete", report.errors.empty() && by_status["error"].get<int>() == 0}};
}

}  // namespace

std::string RenderJsonReport(const ScanReport& report) {
  Json json;
  json["report_version"] = kJsonReportVersion;
  json["tool"] =
      Json{{"name", "pgward"}, {"version", kVersion}, {"information_uri", kInformationUri}};
  json["invocation"] =
      Json{{"arguments", report.invocation.arguments},
           {"started_at",
            report.invocation.started_at.empty() ? Json() : Json(report.invocation.started_at)},
           {"finished_at",
            report.invocation.finished_at.empty() ? Json() : Json(report.invocation.finished_at)},
           {"exit_code", report.invocation.exit_code},
           {"fail_on", SeverityName(report.invocation.fail_on)}};
  json["summary"] = SummaryJson(report);
  json["targets"] = report.targets;
  Json rules = Json::array();
  for (const RuleInfo& rule : report.rules) {
    rules.push_back(Json{{"id", rule.id},
                         {"title", rule.title},
                         {"description", rule.description},
                         {"severity", SeverityName(rule.severity)},
                         {"target", rule.target},
                         {"remediation", rule.remediation},
                         {"compliance", ComplianceJson(rule.compliance)},
                         {"references", rule.references},
                         {"policy", rule.policy}});
  }
  json["rules"] = rules;
  json["findings"] = Json::array();  // streamed below
  Json checks = Json::array();
  for (const RuleCheck& check : report.checks) {
    checks.push_back(Json{{"rule_id", check.rule_id},
                          {"target", check.target},
                          {"facts_checked", check.facts_checked},
                          {"failures", check.failures},
                          {"errors", check.errors}});
  }
  json["checks"] = checks;
  Json errors = Json::array();
  for (const EvidenceError& error : report.errors) {
    errors.push_back(Json{{"target", error.target},
                          {"message", error.message},
                          {"location", LocationJson(error.location)}});
  }
  json["errors"] = errors;
  Json artifacts = Json::array();
  for (const Artifact& artifact : report.artifacts) {
    artifacts.push_back(Json{{"path", artifact.path}, {"sha256", artifact.sha256}});
  }
  json["artifacts"] = artifacts;
  json["warnings"] = report.warnings;
  size_t next = 0;
  return DumpWithStreamedArray(json, "findings", 1,
                               [&](Json& element) {
                                 if (next == report.findings.size()) return false;
                                 element = FindingJson(report.findings[next++]);
                                 return true;
                               }) +
         "\n";
}

std::string DumpWithStreamedArray(const Json& document, std::string_view key, int depth,
                                  const std::function<bool(Json&)>& next) {
  // Invalid UTF-8 from the evidence (role or application names) is replaced, never a throw.
  const auto dump = [](const Json& json) {
    return json.dump(2, ' ', false, Json::error_handler_t::replace);
  };
  const std::string text = dump(document);
  // Strings hold no raw newline (JSON escapes it), so this member is found only where it is.
  const std::string indent(static_cast<size_t>(2 * depth), ' ');
  const std::string member = "\n" + indent + "\"" + std::string(key) + "\": []";
  const size_t at = text.find(member);
  if (at == std::string::npos) throw std::logic_error("no empty array member " + member);
  std::string out(text, 0, at + member.size() - 1);  // through the '['
  const std::string element_indent = indent + "  ";
  bool first = true;
  for (Json element; next(element); first = false) {
    out += first ? "\n" : ",\n";
    out += element_indent;
    const std::string dumped = dump(element);
    for (size_t start = 0, end; start < dumped.size(); start = end + 1) {
      end = dumped.find('\n', start);
      if (end == std::string::npos) {
        out.append(dumped, start);
        break;
      }
      out.append(dumped, start, end - start + 1);
      out += element_indent;
    }
  }
  if (!first) out += "\n" + indent;
  out.append(text, at + member.size() - 1);  // the ']' and the rest
  return out;
}

}  // namespace pgward::reporters
