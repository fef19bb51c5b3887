#include "reporters/json_report.h"

#include <array>
#include <map>
#include <string>

#include "engine/model/fact_format.h"
#include "pgward/version.h"
#include "reporters/json_writer.h"

namespace pgward::reporters {
namespace {

using Compliance = std::map<std::string, std::vector<std::string>>;

constexpr std::array kSeverities = {Severity::kCritical, Severity::kHigh, Severity::kMedium,
                                    Severity::kLow, Severity::kInfo};
constexpr std::array kStatuses = {FindingStatus::kFail, FindingStatus::kWaived,
                                  FindingStatus::kError};

void WriteStrings(JsonWriter& json, const std::vector<std::string>& values) {
  json.BeginArray();
  for (const std::string& value : values) json.String(value);
  json.EndArray();
}

void WriteLocation(JsonWriter& json, const std::optional<SourceLocation>& location) {
  if (!location) {
    json.Null();
    return;
  }
  json.BeginObject();
  json.Key("file");
  json.String(location->file);
  json.Key("line");
  json.Int(location->line);
  json.EndObject();
}

void WriteCompliance(JsonWriter& json, const Compliance& compliance) {
  json.BeginObject();
  for (const auto& [framework, ids] : compliance) {
    json.Key(framework);
    WriteStrings(json, ids);
  }
  json.EndObject();
}

// A fact field's value, written where the writer stands.
class FieldWriter final : public FieldVisitor {
 public:
  explicit FieldWriter(JsonWriter& json) : json_(json) {}
  void Absent() override { json_.Null(); }
  void Text(std::string_view text) override { json_.String(text); }
  void Integer(std::int64_t value) override { json_.Int(value); }
  void Bool(bool value) override { json_.Bool(value); }
  void List(std::span<const ValueId> strings, const ValuePool& pool) override {
    json_.BeginArray();
    for (const ValueId element : strings) json_.String(pool.String(element));
    json_.EndArray();
  }

