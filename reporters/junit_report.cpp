#include "reporters/junit_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "engine/core/utf8.h"
#include "pgward/version.h"
#include "reporters/buffered_text.h"
#include "reporters/markup.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

// Text escaped into a CDATA section's body, readable in CI logs; "]]>" would end the section, so
// it is split across two. Line ends become LF, as an XML reader would make them anyway. The text
// is a whole body, or a piece of one that ends with '\n' (LF, not CR): no escape spans that end (a
// CR before it is dropped within the piece, a UTF-8 sequence and a "]]>" end before it), so a body
// escaped piece by piece is the body escaped whole.
void AppendCdataText(std::string& out, std::string_view text) {
  const size_t start = out.size();
  for (size_t i = 0; i < text.size();) {
    const size_t plain = PrintableAsciiEnd(text, i);
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
}

void AppendAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  AppendMarkup(out, value, true);
  out += '"';
}

std::string Where(const std::optional<SourceLocation>& location, const std::string& target) {
  const std::string place = PlaceOf(location);
  return place.empty() ? target : place;
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

// Several findings in one testcase: one element, named after the first and counting the rest
// (JUnit readers count elements, and one testcase is one check).
std::string CombinedMessage(const std::vector<const Finding*>& findings) {
  const std::string& first = findings.front()->message;
  if (findings.size() == 1) return first;
  return std::to_string(findings.size()) + " findings; first: " + first;
}

// Appended piece by piece: a testcase of a large file holds thousands of findings, and
// concatenating each line's temporaries was most of the JUnit report's time.
void AppendDetails(std::string& body, const Finding& finding, std::string_view compliance) {
  const auto line = [&body](std::string_view label, std::string_view value) {
    body += label;
    body += value;
    body += '\n';
  };
  line("", finding.message);
  line("rule: ", finding.rule_id);
  line("severity: ", SeverityName(finding.severity));
  line("location: ", Where(finding.location, finding.target));
  body += "count: ";
  body += std::to_string(finding.count);
  for (size_t i = 0; i < finding.sample_pids.size(); ++i) {
    body += i == 0 ? " (sample pids: " : ", ";
    body += std::to_string(finding.sample_pids[i]);
  }
  body += finding.sample_pids.empty() ? "\n" : ")\n";
  if (!compliance.empty()) line("compliance: ", compliance);
  if (finding.note) line("note: ", *finding.note);
  if (!finding.fingerprint.empty()) line("fingerprint: ", finding.fingerprint);
  if (finding.waiver) {
    line("waiver: ", WaiverText(*finding.waiver));
    line("waiver owner: ", finding.waiver->owner);
    line("waiver source: ", finding.waiver->source);
  }
}

// A CDATA section's body written a piece at a time (AppendCdataText), each piece ending with '\n'.
class CdataBody {
 public:
  explicit CdataBody(BufferedText& output) : output_(output) { output_.text() += "<![CDATA["; }
  CdataBody(const CdataBody&) = delete;
  CdataBody& operator=(const CdataBody&) = delete;

  void Add(std::string_view piece) {
    AppendCdataText(output_.text(), piece);
    output_.Spill();
  }
  // The details of each finding, a blank line apart.
  void Details(const std::vector<const Finding*>& findings, std::string_view compliance) {
    for (size_t i = 0; i < findings.size(); ++i) {
      piece_.clear();
      if (i > 0) piece_ += '\n';
      AppendDetails(piece_, *findings[i], compliance);
      Add(piece_);
    }
  }
  void Close() { output_.text() += "]]>"; }

 private:
  BufferedText& output_;
  std::string piece_;
};

// An outcome's element (failure, error, skipped) with `type` and `message` attributes, and the
// CDATA body `write_body` gives it; without a body (`has_body` false), an empty element.
template <typename WriteBody>
void WriteOutcome(BufferedText& output, std::string_view element, std::string_view type,
                  std::string_view message, bool has_body, const WriteBody& write_body) {
  std::string& out = output.text();
  out += "      <";
  out += element;
  if (!type.empty()) AppendAttribute(out, "type", type);
  AppendAttribute(out, "message", message);
  if (!has_body) {
    out += "/>\n";
    return;
  }
  out += '>';
  CdataBody body(output);
  write_body(body);
  body.Close();
  out += "</";
  out += element;
  out += ">\n";
}

class SuiteWriter {
 public:
  explicit SuiteWriter(const ScanReport& report) : report_(report) {
    for (const RuleInfo& rule : report.rules) rules_.emplace(rule.id, &rule);
    for (const Finding& finding : report.findings) {
      findings_[Key{finding.rule_id, finding.target}].push_back(&finding);
    }
    for (const EvidenceError& error : report.errors) errors_[error.target].push_back(&error);
    for (const Finding& finding : report.findings) {
      if (finding.location) files_[finding.target].insert(finding.location->file);
    }
  }

  // The testcase of one check, outcome element included, written a finding at a time.
  void WriteTestcase(const CheckResult& check, BufferedText& output) const {
    std::string& out = output.text();
    out += "    <testcase";
    if (check.kind == CheckKind::kCollection) {
      AppendAttribute(out, "classname", "pgward.evidence");
      AppendAttribute(out, "name", "Evidence collection (" + std::string(check.target) + ")");
      out += ">\n";
      WriteCollectionError(output, errors_.at(std::string(check.target)));
      out += "    </testcase>\n";
      return;
    }
    const auto rule_it = rules_.find(check.rule_id);
    const RuleInfo* rule = rule_it == rules_.end() ? nullptr : rule_it->second;
    AppendAttribute(out, "classname", "pgward." + std::string(check.rule_id));
    AppendAttribute(out, "name",
                    (rule && !rule->title.empty() ? rule->title : std::string(check.rule_id)) +
                        " (" + std::string(check.target) + ")");
    if (check.outcome == CheckOutcome::kPassed) {
      out += "/>\n";
      return;
    }
    out += ">\n";
    std::vector<const Finding*> failing, missing, waived;
    for (const Finding* finding : findings_.at(Key{check.rule_id, check.target})) {
      (finding->status == FindingStatus::kFail    ? failing
       : finding->status == FindingStatus::kError ? missing
                                                  : waived)
          .push_back(finding);
    }
    const std::string compliance =
        rule && !rule->compliance.empty() ? ComplianceText(rule->compliance) : std::string();
    const auto details_of = [&](const std::vector<const Finding*>& findings) {
      return [&findings, &compliance](CdataBody& body) { body.Details(findings, compliance); };
    };
    switch (check.outcome) {
      case CheckOutcome::kFailed: {
        // The worst of them: a rule's variants give its findings different severities.
        const Severity worst = (*std::max_element(failing.begin(), failing.end(),
                                                  [](const Finding* a, const Finding* b) {
                                                    return a->severity < b->severity;
                                                  }))
                                   ->severity;
        WriteOutcome(output, "failure", SeverityName(worst), CombinedMessage(failing), true,
                     [&](CdataBody& body) {
                       body.Details(failing, compliance);
                       if (rule && !rule->remediation.empty()) {
                         body.Add("remediation: " + rule->remediation + "\n");
                       }
                       if (!missing.empty()) {
                         body.Add("\nevidence missing:\n");
                         body.Details(missing, compliance);
                       }
                     });
        break;
      }
      case CheckOutcome::kError:
        WriteOutcome(output, "error", "evidence-missing", CombinedMessage(missing),
                     !missing.empty(), details_of(missing));
        break;
      case CheckOutcome::kWaived:
        WriteOutcome(output, "skipped", "",
                     waived.size() == 1 && waived.front()->waiver
                         ? "waived: " + WaiverText(*waived.front()->waiver)
                         : "waived: " + std::to_string(waived.size()) + " findings",
                     !waived.empty(), details_of(waived));
        out += "    </testcase>\n";
        return;
      case CheckOutcome::kPassed:
        break;
    }
    // Jenkins takes a testcase with <skipped> as skipped whatever else it holds: waived
    // findings next to live failures are told in system-out instead.
    if (!waived.empty()) {
      out += "      <system-out>";
      CdataBody body(output);
      body.Add("waived:\n");
      body.Details(waived, compliance);
      body.Close();
      out += "</system-out>\n";
    }
    out += "    </testcase>\n";
  }

  // The files read for this target (the target itself, or the files its findings point at),
  // with their SHA-256: which file was checked.
  std::vector<const Artifact*> Artifacts(std::string_view target) const {
    const auto files = files_.find(target);
    std::vector<const Artifact*> artifacts;
    for (const Artifact& artifact : report_.artifacts) {
      if (artifact.path == target ||
          (files != files_.end() && files->second.contains(artifact.path))) {
        artifacts.push_back(&artifact);
      }
    }
    return artifacts;
  }

 private:
  using Key = std::pair<std::string_view, std::string_view>;  // rule id, target

  static void WriteCollectionError(BufferedText& output,
                                   const std::vector<const EvidenceError*>& errors) {
    std::string body;
    for (const EvidenceError* error : errors) {
      if (!body.empty()) body += "\n";
      body += error->message + "\nlocation: " + Where(error->location, error->target) + "\n";
    }
    const std::string message = errors.size() == 1
                                    ? errors.front()->message
                                    : std::to_string(errors.size()) +
                                          " collection errors; first: " + errors.front()->message;
    WriteOutcome(output, "error", "collection-error", message, !body.empty(),
                 [&body](CdataBody& cdata) { cdata.Add(body); });
  }

  const ScanReport& report_;
  std::map<std::string_view, const RuleInfo*> rules_;
  std::map<Key, std::vector<const Finding*>> findings_;
  std::map<std::string, std::vector<const EvidenceError*>> errors_;
  std::map<std::string_view, std::set<std::string_view>> files_;  // target -> files pointed at
};

void AppendCounts(std::string& out, const CheckTally& tally) {
  AppendAttribute(out, "tests", std::to_string(tally.checks));
  AppendAttribute(out, "failures", std::to_string(tally.failed));
  AppendAttribute(out, "errors", std::to_string(tally.errors));
}

void AppendProperty(std::string& out, std::string_view name, std::string_view value) {
  out += "      <property";
  AppendAttribute(out, "name", name);
  AppendAttribute(out, "value", value);
  out += "/>\n";
}

}  // namespace

