#include "engine/findings/report_reader.h"

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <tuple>

#include "engine/core/input_file.h"
#include "engine/model/fact_format.h"
#include "engine/model/fact_schema.h"

namespace pgward {
namespace {

using nlohmann::json;

// Thrown inside the reader only, with the member at fault; ReadJsonReport turns it into its
// error value.
struct BadMember {
  std::string message;
};

// A member of the document with the path that leads to it, for errors that name it.
class Member {
 public:
  Member(const json& value, std::string path) : value_(value), path_(std::move(path)) {}

  const json& value() const { return value_; }
  bool IsNull() const { return value_.is_null(); }
  [[noreturn]] void Fail(const std::string& expected) const {
    throw BadMember{Name() + ": must be " + expected};
  }

  // Members added after the first version of the format may be missing: `optional`.
  Member Get(const char* key, bool optional = false) const {
    static const json kNull;
    if (!value_.is_object()) Fail("an object");
    const std::string path = path_.empty() ? key : path_ + "." + key;
    const auto it = value_.find(key);
    if (it != value_.end()) return Member(*it, path);
    if (!optional) throw BadMember{Name() + ": has no member '" + key + "'"};
    return Member(kNull, path);
  }
  std::vector<Member> Elements() const {
    if (!value_.is_array()) Fail("an array");
    std::vector<Member> elements;
    elements.reserve(value_.size());
    for (size_t i = 0; i < value_.size(); ++i) {
      elements.emplace_back(value_[i], path_ + "[" + std::to_string(i) + "]");
    }
    return elements;
  }
  std::string Text() const {
    if (!value_.is_string()) Fail("a string");
    return value_.get<std::string>();
  }
  std::string TextOrEmpty() const { return IsNull() ? std::string() : Text(); }
  std::int64_t Integer() const {
    if (!value_.is_number_integer()) Fail("an integer");
    return value_.get<std::int64_t>();
  }
  size_t Count() const {
    const std::int64_t number = Integer();
    if (number < 0) Fail("a count, 0 or more");
    return static_cast<size_t>(number);
  }
  bool Bool() const {
    if (!value_.is_boolean()) Fail("true or false");
    return value_.get<bool>();
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> texts;
    for (const Member& element : Elements()) texts.push_back(element.Text());
    return texts;
  }
  Severity AsSeverity() const {
    const std::optional<Severity> severity = ParseSeverity(Text());
    if (!severity) Fail("a severity: info, low, medium, high or critical");
    return *severity;
  }

 private:
  std::string Name() const { return path_.empty() ? "the document" : path_; }

