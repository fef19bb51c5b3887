#include "reporters/json_report.h"

#include <array>
#include <map>
#include <string>
#include <unordered_map>

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

void WriteCompliance(JsonWriter& json, const Compliance& compliance) {
  json.BeginObject();
  for (const auto& [framework, ids] : compliance) {
    json.Key(JsonKey::Text(framework));
    json.Strings(ids);
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

// The keys of each fact type's fields, made once for all the findings about that type.
class SubjectKeys {
 public:
  const std::vector<JsonKey>& Of(const FactTypeSpec& spec) {
    const auto [entry, added] = keys_.try_emplace(&spec);
    if (added) {
      for (const FieldSpec& field : spec.fields) entry->second.push_back(JsonKey::Text(field.name));
    }
    return entry->second;
  }

 private:
  std::unordered_map<const FactTypeSpec*, std::vector<JsonKey>> keys_;
};

void WriteSubject(JsonWriter& json, const std::optional<FindingSubject>& subject,
                  SubjectKeys& subject_keys) {
  if (!subject) {
    json.Null();
    return;
  }
  json.BeginObject();
  const FactTable& table = subject->table();
  const std::vector<JsonKey>& keys = subject_keys.Of(table.spec());
  FieldWriter value(json);
  for (size_t field = 0; field < keys.size(); ++field) {
    if (!subject->Shows(field)) continue;
    json.Key(keys[field]);
    VisitField(table, subject->row, field, value);
  }
  json.EndObject();
}

void WriteFinding(JsonWriter& json, const Finding& finding, const Compliance& compliance,
                  SubjectKeys& subject_keys) {
  json.BeginOneLineObject();
  json.Member("rule_id", finding.rule_id);
  json.Member("severity", SeverityName(finding.severity));
  json.Member("status", FindingStatusName(finding.status));
  json.Member("message", finding.message);
  json.Member("target", finding.target);
  json.Key("location");
  WriteLocation(json, finding.location);
  json.Key("subject");
  WriteSubject(json, finding.subject, subject_keys);
  json.IntMember("count", finding.count);
  json.Key("sample_pids");
  json.BeginArray();
  for (const std::int64_t pid : finding.sample_pids) json.Int(pid);
  json.EndArray();
  json.Member("fingerprint", finding.fingerprint);
  json.Key("compliance");
  WriteCompliance(json, compliance);
  json.Key("waiver");
  if (finding.waiver) {
    json.BeginObject();
    json.Member("justification", finding.waiver->justification);
    json.Member("owner", finding.waiver->owner);
    json.Member("expires", finding.waiver->expires);
    json.Member("source", finding.waiver->source);
    json.EndObject();
  } else {
    json.Null();
  }
  json.Key("note");
  json.OptionalString(finding.note);
  json.Key("baseline_state");
  if (finding.baseline_state) {
    json.String(BaselineStateName(*finding.baseline_state));
  } else {
    json.Null();
  }
  json.EndObject();
}

void WriteSummary(JsonWriter& json, const ScanReport& report) {
  std::map<Severity, std::int64_t> by_severity;
  std::map<FindingStatus, std::int64_t> by_status;
  for (const Finding& finding : report.findings) {
    ++by_severity[finding.severity];
    ++by_status[finding.status];
  }
  const CheckTally tally = TallyChecks(CheckResults(report));
  json.BeginObject();
  json.IntMember("findings", static_cast<std::int64_t>(report.findings.size()));
  json.Key("by_severity");
  json.BeginObject();
  for (const Severity severity : kSeverities) {
    json.IntMember(JsonKey::Text(SeverityName(severity)), by_severity[severity]);
  }
  json.EndObject();
  json.Key("by_status");
  json.BeginObject();
  for (const FindingStatus status : kStatuses) {
    json.IntMember(JsonKey::Text(FindingStatusName(status)), by_status[status]);
  }
  json.EndObject();
  json.IntMember("checks", static_cast<std::int64_t>(tally.checks));
  json.IntMember("checks_passed", static_cast<std::int64_t>(tally.passed));
  json.IntMember("checks_failed", static_cast<std::int64_t>(tally.failed));
  json.IntMember("checks_errors", static_cast<std::int64_t>(tally.errors));
  json.IntMember("checks_waived", static_cast<std::int64_t>(tally.waived));
  json.IntMember("evidence_errors", static_cast<std::int64_t>(report.errors.size()));
  json.Key("complete");
  json.Bool(report.errors.empty() && by_status[FindingStatus::kError] == 0);
  json.EndObject();
}

void WriteRule(JsonWriter& json, const RuleInfo& rule) {
  json.BeginObject();
  json.Member("id", rule.id);
  json.Member("title", rule.title);
  json.Member("description", rule.description);
  json.Member("severity", SeverityName(rule.severity));
  json.Key("variant_severities");
  json.BeginArray();
  for (const Severity severity : rule.variant_severities) json.String(SeverityName(severity));
  json.EndArray();
  json.Member("target", rule.target);
  json.Member("remediation", rule.remediation);
  json.Key("compliance");
  WriteCompliance(json, rule.compliance);
  json.Key("references");
  json.Strings(rule.references);
  json.Member("policy", rule.policy);
  json.EndObject();
}

void WriteInvocation(JsonWriter& json, const Invocation& invocation) {
  json.BeginObject();
  json.Key("arguments");
  json.Strings(invocation.arguments);
  json.Key("started_at");
  json.StringOrNull(invocation.started_at);
  json.Key("finished_at");
  json.StringOrNull(invocation.finished_at);
  json.Key("user");
  json.StringOrNull(invocation.user);
  json.Key("host");
  json.StringOrNull(invocation.host);
  json.IntMember("exit_code", invocation.exit_code);
  json.Member("fail_on", FailOnName(invocation.fail_on));
  json.Key("baseline");
  json.StringOrNull(invocation.baseline);
  json.Key("fail_on_new");
  json.Bool(invocation.fail_on_new);
  json.Key("duration_seconds");
  if (invocation.duration_seconds) {
    json.Value(*invocation.duration_seconds);
  } else {
    json.Null();
  }
  json.Key("shard");
  if (invocation.shard) {
    json.BeginObject();
    json.IntMember("index", static_cast<std::int64_t>(invocation.shard->index));
    json.IntMember("count", static_cast<std::int64_t>(invocation.shard->count));
    json.EndObject();
  } else {
    json.Null();
  }
  json.EndObject();
}

// What the run saw beside its findings (the metrics' sessions, certificates, probe and hba
// exposure), so that a report read back (report merge) still has it.
void WriteObservations(JsonWriter& json, const Observations& observations) {
  json.BeginObject();
  json.Key("sessions");
  json.BeginArray();
  for (const Observations::Sessions& sessions : observations.sessions) {
    json.BeginObject();
    json.Member("target", sessions.target);
    json.Member("encryption", sessions.encryption);
    json.Member("protocol", sessions.protocol);
    json.IntMember("count", sessions.count);
    json.EndObject();
  }
  json.EndArray();
  json.Key("certificates");
  json.BeginArray();
  for (const Observations::Certificate& certificate : observations.certificates) {
    json.BeginObject();
    json.Member("target", certificate.target);
    json.Member("subject", certificate.subject);
    json.Member("serial", certificate.serial);
    json.Member("not_after", FormatTimestamp(certificate.not_after));
    json.EndObject();
  }
  json.EndArray();
  json.Key("probe_protocols");
  json.BeginArray();
  for (const Observations::ProbeProtocol& protocol : observations.probe_protocols) {
    json.BeginObject();
    json.Member("target", protocol.target);
    json.Member("protocol", protocol.protocol);
    json.Key("accepted");
    json.Bool(protocol.accepted);
    json.EndObject();
  }
  json.EndArray();
  json.Key("hba");
  json.BeginArray();
  for (const Observations::HbaExposure& exposure : observations.hba) {
    json.BeginObject();
    json.Member("target", exposure.target);
    json.Key("plaintext_reachable");
    json.Bool(exposure.plaintext_reachable);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void WriteDocument(JsonWriter& json, const ScanReport& report) {
  json.BeginObject();
  json.Member("report_version", kJsonReportVersion);
  json.Key("tool");
  json.BeginObject();
  json.Member("name", "pgward");
  json.Member("version", kVersion);
  json.Member("information_uri", kInformationUri);
  json.EndObject();
  json.Key("invocation");
  WriteInvocation(json, report.invocation);
  json.Key("summary");
  WriteSummary(json, report);
  json.Key("targets");
  json.Strings(report.targets);
  json.Key("servers");
  json.BeginArray();
  for (const ServerInfo& server : report.servers) {
    json.BeginObject();
    json.Member("name", server.name);
    json.Key("host");
    json.OptionalString(server.host);
    json.Key("port");
    json.OptionalInt(server.port);
    json.Key("version");
    json.OptionalInt(server.version);
    json.Key("collected_at");
    json.StringOrNull(server.collected_at);
    json.EndObject();
  }
  json.EndArray();
  json.Key("rules");
  json.BeginArray();
  std::map<std::string_view, const Compliance*> compliance_of;
  for (const RuleInfo& rule : report.rules) {
    WriteRule(json, rule);
    compliance_of.emplace(rule.id, &rule.compliance);
  }
  json.EndArray();
  json.Key("frameworks");
  json.BeginArray();
  for (const FrameworkInfo& framework : report.frameworks) {
    json.BeginObject();
    json.Member("id", framework.id);
    json.Member("title", framework.title);
    json.Member("version", framework.version);
    json.Member("organization", framework.organization);
    json.EndObject();
  }
  json.EndArray();
  json.Key("findings");
  json.BeginArray();
  const Compliance none;
  SubjectKeys subject_keys;
  for (size_t i = 0; i < report.findings.size(); ++i) {
    // The subject a few findings on, fetched while this one is written.
    constexpr size_t kFetchedAhead = 8;
    if (i + kFetchedAhead < report.findings.size()) {
      if (const auto& ahead = report.findings[i + kFetchedAhead].subject) {
        ahead->table().PrefetchRow(ahead->row);
      }
    }
    const Finding& finding = report.findings[i];
    const auto compliance = compliance_of.find(finding.rule_id);
    WriteFinding(json, finding, compliance == compliance_of.end() ? none : *compliance->second,
                 subject_keys);
  }
  json.EndArray();
  json.Key("absent");
  json.BeginArray();
  for (const Finding& finding : report.absent) {
    const auto compliance = compliance_of.find(finding.rule_id);
    WriteFinding(json, finding, compliance == compliance_of.end() ? none : *compliance->second,
                 subject_keys);
  }
  json.EndArray();
  json.Key("checks");
  json.BeginArray();
  for (const RuleCheck& check : report.checks) {
    json.BeginObject();
    json.Member("rule_id", check.rule_id);
    json.Member("target", check.target);
    json.IntMember("facts_checked", static_cast<std::int64_t>(check.facts_checked));
    json.IntMember("failures", static_cast<std::int64_t>(check.failures));
    json.IntMember("errors", static_cast<std::int64_t>(check.errors));
    json.EndObject();
  }
  json.EndArray();
  json.Key("errors");
  json.BeginArray();
  for (const EvidenceError& error : report.errors) {
    json.BeginObject();
    json.Member("target", error.target);
    json.Member("message", error.message);
    json.Key("location");
    WriteLocation(json, error.location);
    json.EndObject();
  }
  json.EndArray();
  json.Key("artifacts");
  json.BeginArray();
  for (const Artifact& artifact : report.artifacts) {
    json.BeginObject();
    json.Member("path", artifact.path);
    json.Member("sha256", artifact.sha256);
    json.EndObject();
  }
  json.EndArray();
  json.Key("warnings");
  json.Strings(report.warnings);
  json.Key("observations");
  WriteObservations(json, report.observations);
  json.EndObject();
}

}  // namespace

void WriteLocation(JsonWriter& json, const std::optional<SourceLocation>& location) {
  if (!location) {
    json.Null();
    return;
  }
  json.BeginObject();
  json.Member("file", location->file);
  json.IntMember("line", location->line);
  json.EndObject();
}

void WriteJsonReport(const ScanReport& report, std::ostream& out) {
  {
    JsonWriter json(out);
    WriteDocument(json, report);
  }
  out << '\n';
}

}  // namespace pgward::reporters