 private:
  JsonWriter& json_;
};

void WriteSubject(JsonWriter& json, const std::optional<FindingSubject>& subject) {
  if (!subject) {
    json.Null();
    return;
  }
  json.BeginObject();
  const FactTable& table = subject->table();
  FieldWriter value(json);
  for (const size_t field : subject->Fields()) {
    json.Key(table.spec().fields[field].name);
    VisitField(table, subject->row, field, value);
  }
  json.EndObject();
}

void WriteFinding(JsonWriter& json, const Finding& finding, const Compliance& compliance) {
  json.BeginObject();
  json.Key("rule_id");
  json.String(finding.rule_id);
  json.Key("severity");
  json.String(SeverityName(finding.severity));
  json.Key("status");
  json.String(FindingStatusName(finding.status));
  json.Key("message");
  json.String(finding.message);
  json.Key("target");
  json.String(finding.target);
  json.Key("location");
  WriteLocation(json, finding.location);
  json.Key("subject");
  WriteSubject(json, finding.subject);
  json.Key("count");
  json.Int(finding.count);
  json.Key("sample_pids");
  json.BeginArray();
  for (const std::int64_t pid : finding.sample_pids) json.Int(pid);
  json.EndArray();
  json.Key("fingerprint");
  json.String(finding.fingerprint);
  json.Key("compliance");
  WriteCompliance(json, compliance);
  json.Key("waiver");
  if (finding.waiver) {
    json.BeginObject();
    json.Key("justification");
    json.String(finding.waiver->justification);
    json.Key("owner");
    json.String(finding.waiver->owner);
    json.Key("expires");
    json.String(finding.waiver->expires);
    json.Key("source");
    json.String(finding.waiver->source);
    json.EndObject();
  } else {
    json.Null();
  }
  json.Key("note");
  json.OptionalString(finding.note);
  json.EndObject();
}

void WriteSummary(JsonWriter& json, const ScanReport& report) {
  std::map<Severity, std::int64_t> by_severity;
  std::map<FindingStatus, std::int64_t> by_status;
  for (const Finding& finding : report.findings) {
    ++by_severity[finding.severity];
    ++by_status[finding.status];
  }
  std::int64_t passed = 0;
  for (const RuleCheck& check : report.checks) {
    if (check.failures == 0 && check.errors == 0) ++passed;
  }
  json.BeginObject();
  json.Key("findings");
  json.Int(static_cast<std::int64_t>(report.findings.size()));
  json.Key("by_severity");
  json.BeginObject();
  for (const Severity severity : kSeverities) {
    json.Key(SeverityName(severity));
    json.Int(by_severity[severity]);
  }
  json.EndObject();
  json.Key("by_status");
  json.BeginObject();
  for (const FindingStatus status : kStatuses) {
    json.Key(FindingStatusName(status));
    json.Int(by_status[status]);
  }
  json.EndObject();
  json.Key("checks");
  json.Int(static_cast<std::int64_t>(report.checks.size()));
  json.Key("checks_passed");
  json.Int(passed);
  json.Key("evidence_errors");
  json.Int(static_cast<std::int64_t>(report.errors.size()));
  json.Key("complete");
  json.Bool(report.errors.empty() && by_status[FindingStatus::kError] == 0);
  json.EndObject();
}

void WriteRule(JsonWriter& json, const RuleInfo& rule) {
  json.BeginObject();
  json.Key("id");
  json.String(rule.id);
  json.Key("title");
  json.String(rule.title);
  json.Key("description");
  json.String(rule.description);
  json.Key("severity");
  json.String(SeverityName(rule.severity));
  json.Key("target");
  json.String(rule.target);
  json.Key("remediation");
  json.String(rule.remediation);
  json.Key("compliance");
  WriteCompliance(json, rule.compliance);
  json.Key("references");
  WriteStrings(json, rule.references);
  json.Key("policy");
  json.String(rule.policy);
  json.EndObject();
}

void WriteInvocation(JsonWriter& json, const Invocation& invocation) {
  json.BeginObject();
  json.Key("arguments");
  WriteStrings(json, invocation.arguments);
  json.Key("started_at");
  if (invocation.started_at.empty()) {
    json.Null();
  } else {
    json.String(invocation.started_at);
  }
  json.Key("finished_at");
  if (invocation.finished_at.empty()) {
    json.Null();
  } else {
    json.String(invocation.finished_at);
  }
  json.Key("exit_code");
  json.Int(invocation.exit_code);
  json.Key("fail_on");
  json.String(SeverityName(invocation.fail_on));
  json.EndObject();
}

void WriteDocument(JsonWriter& json, const ScanReport& report) {
  json.BeginObject();
  json.Key("report_version");
  json.String(kJsonReportVersion);
  json.Key("tool");
  json.BeginObject();
  json.Key("name");
  json.String("pgward");
  json.Key("version");
  json.String(kVersion);
  json.Key("information_uri");
  json.String(kInformationUri);
  json.EndObject();
  json.Key("invocation");
  WriteInvocation(json, report.invocation);
  json.Key("summary");
  WriteSummary(json, report);
  json.Key("targets");
  WriteStrings(json, report.targets);
  json.Key("rules");
  json.BeginArray();
  std::map<std::string_view, const Compliance*> compliance_of;
  for (const RuleInfo& rule : report.rules) {
    WriteRule(json, rule);
    compliance_of.emplace(rule.id, &rule.compliance);
  }
  json.EndArray();
  json.Key("findings");
  json.BeginArray();
  const Compliance none;
  for (const Finding& finding : report.findings) {
    const auto compliance = compliance_of.find(finding.rule_id);
    WriteFinding(json, finding, compliance == compliance_of.end() ? none : *compliance->second);
  }
  json.EndArray();
  json.Key("checks");
  json.BeginArray();
  for (const RuleCheck& check : report.checks) {
    json.BeginObject();
    json.Key("rule_id");
    json.String(check.rule_id);
    json.Key("target");
    json.String(check.target);
    json.Key("facts_checked");
    json.Int(static_cast<std::int64_t>(check.facts_checked));
    json.Key("failures");
    json.Int(static_cast<std::int64_t>(check.failures));
    json.Key("errors");
    json.Int(static_cast<std::int64_t>(check.errors));
    json.EndObject();
  }
  json.EndArray();
  json.Key("errors");
  json.BeginArray();
  for (const EvidenceError& error : report.errors) {
    json.BeginObject();
    json.Key("target");
    json.String(error.target);
    json.Key("message");
    json.String(error.message);
    json.Key("location");
    WriteLocation(json, error.location);
    json.EndObject();
  }
  json.EndArray();
  json.Key("artifacts");
  json.BeginArray();
  for (const Artifact& artifact : report.artifacts) {
    json.BeginObject();
    json.Key("path");
    json.String(artifact.path);
    json.Key("sha256");
    json.String(artifact.sha256);
    json.EndObject();
  }
  json.EndArray();
  json.Key("warnings");
  WriteStrings(json, report.warnings);
  json.EndObject();
}

}  // namespace

void WriteJsonReport(const ScanReport& report, std::ostream& out) {
  {
    JsonWriter json(out);
    WriteDocument(json, report);
  }
  out << '\n';
}

}  // namespace pgward::reporters
