#include "reporters/junit_report.h"

#include <map>
#include <set>
#include <string_view>

#include "engine/core/utf8.h"
#include "pgward/version.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

// XML 1.0 Char: TAB, LF, CR and U+0020 on, less surrogates and U+FFFE/U+FFFF. DEL and the C1
// controls are legal but drive terminals and trip XML 1.1 readers: they go too.
bool IsXmlChar(char32_t code_point) {
  if (code_point == 0x9 || code_point == 0xA || code_point == 0xD) return true;
  if (code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) return false;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
  return code_point != 0xFFFE && code_point != 0xFFFF && code_point <= 0x10FFFF;
}

// Printable ASCII: kept as it is, but for markup.
bool IsPlainAscii(char c) { return c >= 0x20 && c < 0x7F; }

// Appends `text` as XML character data: only valid UTF-8 made of XML characters, and markup
// escaped. In attributes, quotes are escaped and TAB, LF and CR become references, which
// attribute-value normalisation would otherwise turn into spaces.
void AppendEscaped(std::string& out, std::string_view text, bool attribute) {
  for (size_t i = 0; i < text.size();) {
    // Runs of printable ASCII without markup are copied at once.
    size_t plain = i;
    while (plain < text.size() && IsPlainAscii(text[plain]) && text[plain] != '&' &&
           text[plain] != '<' && text[plain] != '>' && text[plain] != '"' && text[plain] != '\'') {
      ++plain;
    }
    out.append(text, i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const Utf8Char next = NextUtf8(text, i);
    const char32_t code_point = next.code_point;
    const size_t length = next.length;
    if (!next.valid || !IsXmlChar(code_point)) {
      out += kReplacementCharacter;
      i += length;
      continue;
    }
    switch (code_point) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\'':
        out += attribute ? "&apos;" : "'";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out.append(text.substr(i, length));
    }
    i += length;
  }
}

// A body as CDATA, readable in CI logs; "]]>" would end the section, so it is split across two.
// Line ends become LF, as an XML reader would make them anyway.
void AppendCdata(std::string& out, std::string_view text) {
  out += "<![CDATA[";
  const size_t start = out.size();
  for (size_t i = 0; i < text.size();) {
    size_t plain = i;
    while (plain < text.size() && IsPlainAscii(text[plain])) ++plain;
    out.append(text, i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const Utf8Char next = NextUtf8(text, i);
    if (!next.valid || !IsXmlChar(next.code_point)) {
      out += kReplacementCharacter;
    } else if (next.code_point == '\r') {
      if (i + 1 == text.size() || text[i + 1] != '\n') out += '\n';
    } else {
      out.append(text.substr(i, next.length));
    }
    i += next.length;
  }
  constexpr std::string_view kSplit = "]]><![CDATA[";
  for (size_t end = out.find("]]>", start); end != std::string::npos;
       end = out.find("]]>", end + 2 + kSplit.size())) {
    out.insert(end + 2, kSplit);
  }
  out += "]]>";
}

void AppendAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  AppendEscaped(out, value, true);
  out += '"';
}

std::string Where(const std::optional<SourceLocation>& location, const std::string& target) {
  if (!location || location->file.empty()) return target;
  if (location->line <= 0) return location->file;
  return location->file + ":" + std::to_string(location->line);
}

std::string ComplianceText(const std::map<std::string, std::vector<std::string>>& compliance) {
  std::string text;
  for (const auto& [framework, controls] : compliance) {
    if (!text.empty()) text += "; ";
    text += framework;
    for (size_t i = 0; i < controls.size(); ++i) text += (i == 0 ? " " : ", ") + controls[i];
  }
  return text;
}

std::string WaiverText(const WaiverNote& waiver) {
  std::string text = waiver.justification;
  if (!waiver.expires.empty()) text += " (expires " + waiver.expires + ")";
  return text;
}

