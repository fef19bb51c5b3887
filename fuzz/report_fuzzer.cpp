// libFuzzer target for the report writers: a report whose every string (rule texts, messages,
// targets, file names, subject keys and values, waiver notes, errors, arguments) comes from the
// input, invalid UTF-8 and control characters included, renders in every format without
// throwing; JSON and SARIF parse back, JUnit XML holds only characters XML allows, and text
// none that a terminal would obey.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/core/utf8.h"
#include "engine/findings/report.h"
#include "reporters/render.h"

namespace {

// Hands out the input as strings ended by a NUL byte, and small numbers, starting over at the
// end, so that any input fills every field.
class Strings {
 public:
  explicit Strings(std::string_view input) : input_(input) {}

  std::string Next() {
    if (input_.empty()) return {};
    if (position_ >= input_.size()) position_ = 0;
    const size_t end = std::min(input_.find('\0', position_), input_.size());
    // Short strings: the writers treat each one alike, and long ones only slow the search down.
    std::string next(input_.substr(position_, std::min<size_t>(end - position_, 256)));
    position_ = end + 1;
    return next;
  }
  unsigned Small(unsigned bound) {
    const std::string next = Next();
    return next.empty() ? 0 : static_cast<unsigned char>(next[0]) % bound;
  }

 private:
  std::string_view input_;
  size_t position_ = 0;
};

pgward::ScanReport HostileReport(Strings& in) {
  pgward::ScanReport report;
  const auto facts = std::make_shared<pgward::FactSet>();
  report.invocation.arguments = {"pgward", in.Next(), in.Next()};
  report.invocation.started_at = in.Next();
  report.invocation.finished_at = in.Next();
  report.targets = {in.Next(), in.Next()};
  for (int i = 0; i < 2; ++i) {
    pgward::RuleInfo rule;
    rule.id = in.Next();
    rule.title = in.Next();
    rule.description = in.Next();
    rule.severity = static_cast<pgward::Severity>(in.Small(5));
    rule.target = in.Next();
    rule.remediation = in.Next();
    rule.compliance[in.Next()] = {in.Next(), in.Next()};
    rule.references = {in.Next()};
    rule.policy = in.Next();
    report.rules.push_back(rule);

    pgward::Finding finding;
    finding.rule_id = rule.id;
    finding.severity = rule.severity;
    finding.status = static_cast<pgward::FindingStatus>(in.Small(3));
    finding.message = in.Next();
    finding.target = in.Next();
    if (in.Small(2) == 1) {
      finding.location = pgward::SourceLocation{in.Next(), static_cast<int>(in.Small(200))};
    }
    {
      using pgward::FactKind;
      using pgward::FieldOf;
      pgward::FactTable& connections = facts->table(FactKind::kConnection);
      const size_t row = connections.AppendRow();
      connections.SetString(row, FieldOf<FactKind::kConnection>("user"), in.Next());
      connections.SetString(row, FieldOf<FactKind::kConnection>("application_name"), in.Next());
      connections.SetInteger(row, FieldOf<FactKind::kConnection>("pid"),
                             static_cast<std::int64_t>(in.Small(100)));
      finding.subject = pgward::FindingSubject{facts, FactKind::kConnection, row, in.Small(2) == 1};
    }
    finding.fingerprint = in.Next();
    finding.count = in.Small(10) + 1;
    finding.sample_pids = {static_cast<std::int64_t>(in.Small(100))};
    if (finding.status == pgward::FindingStatus::kWaived) {
      finding.waiver = std::make_shared<const pgward::WaiverNote>(
          pgward::WaiverNote{in.Next(), in.Next(), in.Next(), in.Next()});
      finding.note = in.Next();
    }
    report.findings.push_back(finding);

    report.checks.push_back({rule.id, finding.target, in.Small(5), in.Small(5), in.Small(5)});
    pgward::EvidenceError error{in.Next(), in.Next(), std::nullopt};
    if (in.Small(2) == 1) error.location = pgward::SourceLocation{in.Next(), 1};
    report.errors.push_back(error);
    report.artifacts.push_back({in.Next(), in.Next()});
    report.warnings.push_back(in.Next());
  }
  report.invocation.exit_code = pgward::ExitCodeFor(report);
  return report;
}

// Every character of `output`, which must be valid UTF-8, must pass `allowed`.
template <typename Allowed>
void CheckCharacters(std::string_view format, const std::string& output, Allowed allowed) {
  for (size_t i = 0; i < output.size();) {
    const pgward::Utf8Char next = pgward::NextUtf8(output, i);
    if (!next.valid || !allowed(next.code_point)) {
      std::fprintf(stderr, "%.*s report: %s at byte %zu\n", static_cast<int>(format.size()),
                   format.data(), next.valid ? "a forbidden character" : "invalid UTF-8", i);
      std::fprintf(stderr, "%s\n", output.substr(i > 80 ? i - 80 : 0, 160).c_str());
      __builtin_trap();
    }
    i += next.length;
  }
}

// The characters XML 1.0 allows.
bool IsXmlCharacter(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// What a terminal shows and does not obey: no C0 or C1 control but line feed and tab, no DEL.
bool IsInertOnATerminal(char32_t c) {
  return c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7F && (c < 0x80 || c > 0x9F));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Strings in(std::string_view(reinterpret_cast<const char*>(data), size));
  const pgward::ScanReport report = HostileReport(in);
  pgward::reporters::RenderOptions options;
  options.source_root = in.Next();
  options.sarif_omit_suppressed = in.Small(2) == 1;
  for (const std::string_view format : pgward::reporters::ReportFormats()) {
    const std::string output = pgward::reporters::RenderReport(format, report, options);
    if (format == "json" || format == "sarif" || format == "gitlab" || format == "oscal") {
      if (!nlohmann::json::accept(output)) __builtin_trap();
    } else if (format == "junit" || format == "html") {
      CheckCharacters(format, output, IsXmlCharacter);
    } else {
      CheckCharacters(format, output, IsInertOnATerminal);
    }
  }
  options.color = true;
  (void)pgward::reporters::RenderReport("text", report, options);
  return 0;
}