// One testsuite per target and one testcase per check (CheckResults): the counts are those of
// the JSON and text reports. Rules that did not apply to a target have no testcase.
void WriteJunitReport(const ScanReport& report, std::ostream& stream) {
  const std::vector<CheckResult> results = CheckResults(report);
  const SuiteWriter writer(report);
  std::set<std::string_view> targets(report.targets.begin(), report.targets.end());
  for (const CheckResult& result : results) targets.insert(result.target);

  BufferedText output(stream);
  std::string& out = output.text();
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
  AppendAttribute(out, "name", "pgward");
  AppendCounts(out, TallyChecks(results));
  out += ">\n";
  auto next = results.begin();
  for (const std::string_view target : targets) {
    const auto begin = next;
    while (next != results.end() && next->target == target) ++next;
    const CheckTally tally = TallyChecks({begin, next});
    out += "  <testsuite";
    AppendAttribute(out, "name", target);
    AppendCounts(out, tally);
    AppendAttribute(out, "skipped", std::to_string(tally.waived));
    // A server's suite, and its own files', is dated by its evidence's collection (a snapshot
    // scanned later keeps its date); a file's by the run.
    const ServerInfo* server = ServerOf(report, target);
    const std::string& timestamp = server && !server->collected_at.empty()
                                       ? server->collected_at
                                       : report.invocation.started_at;
    if (!timestamp.empty()) AppendAttribute(out, "timestamp", timestamp);
    out += ">\n    <properties>\n";
    AppendProperty(out, "pgward.version", kVersion);
    AppendProperty(out, "pgward.fail_on", FailOnName(report.invocation.fail_on));
    AppendProperty(out, "pgward.exit_code", std::to_string(report.invocation.exit_code));
    if (server) {
      if (server->version) {
        AppendProperty(out, "pgward.server_version", ServerVersionName(*server->version));
      }
      if (!server->collected_at.empty()) {
        AppendProperty(out, "pgward.collected_at", server->collected_at);
      }
    }
    for (const Artifact* artifact : writer.Artifacts(target)) {
      AppendProperty(out, "sha256:" + artifact->path, artifact->sha256);
    }
    out += "    </properties>\n";
    for (auto check = begin; check != next; ++check) {
      writer.WriteTestcase(*check, output);
      output.Spill();
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  output.Flush();
}

}  // namespace pgward::reporters