  const json& value_;
  std::string path_;
};

std::optional<SourceLocation> ReadLocation(const Member& member) {
  if (member.IsNull()) return std::nullopt;
  const std::int64_t line = member.Get("line").Integer();
  if (line < 0 || line > INT32_MAX) member.Get("line").Fail("a line number");
  return SourceLocation{member.Get("file").Text(), static_cast<int>(line)};
}

std::map<std::string, std::vector<std::string>> ReadCompliance(const Member& member) {
  if (!member.value().is_object()) member.Fail("an object");
  std::map<std::string, std::vector<std::string>> compliance;
  for (const auto& [framework, ids] : member.value().items()) {
    compliance[framework] = member.Get(framework.c_str()).Texts();
  }
  return compliance;
}

// A finding's subject becomes a row of the report's own facts, of the kind its rule ranges over.
// Fields a folded finding leaves out (the volatile ones) are missing, and it is marked so.
std::optional<FindingSubject> ReadSubject(const Member& member, FactKind kind,
                                          const std::shared_ptr<FactSet>& facts) {
  if (member.IsNull()) return std::nullopt;
  if (!member.value().is_object()) member.Fail("an object");
  FactTable& table = facts->table(kind);
  const size_t row = table.AppendRow();
  const FactTypeSpec& spec = table.spec();
  for (const auto& [name, value] : member.value().items()) {
    const Member field_member = member.Get(name.c_str());
    const std::optional<size_t> field = spec.FieldIndex(name);
    if (!field) field_member.Fail("a field of " + std::string(spec.name) + " facts");
    if (value.is_null()) continue;
    if (spec.fields[*field].type == FieldType::kStringList) {
      table.SetStringList(row, *field, field_member.Texts());
      continue;
    }
    const std::string text = value.is_string()           ? value.get<std::string>()
                             : value.is_boolean()        ? (value.get<bool>() ? "true" : "false")
                             : value.is_number_integer() ? std::to_string(value.get<std::int64_t>())
                                                         : std::string();
    if (!value.is_string() && !value.is_boolean() && !value.is_number_integer()) {
      field_member.Fail("a single value");
    }
    if (const std::optional<std::string> expected = SetFieldFromText(table, row, *field, text)) {
      field_member.Fail(*expected);
    }
  }
  // A folded finding leaves out every volatile field; a report written before a volatile field
  // was added lacks that one only, and keeps the others.
  bool has_volatile = false, any_volatile_written = false;
  for (const FieldSpec& field : spec.fields) {
    if (!field.is_volatile) continue;
    has_volatile = true;
    any_volatile_written = any_volatile_written || member.value().contains(field.name);
  }
  const bool omits_volatile = has_volatile && !any_volatile_written;
  return FindingSubject{facts, kind, row, omits_volatile};
}

Finding ReadFinding(const Member& member, const std::map<std::string, FactKind>& rule_kinds,
                    const std::shared_ptr<FactSet>& facts) {
  Finding finding;
  finding.rule_id = member.Get("rule_id").Text();
  finding.severity = member.Get("severity").AsSeverity();
  const std::string status = member.Get("status").Text();
  if (status == "fail") {
    finding.status = FindingStatus::kFail;
  } else if (status == "waived") {
    finding.status = FindingStatus::kWaived;
  } else if (status == "error") {
    finding.status = FindingStatus::kError;
  } else {
    member.Get("status").Fail("fail, waived or error");
  }
  finding.message = member.Get("message").Text();
  finding.target = member.Get("target").Text();
  finding.location = ReadLocation(member.Get("location"));
  const Member subject = member.Get("subject");
  if (!subject.IsNull()) {
    const auto kind = rule_kinds.find(finding.rule_id);
    if (kind == rule_kinds.end()) member.Get("rule_id").Fail("a rule of the report's rules");
    finding.subject = ReadSubject(subject, kind->second, facts);
  }
  finding.count = member.Get("count").Integer();
  for (const Member& pid : member.Get("sample_pids").Elements()) {
    finding.sample_pids.push_back(pid.Integer());
  }
  finding.fingerprint = member.Get("fingerprint").Text();
  if (const Member waiver = member.Get("waiver"); !waiver.IsNull()) {
    finding.waiver = std::make_shared<const WaiverNote>(
        WaiverNote{waiver.Get("justification").Text(), waiver.Get("owner").Text(),
                   waiver.Get("expires").Text(), waiver.Get("source").Text()});
  }
  if (const Member note = member.Get("note"); !note.IsNull()) finding.note = note.Text();
  if (const Member state = member.Get("baseline_state"); !state.IsNull()) {
    const std::string name = state.Text();
    for (const BaselineState candidate :
         {BaselineState::kNew, BaselineState::kUnchanged, BaselineState::kWorsened,
          BaselineState::kUpdated, BaselineState::kAbsent}) {
      if (BaselineStateName(candidate) == name) finding.baseline_state = candidate;
    }
    if (!finding.baseline_state) state.Fail("new, unchanged, worsened, updated or absent");
  }
  return finding;
}

Invocation ReadInvocation(const Member& member) {
  Invocation invocation;
  invocation.arguments = member.Get("arguments").Texts();
  invocation.started_at = member.Get("started_at").TextOrEmpty();
  invocation.finished_at = member.Get("finished_at").TextOrEmpty();
  invocation.user = member.Get("user", true).TextOrEmpty();
  invocation.host = member.Get("host", true).TextOrEmpty();
  invocation.exit_code = static_cast<int>(member.Get("exit_code").Integer());
  if (const std::string fail_on = member.Get("fail_on").Text(); fail_on == "never") {
    invocation.fail_on = std::nullopt;
  } else {
    invocation.fail_on = member.Get("fail_on").AsSeverity();
  }
  invocation.baseline = member.Get("baseline").TextOrEmpty();
  invocation.fail_on_new = member.Get("fail_on_new").Bool();
  if (const Member duration = member.Get("duration_seconds", true); !duration.IsNull()) {
    if (!duration.value().is_number()) duration.Fail("a number of seconds");
    invocation.duration_seconds = duration.value().get<double>();
  }
  if (const Member shard = member.Get("shard", true); !shard.IsNull()) {
    invocation.shard = Shard{shard.Get("index").Count(), shard.Get("count").Count()};
    if (invocation.shard->index >= invocation.shard->count) shard.Fail("INDEX < COUNT");
  }
  return invocation;
}

Observations ReadObservations(const Member& member) {
  Observations observations;
  if (member.IsNull()) return observations;
  for (const Member& entry : member.Get("sessions").Elements()) {
    observations.sessions.push_back({entry.Get("target").Text(), entry.Get("encryption").Text(),
                                     entry.Get("protocol").Text(), entry.Get("count").Integer()});
  }
  for (const Member& entry : member.Get("certificates").Elements()) {
    const std::optional<std::int64_t> not_after = ParseTimestamp(entry.Get("not_after").Text());
    if (!not_after) entry.Get("not_after").Fail("a time, YYYY-MM-DDTHH:MM:SSZ");
    observations.certificates.push_back({entry.Get("target").Text(), entry.Get("subject").Text(),
                                         entry.Get("serial").Text(), *not_after});
  }
  for (const Member& entry : member.Get("probe_protocols").Elements()) {
    observations.probe_protocols.push_back(
        {entry.Get("target").Text(), entry.Get("protocol").Text(), entry.Get("accepted").Bool()});
  }
  for (const Member& entry : member.Get("hba").Elements()) {
    observations.hba.push_back(
        {entry.Get("target").Text(), entry.Get("plaintext_reachable").Bool()});
  }
  return observations;
}

ScanReport ReadDocument(const Member& document) {
  if (!document.value().is_object() || !document.value().contains("report_version") ||
      document.Get("report_version").value() != "1") {
    throw BadMember{"not a pgward JSON report (report_version 1)"};
  }
  ScanReport report;
  report.invocation = ReadInvocation(document.Get("invocation"));
  report.targets = document.Get("targets").Texts();
  if (const Member servers = document.Get("servers", true); !servers.IsNull()) {
    for (const Member& member : servers.Elements()) {
      ServerInfo server;
      server.name = member.Get("name").Text();
      if (const Member host = member.Get("host"); !host.IsNull()) server.host = host.Text();
      for (auto [key, field, largest] : {std::tuple{"port", &server.port, std::int64_t{65535}},
                                         {"version", &server.version, std::int64_t{INT32_MAX}}}) {
        const Member number = member.Get(key);
        if (number.IsNull()) continue;
        const std::int64_t value = number.Integer();
        if (value < 0 || value > largest) number.Fail("a port or version number");
        *field = static_cast<int>(value);
      }
      // As every report writes it: a report read back writes what the schema takes.
      if (const Member time = member.Get("collected_at"); !time.IsNull()) {
        const std::optional<std::int64_t> seconds = ParseTimestamp(time.Text());
        if (!seconds) time.Fail("a time, YYYY-MM-DDTHH:MM:SSZ");
        server.collected_at = FormatTimestamp(*seconds);
      }
      report.servers.push_back(std::move(server));
    }
  }
  std::map<std::string, FactKind> rule_kinds;
  for (const Member& member : document.Get("rules").Elements()) {
    RuleInfo rule;
    rule.id = member.Get("id").Text();
    rule.title = member.Get("title").Text();
    rule.description = member.Get("description").Text();
    rule.severity = member.Get("severity").AsSeverity();
    if (const Member variants = member.Get("variant_severities", true); !variants.IsNull()) {
      for (const Member& severity : variants.Elements()) {
        rule.variant_severities.push_back(severity.AsSeverity());
      }
    }
    rule.target = member.Get("target").Text();
    const FactTypeSpec* type = FindFactType(rule.target);
    if (!type) member.Get("target").Fail("a fact type");
    rule_kinds[rule.id] = type->kind;
    rule.remediation = member.Get("remediation").Text();
    rule.compliance = ReadCompliance(member.Get("compliance"));
    rule.references = member.Get("references").Texts();
    rule.policy = member.Get("policy").Text();
    report.rules.push_back(std::move(rule));
  }
  if (const Member frameworks = document.Get("frameworks", true); !frameworks.IsNull()) {
    for (const Member& member : frameworks.Elements()) {
      report.frameworks.push_back({member.Get("id").Text(), member.Get("title").Text(),
                                   member.Get("version").Text(),
                                   member.Get("organization").Text()});
    }
  }
  const auto facts = std::make_shared<FactSet>();
  for (const Member& member : document.Get("findings").Elements()) {
    report.findings.push_back(ReadFinding(member, rule_kinds, facts));
  }
  if (const Member absent = document.Get("absent", true); !absent.IsNull()) {
    for (const Member& member : absent.Elements()) {
      report.absent.push_back(ReadFinding(member, rule_kinds, facts));
    }
  }
  for (const Member& member : document.Get("checks").Elements()) {
    report.checks.push_back({member.Get("rule_id").Text(), member.Get("target").Text(),
                             member.Get("facts_checked").Count(), member.Get("failures").Count(),
                             member.Get("errors").Count()});
  }
  for (const Member& member : document.Get("errors").Elements()) {
    report.errors.push_back({member.Get("target").Text(), member.Get("message").Text(),
                             ReadLocation(member.Get("location"))});
  }
  for (const Member& member : document.Get("artifacts").Elements()) {
    report.artifacts.push_back({member.Get("path").Text(), member.Get("sha256").Text()});
  }
  report.warnings = document.Get("warnings").Texts();
  report.observations = ReadObservations(document.Get("observations", true));
  return report;
}

}  // namespace

std::variant<ScanReport, std::string> ReadJsonReport(const std::string& path) {
  const InputFile file = ReadInputFile(path, kDefaultMaxInputBytes);
  if (file.error) return "cannot read " + path + ": " + *file.error;
  json document;
  try {
    document = json::parse(file.contents);
  } catch (const json::out_of_range&) {
    return path + ": not a pgward JSON report: a number too large to read";  // 1e999
  } catch (const json::parse_error& error) {
    // Where it stops being JSON (a report cut short ends at its last byte), as file:line:column.
    const std::string_view read(file.contents.data(),
                                std::min<std::size_t>(error.byte, file.contents.size()));
    const std::size_t line_start = read.rfind('\n');
    const std::size_t column =
        line_start == std::string_view::npos ? read.size() : read.size() - line_start - 1;
    return path + ":" + std::to_string(std::count(read.begin(), read.end(), '\n') + 1) + ":" +
           std::to_string(std::max<std::size_t>(column, 1)) + ": not JSON";
  } catch (const json::exception&) {
    return path + ": not JSON";
  }
  try {
    return ReadDocument(Member(document, ""));
  } catch (const BadMember& bad) {
    return path + ": " + bad.message;
  }
}

}  // namespace pgward
