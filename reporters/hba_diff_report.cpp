#include "reporters/hba_diff_report.h"

#include <map>

#include "reporters/json_report.h"
#include "reporters/json_writer.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

std::string ConnectionText(const std::string& connection) {
  if (connection == "local") return "local (Unix socket)";
  if (connection == "tcp_plaintext") return "plaintext TCP";
  if (connection == "tcp_tls") return "TLS";
  if (connection == "tcp_gssenc") return "GSSAPI-encrypted TCP";
  return connection;
}

std::string Join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::string LineText(const std::optional<DecidingLine>& line) {
  if (!line) return "no line (implicit reject)";
  std::string text = line->file + ":" + std::to_string(line->line) + " " + line->method;
  if (!line->clientcert.empty()) text += " clientcert=" + line->clientcert;
  return text;
}

std::string Where(const Finding& finding) {
  if (!finding.location) return finding.target;
  return finding.location->file + ":" + std::to_string(finding.location->line);
}

std::map<std::string, const RuleInfo*> RulesById(const HbaDiffReport& report) {
  std::map<std::string, const RuleInfo*> rules;
  for (const RuleInfo& rule : report.rules) rules.emplace(rule.id, &rule);
  return rules;
}

std::string Counts(const HbaDiffReport& report) {
  return std::to_string(report.changes.size()) +
         " access change(s); findings: " + std::to_string(report.new_findings.size()) + " new, " +
         std::to_string(report.fixed_findings.size()) + " fixed, " +
         std::to_string(report.unchanged_findings) + " unchanged";
}

std::string LoadWarning(const HbaDiffReport& report) {
  std::string text;
  if (!report.head_loads) {
    text +=
        "the new version has a line the server refuses: a reload keeps the old rules and a "
        "restart fails. ";
  }
  if (!report.base_loads) text += "The old version has a line the server refuses. ";
  return text;
}

// ---- Markdown: user text in code spans, so that no markup or link of the file renders -------

std::string Code(std::string_view text) {
  std::string safe = Printable(text);
  for (char& c : safe) {
    if (c == '`') c = '\'';
  }
  std::string escaped;
  for (char c : safe) {
    if (c == '|') escaped += '\\';  // inside a table cell, even in a code span
    escaped += c;
  }
  return "`" + escaped + "`";
}

std::string CodeList(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + Code(item);
  return text;
}

std::string MarkdownLine(const std::optional<DecidingLine>& line) {
  if (!line) return "no line";
  std::string text = Code(line->file + ":" + std::to_string(line->line)) + " " + Code(line->method);
  if (!line->clientcert.empty()) text += " " + Code("clientcert=" + line->clientcert);
  return text;
}

void WriteLine(JsonWriter& json, const std::optional<DecidingLine>& line) {
  if (!line) {
    json.Null();
    return;
  }
  json.BeginObject();
  json.Member("file", line->file);
  json.IntMember("line", line->line);
  json.Member("method", line->method);
  json.Key("clientcert");
  json.StringOrNull(line->clientcert);
  json.EndObject();
}

// A finding the base had, failing worse in the head (a line the base could not decide).
std::string_view WorseNote(const Finding& finding) {
  return finding.baseline_state == BaselineState::kWorsened ? " (worse than in the base)" : "";
}

void WriteFindings(JsonWriter& json, const std::vector<Finding>& findings) {
  json.BeginArray();
  for (const Finding& finding : findings) {
    json.BeginObject();
    json.Member("rule_id", finding.rule_id);
    if (finding.baseline_state) {
      json.Member("baseline_state", BaselineStateName(*finding.baseline_state));
    }
    json.Member("severity", SeverityName(finding.severity));
    json.Member("message", finding.message);
    json.Key("location");
    WriteLocation(json, finding.location);
    json.Member("fingerprint", finding.fingerprint);
    json.EndObject();
  }
  json.EndArray();
}

}  // namespace

