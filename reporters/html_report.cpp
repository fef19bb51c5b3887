#include "reporters/html_report.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/findings/requirements.h"
#include "engine/model/fact_format.h"
#include "pgward/version.h"
#include "reporters/buffered_text.h"
#include "reporters/markup.h"

namespace pgward::reporters {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

// Every load is blocked (fonts, images, frames, connections, forms); the page's own <style>
// and data: images are allowed, and nothing runs.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'";

constexpr std::string_view kStyle = R"css(
:root { --pass: #1a7f37; --fail: #c62828; --warn: #b26a00; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #f6f8fa; font-weight: 600; }
table.facts th { width: 220px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600;
           color: #fff; white-space: nowrap; }
.satisfied, .passed { background: var(--pass); }
.not_satisfied, .failed { background: var(--fail); }
.not_assessed, .incomplete { background: var(--warn); }
.waived { background: var(--muted); }
.sev-critical { color: #8e0000; font-weight: 700; } .sev-high { color: var(--fail); font-weight: 600; }
.sev-medium { color: var(--warn); } .sev-low, .sev-info { color: var(--muted); }
.muted { color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
.chart { flex: 1 1 340px; max-width: 560px; }
table.requirements td:first-child, table.requirements td:nth-child(2) { white-space: nowrap; }
.chart svg { width: 100%; height: auto; }
.fix { color: var(--muted); font-style: italic; }
nav a { color: inherit; margin-right: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  section.server, section.page { break-before: page; }
  tr, .chart { break-inside: avoid; }
  .verdict { color: #000; border: 1px solid #000; background: none !important; }
}
)css";

class Page {
 public:
  explicit Page(std::ostream& stream) : out_(stream) {}
  ~Page() { out_.Flush(); }
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  // Markup written by this file.
  Page& Raw(std::string_view markup) {
    out_.text() += markup;
    out_.Spill();
    return *this;
  }
  // Text from the evidence: escaped, whatever its bytes.
  Page& Text(std::string_view text) {
    AppendMarkup(out_.text(), text, true);
    return *this;
  }
  Page& Number(std::int64_t number) { return Raw(std::to_string(number)); }

  // <td>text</td>
  Page& Cell(std::string_view text) { return Raw("<td>").Text(text).Raw("</td>"); }
  Page& Cells(std::initializer_list<std::string_view> texts) {
    for (std::string_view text : texts) Cell(text);
    return *this;
  }
  Page& HeaderRow(std::initializer_list<std::string_view> names) {
    Raw("<tr>");
    for (std::string_view name : names) Raw("<th>").Text(name).Raw("</th>");
    return Raw("</tr>\n");
  }
  // One row of a two-column table of facts.
  Page& Fact(std::string_view name, std::string_view value) {
    return Raw("<tr><th>").Text(name).Raw("</th><td>").Text(value).Raw("</td></tr>\n");
  }
  Page& Verdict(std::string_view css_class, std::string_view label) {
    return Raw("<span class=\"verdict ").Raw(css_class).Raw("\">").Text(label).Raw("</span>");
  }

 private:
  BufferedText out_;
};

std::string_view Or(std::string_view text, std::string_view fallback) {
  return text.empty() ? fallback : text;
}

std::string YesNo(const std::optional<bool>& value) {
  if (!value) return "not known";
  return *value ? "yes" : "no";
}

// --- what the charts show -------------------------------------------------------------------

struct Bar {
  std::string label;
  std::int64_t value = 0;
  std::string color;
};

// Every chart: a label column, bars beside it, a row per entry, the title above.
constexpr int kLabelWidth = 150, kBarWidth = 280, kRow = 24;

// Opens a chart's SVG of `height`, titled (for screen readers too).
void ChartStart(Page& page, std::string_view title, int height) {
  page.Raw(
          "<div class=\"chart\"><svg role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 "
          "0 ")
      .Number(kLabelWidth + kBarWidth + 60)
      .Raw(" ")
      .Number(height)
      .Raw("\"><title>")
      .Text(title)
      .Raw("</title><text x=\"0\" y=\"16\" font-weight=\"600\" font-size=\"14\">")
      .Text(title)
      .Raw("</text>\n");
}

// A horizontal bar per entry, scaled to the largest.
void HorizontalBars(Page& page, std::string_view title, const std::vector<Bar>& bars) {
  std::int64_t largest = 1;
  for (const Bar& bar : bars) largest = std::max(largest, bar.value);
  ChartStart(page, title, static_cast<int>(bars.size()) * kRow + 30);
  int y = 30;
  for (const Bar& bar : bars) {
    const auto width =
        static_cast<int>(static_cast<double>(bar.value) * kBarWidth / static_cast<double>(largest));
    page.Raw("<text x=\"0\" y=\"")
        .Number(y + 15)
        .Raw("\" font-size=\"12\">")
        .Text(bar.label)
        .Raw("</text><rect x=\"")
        .Number(kLabelWidth)
        .Raw("\" y=\"")
        .Number(y + 3)
        .Raw("\" width=\"")
        .Number(std::max(width, bar.value > 0 ? 2 : 0))
        .Raw("\" height=\"16\" fill=\"")
        .Raw(bar.color)
        .Raw("\"/><text x=\"")
        .Number(kLabelWidth + width + 6)
        .Raw("\" y=\"")
        .Number(y + 15)
        .Raw("\" font-size=\"12\">")
        .Number(bar.value)
        .Raw("</text>\n");
    y += kRow;
  }
  page.Raw("</svg></div>\n");
}

std::string_view SeverityColor(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "#8e0000";
    case Severity::kHigh:
      return "#c62828";
    case Severity::kMedium:
      return "#b26a00";
    case Severity::kLow:
      return "#6e7781";
    case Severity::kInfo:
      return "#afb8c1";
  }
  return "#afb8c1";
}

constexpr std::array kSeveritiesMostFirst = {Severity::kCritical, Severity::kHigh,
                                             Severity::kMedium, Severity::kLow, Severity::kInfo};

// How a session travels: its TLS version, or plaintext, gss, local.
std::string SessionKind(const Observations::Sessions& sessions) {
  return sessions.encryption == "tls" ? sessions.protocol : sessions.encryption;
}

std::string_view SessionColor(std::string_view kind) {
  if (kind == "TLSv1.3") return "#1a7f37";
  if (kind == "TLSv1.2") return "#4c9a2a";
  if (kind == "gss") return "#0969da";
  if (kind == "local") return "#8c959f";
  if (kind == "plaintext") return "#c62828";
  return "#e16f24";  // TLS 1.1 and older
}

// Counts read back from a JSON report can be anything up to INT64_MAX.
std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

// At most `bytes` of `text`, cut at a character boundary and ended with an ellipsis when cut: a
// label beside a bar (the full name is in the server's section).
std::string Abbreviated(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  std::size_t end = bytes - 1;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "\u2026";
}

// Sessions by how they travel, a stacked bar per server.
void SessionsChart(Page& page, const std::vector<Observations::Sessions>& sessions) {
  std::map<std::string, std::map<std::string, std::int64_t>> by_target;
  std::set<std::string> kinds;
  for (const Observations::Sessions& entry : sessions) {
    std::int64_t& count = by_target[entry.target][SessionKind(entry)];
    count = SaturatingAdd(count, entry.count);
    kinds.insert(SessionKind(entry));
  }
  if (by_target.empty()) return;
  std::int64_t largest = 1;
  for (const auto& [target, counts] : by_target) {
    std::int64_t total = 0;
    for (const auto& [kind, count] : counts) total = SaturatingAdd(total, count);
    largest = std::max(largest, total);
  }
  ChartStart(page, "Sessions by TLS version, per server",
             static_cast<int>(by_target.size()) * kRow + 60);
  int y = 30;
  for (const auto& [target, counts] : by_target) {
    page.Raw("<text x=\"0\" y=\"").Number(y + 15).Raw("\" font-size=\"12\">");
    page.Text(Abbreviated(target, 22)).Raw("</text>");
    std::int64_t x = kLabelWidth, total = 0;
    for (const auto& [kind, count] : counts) {
      const auto width = static_cast<std::int64_t>(static_cast<double>(count) * kBarWidth /
                                                   static_cast<double>(largest));
      page.Raw("<rect x=\"")
          .Number(x)
          .Raw("\" y=\"")
          .Number(y + 3)
          .Raw("\" width=\"")
          .Number(std::max<std::int64_t>(width, 2))
          .Raw("\" height=\"16\" fill=\"")
          .Raw(SessionColor(kind))
          .Raw("\"><title>")
          .Text(kind)
          .Raw(": ")
          .Number(count)
          .Raw("</title></rect>");
      x += std::max<std::int64_t>(width, 2);
      total = SaturatingAdd(total, count);
    }
    page.Raw("<text x=\"").Number(x + 6).Raw("\" y=\"").Number(y + 15);
    page.Raw("\" font-size=\"12\">").Number(total).Raw("</text>\n");
    y += kRow;
  }
  int x = 0;
  for (const std::string& kind : kinds) {
    page.Raw("<rect x=\"").Number(x).Raw("\" y=\"").Number(y + 8);
    page.Raw("\" width=\"10\" height=\"10\" fill=\"").Raw(SessionColor(kind)).Raw("\"/>");
    page.Raw("<text x=\"").Number(x + 14).Raw("\" y=\"").Number(y + 17);
    page.Raw("\" font-size=\"11\">").Text(kind).Raw("</text>");
    x += 20 + 7 * static_cast<int>(kind.size());
  }
  page.Raw("</svg></div>\n");
}

// --- the certificates ---------------------------------------------------------------------

struct CertificateRow {
  std::string server, role, subject, issuer, serial, key, trust;
  std::optional<std::int64_t> not_after;  // Unix seconds
  // What its days to expiry count from: when its server's evidence was collected, else when the
  // run ended (none with --reproducible).
  std::optional<std::int64_t> seen_at;
};

std::optional<std::int64_t> SeenAt(const ScanReport& report, std::string_view server) {
  if (const ServerInfo* owner = ServerOf(report, server)) {
    if (std::optional<std::int64_t> collected = ParseTimestamp(owner->collected_at)) {
      return collected;
    }
  }
  if (std::optional<std::int64_t> finished = ParseTimestamp(report.invocation.finished_at)) {
    return finished;
  }
  return ParseTimestamp(report.invocation.started_at);
}

// From the crypto inventory; a report read back from JSON has only the observations.
std::vector<CertificateRow> Certificates(const ScanReport& report) {
  std::vector<CertificateRow> rows;
  if (!report.inventory.certificates.empty()) {
    for (const InventoryCertificate& certificate : report.inventory.certificates) {
      std::string key = certificate.key_type;
      if (certificate.key_bits) key += " " + std::to_string(*certificate.key_bits);
      rows.push_back({certificate.server, certificate.role, certificate.subject, certificate.issuer,
                      certificate.serial, key, certificate.trust,
                      ParseTimestamp(certificate.not_after), SeenAt(report, certificate.server)});
    }
    return rows;
  }
  for (const Observations::Certificate& certificate : report.observations.certificates) {
    rows.push_back({certificate.target, "server", certificate.subject, "", certificate.serial, "",
                    "", certificate.not_after, SeenAt(report, certificate.target)});
  }
  return rows;
}

void ExpiryChart(Page& page, const std::vector<CertificateRow>& certificates) {
  if (certificates.empty()) return;
  std::vector<Bar> bars = {{"expired", 0, "#8e0000"},       {"30 days or less", 0, "#c62828"},
                           {"31 to 90 days", 0, "#b26a00"}, {"91 to 365 days", 0, "#4c9a2a"},
                           {"over a year", 0, "#1a7f37"},   {"not known", 0, "#afb8c1"}};
  for (const CertificateRow& certificate : certificates) {
    if (!certificate.not_after || !certificate.seen_at) {
      ++bars[5].value;
      continue;
    }
    const std::int64_t days = (*certificate.not_after - *certificate.seen_at) / kSecondsPerDay;
    const std::size_t bucket = *certificate.not_after < *certificate.seen_at ? 0
                               : days <= 30                                  ? 1
                               : days <= 90                                  ? 2
                               : days <= 365                                 ? 3
                                                                             : 4;
    ++bars[bucket].value;
  }
  if (bars[5].value == 0) bars.pop_back();
  HorizontalBars(page, "Certificates by days to expiry", bars);
}

// --- sections ------------------------------------------------------------------------------

// What the evidence shows, whatever the run's gate (--fail-on) made of it: a failing finding
// is a failure even when it does not fail the run.
std::string RunVerdict(const ScanReport& report, std::string& css_class) {
  if (!EvidenceComplete(report)) {
    css_class = "incomplete";
    return "INCOMPLETE: evidence missing";
  }
  const bool failing =
      std::any_of(report.findings.begin(), report.findings.end(),
                  [](const Finding& f) { return f.status == FindingStatus::kFail; });
  css_class = failing ? "failed" : "passed";
  return failing ? "FAIL" : "PASS";
}

void WriteRun(Page& page, const ScanReport& report) {
  const Invocation& invocation = report.invocation;
  std::string css_class;
  const std::string verdict = RunVerdict(report, css_class);
  page.Raw("<section id=\"run\"><h2>The run</h2><p>").Verdict(css_class, verdict);
  const CheckTally tally = TallyChecks(CheckResults(report));
  page.Raw(" ").Number(static_cast<std::int64_t>(tally.passed)).Raw(" of ");
  page.Number(static_cast<std::int64_t>(tally.checks)).Raw(" checks passed, ");
  page.Number(static_cast<std::int64_t>(tally.failed)).Raw(" failed, ");
  page.Number(static_cast<std::int64_t>(tally.errors)).Raw(" without evidence, ");
  page.Number(static_cast<std::int64_t>(tally.waived))
      .Raw(" waived.</p>\n<table class=\"facts\">\n");
  page.Fact("Started", Or(invocation.started_at, "not recorded (--reproducible)"));
  page.Fact("Finished", Or(invocation.finished_at, "not recorded (--reproducible)"));
  page.Fact("By", Or(invocation.user, "not recorded"));
  page.Fact("On host", Or(invocation.host, "not recorded"));
  std::string command;  // the arguments begin with the program's name
  for (const std::string& argument : invocation.arguments) {
    command += (command.empty() ? "" : " ") + argument;
  }
  page.Raw("<tr><th>Command</th><td><code>").Text(command).Raw("</code></td></tr>\n");
  std::set<std::string> policies;
  for (const RuleInfo& rule : report.rules) policies.insert(rule.policy);
  std::string packs;
  for (const std::string& policy : policies) packs += (packs.empty() ? "" : ", ") + policy;
  page.Fact("Policies", Or(packs, "none"));
  std::string frameworks;
  for (const FrameworkInfo& framework : report.frameworks) {
    frameworks += (frameworks.empty() ? "" : ", ") + framework.title;
  }
  if (!frameworks.empty()) page.Fact("Frameworks", frameworks);
  page.Fact("Targets", std::to_string(report.targets.size()));
  // The gate (--fail-on), apart from the verdict: a scheduled run's findings fail nothing.
  std::string gate = invocation.fail_on ? "failing findings of severity " +
                                              std::string(FailOnName(invocation.fail_on)) +
                                              " or above, and missing evidence"
                                        : "missing evidence only (--fail-on never)";
  if (invocation.fail_on_new) gate += "; only findings new since the baseline, or worsened";
  page.Fact("The run fails on", gate);
  page.Fact("Exit code", std::to_string(invocation.exit_code));
  if (!invocation.baseline.empty()) page.Fact("Compared with", invocation.baseline);
  page.Fact("pgward", kVersion);
  page.Raw("</table></section>\n");
}

void WriteRequirements(Page& page, const ScanReport& report) {
  if (report.frameworks.empty()) return;
  page.Raw("<section id=\"requirements\"><h2>Requirements</h2>\n");
  for (const FrameworkInfo& framework : report.frameworks) {
    const std::vector<RequirementResult> results =
        JudgeRequirements(report, framework.id, RequiredEvidence(framework.id));
    page.Raw("<h3>").Text(framework.title.empty() ? framework.id : framework.title);
    page.Raw("</h3>\n<table class=\"requirements\">");
    page.HeaderRow({"Requirement", "Verdict", "Why", "Rules", "Findings"});
    for (const RequirementResult& result : results) {
      const std::string_view verdict = RequirementVerdictName(result.verdict);
      std::string label(verdict);
      std::replace(label.begin(), label.end(), '_', ' ');
      page.Raw("<tr><td><b>").Text(result.id).Raw("</b></td><td>").Verdict(verdict, label);
      page.Raw("</td>").Cell(result.reason);
      std::string rules;
      for (const std::string& rule : result.rules) rules += (rules.empty() ? "" : ", ") + rule;
      page.Cell(Or(rules, "none")).Raw("<td>");
      page.Number(static_cast<std::int64_t>(result.findings.size())).Raw("</td></tr>\n");
    }
    page.Raw("</table>\n");
  }
  page.Raw("</section>\n");
}

void WriteCharts(Page& page, const ScanReport& report,
                 const std::vector<CertificateRow>& certificates) {
  std::vector<Bar> severities;
  for (const Severity severity : kSeveritiesMostFirst) {
    std::int64_t failing = 0;
    for (const Finding& finding : report.findings) {
      failing += finding.severity == severity && finding.status == FindingStatus::kFail;
    }
    severities.push_back(
        {std::string(SeverityName(severity)), failing, std::string(SeverityColor(severity))});
  }
  page.Raw("<section id=\"overview\"><h2>At a glance</h2><div class=\"charts\">\n");
  HorizontalBars(page, "Failing findings by severity", severities);
  SessionsChart(page, report.observations.sessions);
  ExpiryChart(page, certificates);
  page.Raw("</div></section>\n");
}

const InventoryServer* InventoryOf(const ScanReport& report, std::string_view name) {
  for (const InventoryServer& server : report.inventory.servers) {
    if (server.server == name) return &server;
  }
  return nullptr;
}

void WriteServer(Page& page, const ScanReport& report, const ServerInfo& server) {
  page.Raw("<section class=\"server\"><h2>Server ").Text(server.name).Raw("</h2>\n");
  page.Raw("<table class=\"facts\">\n");
  if (server.version) page.Fact("PostgreSQL", ServerVersionName(*server.version));
  if (server.host) {
    page.Fact("Address",
              *server.host + (server.port ? ":" + std::to_string(*server.port) : std::string()));
  }
  page.Fact("Evidence collected", Or(server.collected_at,
                                     "time not recorded (not reached, a CSV export, or "
                                     "--reproducible)"));
  // What could not be collected, and what could not be judged for want of it, on the server and
  // its own files.
  std::size_t errors = 0, undecided = 0;
  for (const EvidenceError& error : report.errors)
    errors += ServerOf(report, error.target) == &server;
  for (const Finding& finding : report.findings) {
    undecided +=
        finding.status == FindingStatus::kError && ServerOf(report, finding.target) == &server;
  }
  if (errors + undecided > 0) {
    page.Fact("Evidence missing", std::to_string(errors) + " collection error(s), " +
                                      std::to_string(undecided) +
                                      " check(s) that could not be decided: not a pass");
  }
  const InventoryServer* settings = InventoryOf(report, server.name);
  if (settings) {
    page.Fact("ssl", Or(settings->ssl, "not visible"));
    page.Fact("ssl_min_protocol_version", Or(settings->ssl_min_protocol_version, "not visible"));
    page.Fact("ssl_max_protocol_version", Or(settings->ssl_max_protocol_version, "(no maximum)"));
    page.Fact("ssl_ciphers", Or(settings->ssl_ciphers, "not visible"));
    std::string groups;
    for (const std::string& group : settings->ssl_groups.value_or(std::vector<std::string>{})) {
      groups += (groups.empty() ? "" : ", ") + group;
    }
    page.Fact("ssl_groups (key exchange)",
              settings->ssl_groups ? Or(groups, "(none)") : std::string_view("not visible"));
  }
  page.Raw("</table>\n");
  if (settings && !settings->protocols.empty()) {
    page.Raw("<h3>Protocols</h3><table>");
    page.HeaderRow({"Version", "Admitted by the settings", "Accepted (probe)"});
    for (const InventoryProtocol& protocol : settings->protocols) {
      page.Raw("<tr>").Cells({protocol.version, YesNo(protocol.configured),
                              protocol.accepted ? YesNo(protocol.accepted) : "not probed"});
      page.Raw("</tr>\n");
    }
    page.Raw("</table>\n");
  }
  if (settings && !settings->suites.empty()) {
    page.Raw("<h3>Cipher suites</h3><table>");
    page.HeaderRow({"Protocol", "Suite", "Bits", "Accepted (probe)", "Sessions"});
    for (const InventorySuite& suite : settings->suites) {
      page.Raw("<tr>").Cells({suite.protocol, suite.cipher,
                              suite.bits ? std::to_string(*suite.bits) : "",
                              suite.accepted ? "yes" : "no"});
      page.Raw("<td>").Number(static_cast<std::int64_t>(suite.sessions)).Raw("</td></tr>\n");
    }
    page.Raw("</table>\n");
  }
  bool sessions_header = false;
  for (const Observations::Sessions& sessions : report.observations.sessions) {
    if (sessions.target != server.name) continue;
    if (!sessions_header) {
      page.Raw("<h3>Sessions</h3><table>");
      page.HeaderRow({"Encryption", "Protocol", "Sessions"});
      sessions_header = true;
    }
    page.Raw("<tr>").Cells({sessions.encryption, sessions.protocol});
    page.Raw("<td>").Number(sessions.count).Raw("</td></tr>\n");
  }
  if (sessions_header) page.Raw("</table>\n");
  // The server's own pg_hba.conf is named "server:file" in its facts.
  bool hba_header = false;
  for (const Observations::HbaExposure& hba : report.observations.hba) {
    if (ServerOf(report, hba.target) != &server) continue;
    if (!hba_header) {
      page.Raw("<h3>pg_hba.conf coverage</h3><table>");
      page.HeaderRow({"File", "Plaintext TCP from outside loopback"});
      hba_header = true;
    }
    page.Raw("<tr>").Cell(hba.target).Raw("<td>");
    page.Verdict(hba.plaintext_reachable ? "failed" : "passed",
                 hba.plaintext_reachable ? "reaches a line that accepts it" : "rejected");
    page.Raw("</td></tr>\n");
  }
  if (hba_header) page.Raw("</table>\n");
  page.Raw("</section>\n");
}

// pg_hba.conf files scanned as files (--hba), not through a server.
void WriteFiles(Page& page, const ScanReport& report) {
  std::vector<const Observations::HbaExposure*> files;
  for (const Observations::HbaExposure& hba : report.observations.hba) {
    if (ServerOf(report, hba.target) == nullptr) files.push_back(&hba);
  }
  if (files.empty()) return;
  page.Raw("<section class=\"page\" id=\"files\"><h2>pg_hba.conf files</h2><table>");
  page.HeaderRow({"File", "Plaintext TCP from outside loopback"});
  for (const Observations::HbaExposure* hba : files) {
    page.Raw("<tr>").Cell(hba->target).Raw("<td>");
    page.Verdict(hba->plaintext_reachable ? "failed" : "passed",
                 hba->plaintext_reachable ? "reaches a line that accepts it" : "rejected");
    page.Raw("</td></tr>\n");
  }
  page.Raw("</table></section>\n");
}

void WriteCertificates(Page& page, const std::vector<CertificateRow>& certificates) {
  if (certificates.empty()) return;
  page.Raw("<section class=\"page\" id=\"certificates\"><h2>Certificates</h2>\n");
  page.Raw(
      "<p class=\"muted\">Every certificate seen: the servers' chains from the probe, the "
      "clients' from their sessions. Days to expiry count from when the evidence was "
      "collected.</p><table>");
  page.HeaderRow(
      {"Server", "Role", "Subject", "Issuer", "Serial", "Key", "Trust", "Not after", "Days left"});
  std::vector<const CertificateRow*> by_expiry;
  for (const CertificateRow& certificate : certificates) by_expiry.push_back(&certificate);
  // Soonest to expire first: the timeline an assessor reads top down.
  std::stable_sort(by_expiry.begin(), by_expiry.end(),
                   [](const CertificateRow* a, const CertificateRow* b) {
                     return a->not_after.value_or(INT64_MAX) < b->not_after.value_or(INT64_MAX);
                   });
  for (const CertificateRow* certificate : by_expiry) {
    page.Raw("<tr>").Cells(
        {certificate->server, certificate->role, certificate->subject, certificate->issuer});
    page.Raw("<td class=\"mono\">").Text(certificate->serial).Raw("</td>");
    page.Cells({certificate->key, certificate->trust,
                certificate->not_after ? FormatTimestamp(*certificate->not_after) : "not known"});
    if (certificate->not_after && certificate->seen_at) {
      const std::int64_t days = (*certificate->not_after - *certificate->seen_at) / kSecondsPerDay;
      const bool expired = *certificate->not_after < *certificate->seen_at;
      page.Raw(expired || days <= 30 ? "<td class=\"sev-high\">" : "<td>");
      page.Raw(expired ? "expired" : std::to_string(days)).Raw("</td>");
    } else {
      page.Raw("<td></td>");
    }
    page.Raw("</tr>\n");
  }
  page.Raw("</table></section>\n");
}

void WriteFindings(Page& page, const ScanReport& report) {
  std::map<std::string_view, const RuleInfo*> rules;
  for (const RuleInfo& rule : report.rules) rules.emplace(rule.id, &rule);
  page.Raw("<section class=\"page\" id=\"findings\"><h2>Findings</h2>\n");
  if (report.findings.empty()) page.Raw("<p>None.</p>\n");
  for (const Severity severity : kSeveritiesMostFirst) {
    bool header = false;
    std::string_view rule_id;
    for (const Finding& finding : report.findings) {
      if (finding.severity != severity) continue;
      if (!header) {
        page.Raw("<h3 class=\"sev-").Raw(SeverityName(severity)).Raw("\">");
        page.Text(SeverityName(severity)).Raw("</h3>\n<table>");
        page.HeaderRow({"Rule", "Target", "Where", "Finding", "Status"});
        header = true;
      }
      // A rule's title and fix once, above its run of findings (findings are sorted by rule).
      if (finding.rule_id != rule_id) {
        rule_id = finding.rule_id;
        const auto rule = rules.find(rule_id);
        page.Raw("<tr><td colspan=\"5\"><b>").Text(rule_id).Raw("</b> ");
        if (rule != rules.end()) {
          page.Text(rule->second->title);
          if (!rule->second->remediation.empty()) {
            page.Raw("<br><span class=\"fix\">Fix: ").Text(rule->second->remediation);
            page.Raw("</span>");
          }
        }
        page.Raw("</td></tr>\n");
      }
      std::string message = finding.message;
      if (finding.count > 1) message += " (" + std::to_string(finding.count) + " sessions)";
      if (finding.note) message += " (" + *finding.note + ")";
      std::string status(FindingStatusName(finding.status));
      if (finding.baseline_state)
        status += ", " + std::string(BaselineStateName(*finding.baseline_state));
      if (finding.waiver) status += ": " + finding.waiver->justification;
      page.Raw("<tr>").Cells(
          {finding.rule_id, finding.target, PlaceOf(finding.location), message, status});
      page.Raw("</tr>\n");
    }
    if (header) page.Raw("</table>\n");
  }
  page.Raw("</section>\n");
}

void WriteErrors(Page& page, const ScanReport& report) {
  if (report.errors.empty()) return;
  page.Raw(
      "<section id=\"errors\"><h2>Evidence not collected</h2>\n<p>The run is incomplete: "
      "what is below could not be checked, and is not a pass.</p><table>");
  page.HeaderRow({"Target", "Where", "What"});
  for (const EvidenceError& error : report.errors) {
    std::string where;
    if (error.location) where = error.location->file + ":" + std::to_string(error.location->line);
    page.Raw("<tr>").Cells({error.target, where, error.message}).Raw("</tr>\n");
  }
  page.Raw("</table></section>\n");
}

}  // namespace

void WriteHtmlReport(const ScanReport& report, std::ostream& out) {
  Page page(out);
  page.Raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
  page.Raw("<meta http-equiv=\"Content-Security-Policy\" content=\"")
      .Raw(kContentSecurityPolicy)
      .Raw("\">\n");
  page.Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  page.Raw("<meta name=\"generator\" content=\"pgward ").Text(kVersion).Raw("\">\n");
  page.Raw("<title>pgward report");
  if (!report.invocation.started_at.empty()) page.Raw(", ").Text(report.invocation.started_at);
  page.Raw("</title>\n<style>").Raw(kStyle).Raw("</style>\n</head>\n<body>\n");
  page.Raw("<header><h1>PostgreSQL transport security</h1><p class=\"muted\">pgward ");
  page.Text(kVersion).Raw(" compliance report</p></header>\n");
  page.Raw(
      "<nav><a href=\"#run\">Run</a><a href=\"#requirements\">Requirements</a>"
      "<a href=\"#overview\">At a glance</a><a href=\"#certificates\">Certificates</a>"
      "<a href=\"#findings\">Findings</a></nav>\n");
  const std::vector<CertificateRow> certificates = Certificates(report);
  WriteRun(page, report);
  WriteRequirements(page, report);
  WriteCharts(page, report, certificates);
  WriteErrors(page, report);
  for (const ServerInfo& server : report.servers) WriteServer(page, report, server);
  WriteFiles(page, report);
  WriteCertificates(page, certificates);
  WriteFindings(page, report);
  page.Raw("</body>\n</html>\n");
}

}  // namespace pgward::reporters