// An element with `type` and `message` attributes and a CDATA body: failure, error, skipped.
void AppendOutcome(std::string& out, std::string_view element, std::string_view type,
                   std::string_view message, std::string_view body) {
  out += "      <";
  out += element;
  if (!type.empty()) AppendAttribute(out, "type", type);
  AppendAttribute(out, "message", message);
  if (body.empty()) {
    out += "/>\n";
    return;
  }
  out += '>';
  AppendCdata(out, body);
  out += "</";
  out += element;
  out += ">\n";
}

enum class Outcome { kPass, kFailure, kError, kSkipped };

struct Testcase {
  std::string classname;
  std::string name;
  Outcome outcome = Outcome::kPass;
  std::string children;  // the outcome elements, already rendered
};

class SuiteBuilder {
 public:
  explicit SuiteBuilder(const ScanReport& report) : report_(report) {
    for (const RuleInfo& rule : report.rules) rules_.emplace(rule.id, &rule);
    std::set<std::string> targets(report.targets.begin(), report.targets.end());
    for (const RuleCheck& check : report.checks) {
      checks_.emplace(std::pair(check.target, check.rule_id), &check);
      targets.insert(check.target);
    }
    for (const Finding& finding : report.findings) {
      findings_[std::pair(finding.target, finding.rule_id)].push_back(&finding);
      targets.insert(finding.target);
    }
    for (const EvidenceError& error : report.errors) {
      errors_[error.target].push_back(&error);
      targets.insert(error.target);
    }
    targets_.assign(targets.begin(), targets.end());
  }

  const std::vector<std::string>& targets() const { return targets_; }

  // The rules with a testcase on `target`: every rule of the run, so that an audit sees each
  // control accounted for on each target.
  std::set<std::string> RuleIds(const std::string& target) const {
    std::set<std::string> rule_ids;
    for (const auto& [id, rule] : rules_) rule_ids.insert(id);
    for (auto it = checks_.lower_bound({target, ""});
         it != checks_.end() && it->first.first == target; ++it) {
      rule_ids.insert(it->first.second);
    }
    for (auto it = findings_.lower_bound({target, ""});
         it != findings_.end() && it->first.first == target; ++it) {
      rule_ids.insert(it->first.second);
    }
    return rule_ids;
  }

  // The files read for this target (the target itself, or the files its findings point at),
  // with their SHA-256: which file was checked.
  std::vector<const Artifact*> Artifacts(const std::string& target) const {
    std::set<std::string> files{target};
    for (auto it = findings_.lower_bound({target, ""});
         it != findings_.end() && it->first.first == target; ++it) {
      for (const Finding* finding : it->second) {
        if (finding->location) files.insert(finding->location->file);
      }
    }
    std::vector<const Artifact*> artifacts;
    for (const Artifact& artifact : report_.artifacts) {
      if (files.contains(artifact.path)) artifacts.push_back(&artifact);
    }
    return artifacts;
  }