void WriteHbaDiffText(const HbaDiffReport& report, std::ostream& out) {
  const auto rules = RulesById(report);
  std::string text =
      "pgward hba diff " + Printable(report.base) + " -> " + Printable(report.head) + "\n";
  if (const std::string warning = LoadWarning(report); !warning.empty()) {
    text += "WARNING: " + warning + "\n";
  }
  text += "\nACCESS CHANGES\n";
  if (report.changes.empty()) text += "  none: every connection is decided as before\n";
  for (const AccessChangeView& change : report.changes) {
    std::string name = change.change;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    text += "  " + name + "  " + ConnectionText(change.connection) + "  databases " +
            Printable(Join(change.databases)) + "  users " + Printable(Join(change.users));
    if (!change.addresses.empty()) text += "  from " + Printable(Join(change.addresses));
    text += "\n      was " + Printable(LineText(change.base)) + "; now " +
            Printable(LineText(change.head)) + "\n";
  }
  const auto findings = [&](const char* title, const std::vector<Finding>& list, bool fix) {
    if (list.empty()) return;
    text += std::string("\n") + title + "\n";
    for (const Finding& finding : list) {
      text += "  " + Printable(finding.rule_id) + "  " +
              std::string(SeverityName(finding.severity)) + "  " + Printable(Where(finding)) +
              "  " + Printable(finding.message) + std::string(WorseNote(finding)) + "\n";
      const auto rule = rules.find(finding.rule_id);
      if (fix && rule != rules.end() && !rule->second->remediation.empty()) {
        text += "      fix: " + Printable(rule->second->remediation) + "\n";
      }
    }
  };
  findings("NEW FINDINGS", report.new_findings, true);
  findings("FIXED FINDINGS", report.fixed_findings, false);
  if (!report.errors.empty()) {
    text += "\nNOT READ (the comparison is incomplete)\n";
    for (const std::string& error : report.errors) text += "  " + Printable(error) + "\n";
  }
  text += "\n" + Counts(report) + "\n";
  out << text;
}

void WriteHbaDiffMarkdown(const HbaDiffReport& report, std::ostream& out) {
  const auto rules = RulesById(report);
  std::string text = "### pgward: " + Code(report.head) + " against " + Code(report.base) + "\n\n";
  if (const std::string warning = LoadWarning(report); !warning.empty()) {
    text += "> **Warning:** " + warning + "\n\n";
  }
  text += "#### Access changes\n\n";
  if (report.changes.empty()) {
    text += "None: every connection is decided as before.\n\n";
  } else {
    text +=
        "| change | connection | databases | users | from | before | after |\n"
        "|---|---|---|---|---|---|---|\n";
    for (const AccessChangeView& change : report.changes) {
      text += "| **" + change.change + "** | " + ConnectionText(change.connection) + " | " +
              CodeList(change.databases) + " | " + CodeList(change.users) + " | " +
              (change.addresses.empty() ? "" : CodeList(change.addresses)) + " | " +
              MarkdownLine(change.base) + " | " + MarkdownLine(change.head) + " |\n";
    }
    text += "\n";
  }
  text += "#### New findings\n\n";
  if (report.new_findings.empty()) text += "None.\n\n";
  for (const Finding& finding : report.new_findings) {
    text += "- **" + std::string(SeverityName(finding.severity)) + "** " + Code(finding.rule_id) +
            " at " + Code(Where(finding)) + ": " + Code(finding.message) +
            std::string(WorseNote(finding)) + "\n";
    const auto rule = rules.find(finding.rule_id);
    if (rule != rules.end() && !rule->second->remediation.empty()) {
      text += "  - fix: " + Code(rule->second->remediation) + "\n";
    }
  }
  if (!report.new_findings.empty()) text += "\n";
  if (!report.errors.empty()) {
    text += "#### Not read: the comparison is incomplete\n\n";
    for (const std::string& error : report.errors) text += "- " + Code(error) + "\n";
    text += "\n";
  }
  text += Counts(report) + ".\n";
  out << text;
}

void WriteHbaDiffJson(const HbaDiffReport& report, std::ostream& out) {
  JsonWriter json(out);
  json.BeginObject();
  json.Member("base", report.base);
  json.Member("head", report.head);
  json.Key("base_loads");
  json.Bool(report.base_loads);
  json.Key("head_loads");
  json.Bool(report.head_loads);
  json.Key("access_changes");
  json.BeginArray();
  for (const AccessChangeView& change : report.changes) {
    json.BeginObject();
    json.Member("change", change.change);
    json.Member("connection", change.connection);
    json.Key("databases");
    json.Strings(change.databases);
    json.Key("users");
    json.Strings(change.users);
    json.Key("addresses");
    json.Strings(change.addresses);
    json.Key("base");
    WriteLine(json, change.base);
    json.Key("head");
    WriteLine(json, change.head);
    json.EndObject();
  }
  json.EndArray();
  json.Key("findings");
  json.BeginObject();
  json.Key("new");
  WriteFindings(json, report.new_findings);
  json.Key("fixed");
  WriteFindings(json, report.fixed_findings);
  json.IntMember("unchanged", static_cast<std::int64_t>(report.unchanged_findings));
  json.EndObject();
  json.Key("errors");
  json.Strings(report.errors);
  json.IntMember("exit_code", report.exit_code);
  json.EndObject();
  json.Flush();
  out << "\n";
}

}  // namespace pgward::reporters