  // With `render` false, the outcome only: the totals come before the testcases in the file.
  Testcase RuleTestcase(const std::string& target, const std::string& rule_id, bool render) const {
    const auto rule_it = rules_.find(rule_id);
    const RuleInfo* rule = rule_it == rules_.end() ? nullptr : rule_it->second;
    const std::string title = rule && !rule->title.empty() ? rule->title : rule_id;
    Testcase testcase{"pgward." + rule_id, title + " (" + target + ")", Outcome::kPass, ""};

    std::vector<const Finding*> failures, errors, waived;
    if (auto it = findings_.find({target, rule_id}); it != findings_.end()) {
      for (const Finding* finding : it->second) {
        switch (finding->status) {
          case FindingStatus::kFail:
            failures.push_back(finding);
            break;
          case FindingStatus::kError:
            errors.push_back(finding);
            break;
          case FindingStatus::kWaived:
            waived.push_back(finding);
            break;
        }
      }
    }
    if (!render) {
      testcase.outcome = !failures.empty() ? Outcome::kFailure
                         : !errors.empty() ? Outcome::kError
                         : !waived.empty() ? Outcome::kSkipped
                                           : NoFindingOutcome(target, rule_id);
      return testcase;
    }
    for (const Finding* finding : failures) {
      AppendOutcome(testcase.children, "failure", SeverityName(finding->severity), finding->message,
                    FailureBody(*finding, rule));
    }
    for (const Finding* finding : errors) {
      AppendOutcome(testcase.children, "error", "evidence-missing", finding->message,
                    Details(*finding, rule));
    }
    if (!failures.empty() || !errors.empty()) {
      testcase.outcome = failures.empty() ? Outcome::kError : Outcome::kFailure;
      // Jenkins takes a testcase with <skipped> as skipped whatever else it holds: waived
      // findings next to live failures are told in system-out instead.
      std::string waived_text;
      for (const Finding* finding : waived) {
        waived_text +=
            "waived: " + finding->message + " at " + Where(finding->location, finding->target);
        if (finding->waiver) waived_text += ": " + WaiverText(*finding->waiver);
        waived_text += "\n";
      }
      if (!waived_text.empty()) {
        testcase.children += "      <system-out>";
        AppendCdata(testcase.children, waived_text);
        testcase.children += "</system-out>\n";
      }
      return testcase;
    }
    if (!waived.empty()) {
      testcase.outcome = Outcome::kSkipped;
      for (const Finding* finding : waived) {
        const std::string justification =
            finding->waiver ? WaiverText(*finding->waiver) : "no justification recorded";
        std::string body = Details(*finding, rule);
        if (finding->waiver) {
          body += "waiver owner: " + finding->waiver->owner +
                  "\nwaiver expires: " + finding->waiver->expires +
                  "\nwaiver source: " + finding->waiver->source + "\n";
        }
        AppendOutcome(testcase.children, "skipped", "", "waived: " + justification, body);
      }
      return testcase;
    }
    testcase.outcome = NoFindingOutcome(target, rule_id);
    if (testcase.outcome == Outcome::kSkipped) {
      const std::string kind = rule && !rule->target.empty() ? rule->target : "matching";
      const std::string message = "not applicable: no " + kind + " evidence on this target";
      AppendOutcome(testcase.children, "skipped", "", message, "");
    }
    return testcase;
  }

  // A rule without findings on a target passed, unless it had nothing to check there.
  Outcome NoFindingOutcome(const std::string& target, const std::string& rule_id) const {
    const auto check = checks_.find({target, rule_id});
    return check == checks_.end() || check->second->facts_checked == 0 ? Outcome::kSkipped
                                                                       : Outcome::kPass;
  }

  Testcase EvidenceTestcase(const std::string& target) const {
    Testcase testcase{"pgward.evidence", "Evidence collection (" + target + ")", Outcome::kPass,
                      ""};
    if (auto it = errors_.find(target); it != errors_.end()) {
      testcase.outcome = Outcome::kError;
      for (const EvidenceError* error : it->second) {
        AppendOutcome(
            testcase.children, "error", "collection-error", error->message,
            error->message + "\nlocation: " + Where(error->location, error->target) + "\n");
      }
    }
    return testcase;
  }

  static std::string Details(const Finding& finding, const RuleInfo* rule) {
    std::string body = finding.message + "\nrule: " + finding.rule_id +
                       "\nseverity: " + std::string(SeverityName(finding.severity)) +
                       "\nlocation: " + Where(finding.location, finding.target) + "\n";
    body += "count: " + std::to_string(finding.count);
    for (size_t i = 0; i < finding.sample_pids.size(); ++i) {
      body += (i == 0 ? " (sample pids: " : ", ") + std::to_string(finding.sample_pids[i]);
    }
    body += finding.sample_pids.empty() ? "\n" : ")\n";
    if (rule && !rule->compliance.empty()) {
      body += "compliance: " + ComplianceText(rule->compliance) + "\n";
    }
    if (finding.note) body += "note: " + *finding.note + "\n";
    if (!finding.fingerprint.empty()) body += "fingerprint: " + finding.fingerprint + "\n";
    return body;
  }

  static std::string FailureBody(const Finding& finding, const RuleInfo* rule) {
    std::string body = Details(finding, rule);
    if (rule && !rule->remediation.empty()) body += "remediation: " + rule->remediation + "\n";
    return body;
  }

 private:
  const ScanReport& report_;
  std::map<std::string, const RuleInfo*> rules_;
  std::map<std::pair<std::string, std::string>, const RuleCheck*> checks_;  // (target, rule)
  std::map<std::pair<std::string, std::string>, std::vector<const Finding*>> findings_;
  std::map<std::string, std::vector<const EvidenceError*>> errors_;
  std::vector<std::string> targets_;
};

struct Counts {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;

  void Add(Outcome outcome) {
    ++tests;
    if (outcome == Outcome::kFailure) ++failures;
    if (outcome == Outcome::kError) ++errors;
    if (outcome == Outcome::kSkipped) ++skipped;
  }
};

void AppendCounts(std::string& out, const Counts& counts) {
  AppendAttribute(out, "tests", std::to_string(counts.tests));
  AppendAttribute(out, "failures", std::to_string(counts.failures));
  AppendAttribute(out, "errors", std::to_string(counts.errors));
}

void AppendProperty(std::string& out, std::string_view name, std::string_view value) {
  out += "      <property";
  AppendAttribute(out, "name", name);
  AppendAttribute(out, "value", value);
  out += "/>\n";
}

}  // namespace

void WriteJunitReport(const ScanReport& report, std::ostream& stream) {
  const SuiteBuilder builder(report);
  // <testsuites> opens with the totals: the outcomes are counted first, and the testcases are
  // rendered a suite at a time as they are written.
  std::vector<Counts> counts;
  Counts total;
  for (const std::string& target : builder.targets()) {
    counts.emplace_back();
    for (const std::string& rule_id : builder.RuleIds(target)) {
      const Outcome outcome = builder.RuleTestcase(target, rule_id, false).outcome;
      counts.back().Add(outcome);
      total.Add(outcome);
    }
    const Outcome evidence = builder.EvidenceTestcase(target).outcome;
    counts.back().Add(evidence);
    total.Add(evidence);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
  AppendAttribute(out, "name", "pgward");
  AppendCounts(out, total);
  out += ">\n";
  for (size_t i = 0; i < builder.targets().size(); ++i) {
    const std::string& target = builder.targets()[i];
    out += "  <testsuite";
    AppendAttribute(out, "name", target);
    AppendCounts(out, counts[i]);
    AppendAttribute(out, "skipped", std::to_string(counts[i].skipped));
    if (!report.invocation.started_at.empty()) {
      AppendAttribute(out, "timestamp", report.invocation.started_at);
    }
    out += ">\n    <properties>\n";
    AppendProperty(out, "pgward.version", kVersion);
    AppendProperty(out, "pgward.fail_on", SeverityName(report.invocation.fail_on));
    AppendProperty(out, "pgward.exit_code", std::to_string(report.invocation.exit_code));
    for (const Artifact* artifact : builder.Artifacts(target)) {
      AppendProperty(out, "sha256:" + artifact->path, artifact->sha256);
    }
    out += "    </properties>\n";
    const auto write = [&](const Testcase& testcase) {
      out += "    <testcase";
      AppendAttribute(out, "classname", testcase.classname);
      AppendAttribute(out, "name", testcase.name);
      if (testcase.children.empty()) {
        out += "/>\n";
      } else {
        out += ">\n";
        out += testcase.children;
        out += "    </testcase>\n";
      }
      stream << out;
      out.clear();
    };
    for (const std::string& rule_id : builder.RuleIds(target)) {
      write(builder.RuleTestcase(target, rule_id, true));
    }
    write(builder.EvidenceTestcase(target));
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  stream << out;
}

}  // namespace pgward::reporters
