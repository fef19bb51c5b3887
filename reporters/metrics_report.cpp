#include "reporters/metrics_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>

#include "engine/model/fact_format.h"
#include "pgward/version.h"
#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

// Label values: valid UTF-8 without control characters (the file is read by people too), then
// backslash, double quote and line feed escaped, as the format requires.
std::string LabelValue(std::string_view text) {
  std::string escaped;
  for (char c : Printable(text)) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

class Exposition {
 public:
  explicit Exposition(std::ostream& out) : out_(out) {}

  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    name_ = name;
  }

  void Sample(const Labels& labels, double value) {
    out_ << name_;
    if (!labels.empty()) {
      out_ << "{";
      for (size_t i = 0; i < labels.size(); ++i) {
        out_ << (i ? "," : "") << labels[i].first << "=\"" << LabelValue(labels[i].second) << "\"";
      }
      out_ << "}";
    }
    char number[32];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
      std::snprintf(number, sizeof number, "%.0f", value);
    } else {
      std::snprintf(number, sizeof number, "%.3f", value);
    }
    out_ << " " << number << "\n";
  }

 private:
  std::ostream& out_;
  std::string_view name_;
};

}  // namespace

void WriteMetrics(const ScanReport& report, std::ostream& out) {
  Exposition metrics(out);
  const Invocation& invocation = report.invocation;
  metrics.Family("pgward_build_info", "gauge", "The pgward version that ran, as a label.");
  metrics.Sample({{"version", kVersion}}, 1);
  if (const std::optional<std::int64_t> finished = ParseTimestamp(invocation.finished_at)) {
    metrics.Family("pgward_last_run_timestamp_seconds", "gauge",
                   "When the run finished, in seconds since the Unix epoch.");
    metrics.Sample({}, static_cast<double>(*finished));
  }
  if (invocation.duration_seconds) {
    metrics.Family("pgward_run_duration_seconds", "gauge", "How long the run took.");
    metrics.Sample({}, *invocation.duration_seconds);
  }
  const bool complete = EvidenceComplete(report);
  metrics.Family("pgward_run_complete", "gauge",
                 "1 when every piece of evidence was collected and evaluated, else 0.");
  metrics.Sample({}, complete ? 1 : 0);
  metrics.Family("pgward_run_exit_code", "gauge",
                 "The run's exit code: 0 pass, 1 failing findings, 2 usage, 3 incomplete.");
  metrics.Sample({}, invocation.exit_code);

  std::map<std::string_view, bool> up;
  for (const std::string& target : report.targets) up[target] = true;
  for (const EvidenceError& error : report.errors) up[error.target] = false;
  metrics.Family("pgward_target_up", "gauge",
                 "1 when the target's evidence was collected, 0 when some could not be.");
  for (const auto& [target, collected] : up) metrics.Sample({{"target", target}}, collected);

  // A snapshot scanned later is as old as its collection: alert on stale evidence. One series
  // per target: a name given twice (two snapshots) is as old as its oldest evidence.
  std::map<std::string_view, std::int64_t> collected;
  for (const ServerInfo& server : report.servers) {
    const std::optional<std::int64_t> at = ParseTimestamp(server.collected_at);
    if (!at) continue;
    const auto [entry, fresh] = collected.emplace(server.name, *at);
    if (!fresh) entry->second = std::min(entry->second, *at);
  }
  if (!collected.empty()) {
    metrics.Family("pgward_target_collected_timestamp_seconds", "gauge",
                   "When the target's evidence was collected, in seconds since the Unix epoch.");
  }
  for (const auto& [target, at] : collected) {
    metrics.Sample({{"target", target}}, static_cast<double>(at));
  }

  // Every check, with 0 for the statuses it does not have, so that a fixed problem's series
  // drops to 0 instead of disappearing.
  std::map<std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>,
           std::int64_t>
      findings;
  // A rule's variants give some of its findings other severities: each has its 0 too.
  std::map<std::string_view, std::vector<Severity>> severities;
  for (const RuleInfo& rule : report.rules) {
    std::vector<Severity>& all = severities[rule.id];
    all.push_back(rule.severity);
    all.insert(all.end(), rule.variant_severities.begin(), rule.variant_severities.end());
  }
  for (const RuleCheck& check : report.checks) {
    const auto known = severities.find(check.rule_id);
    for (const Severity severity :
         known == severities.end() ? std::vector<Severity>{Severity::kInfo} : known->second) {
      findings[{check.target, check.rule_id, SeverityName(severity), "fail"}] += 0;
    }
  }
  for (const Finding& finding : report.findings) {
    ++findings[{finding.target, finding.rule_id, SeverityName(finding.severity),
                FindingStatusName(finding.status)}];
  }
  metrics.Family("pgward_findings", "gauge",
                 "Findings per target, rule, severity and status (fail, waived, error); 0 for "
                 "a check that passed.");
  for (const auto& [labels, count] : findings) {
    const auto& [target, rule_id, severity, status] = labels;
    metrics.Sample(
        {{"target", target}, {"rule_id", rule_id}, {"severity", severity}, {"status", status}},
        static_cast<double>(count));
  }

  // Against a baseline (last night's run under --state-dir): what is new and what is gone.
  if (!invocation.baseline.empty()) {
    using Key = std::tuple<std::string_view, std::string_view, std::string_view>;
    std::map<Key, std::int64_t> fresh, gone;
    for (const auto& [labels, count] : findings) {
      fresh[{std::get<0>(labels), std::get<1>(labels), std::get<2>(labels)}] += 0;
    }
    for (const Finding& finding : report.findings) {
      // Worse than the baseline (a waiver that expired) is as new to whoever is alerted.
      if (finding.baseline_state == BaselineState::kNew ||
          finding.baseline_state == BaselineState::kWorsened) {
        ++fresh[{finding.target, finding.rule_id, SeverityName(finding.severity)}];
      }
    }
    for (const Finding& finding : report.absent) {
      ++gone[{finding.target, finding.rule_id, SeverityName(finding.severity)}];
    }
    const auto family = [&](std::string_view name, std::string_view help,
                            const std::map<Key, std::int64_t>& counts) {
      metrics.Family(name, "gauge", help);
      for (const auto& [labels, count] : counts) {
        const auto& [target, rule_id, severity] = labels;
        metrics.Sample({{"target", target}, {"rule_id", rule_id}, {"severity", severity}},
                       static_cast<double>(count));
      }
    };
    family("pgward_findings_new",
           "Findings this run has that the baseline (the last run) did not, or had waived, "
           "unevaluated or less severe.",
           fresh);
    if (!gone.empty()) {
      family("pgward_findings_gone",
             "Findings of the baseline (the last run) this run no longer has.", gone);
    }
  }

  const Observations& observed = report.observations;
  if (!observed.sessions.empty()) {
    metrics.Family("pgward_sessions", "gauge",
                   "Client sessions open at the scan, by encryption (tls, gss, plaintext, local) "
                   "and TLS protocol.");
    for (const Observations::Sessions& sessions : observed.sessions) {
      metrics.Sample({{"target", sessions.target},
                      {"encryption", sessions.encryption},
                      {"protocol", sessions.protocol}},
                     static_cast<double>(sessions.count));
    }
  }
  if (!observed.certificates.empty()) {
    metrics.Family("pgward_certificate_not_after_timestamp_seconds", "gauge",
                   "When each certificate the server presented expires, in seconds since the "
                   "Unix epoch.");
    for (const Observations::Certificate& certificate : observed.certificates) {
      metrics.Sample({{"target", certificate.target},
                      {"subject", certificate.subject},
                      {"serial", certificate.serial}},
                     static_cast<double>(certificate.not_after));
    }
  }
  if (!observed.probe_protocols.empty()) {
    metrics.Family("pgward_probe_protocol_accepted", "gauge",
                   "1 when the server completed a handshake offered only this protocol version.");
    for (const Observations::ProbeProtocol& protocol : observed.probe_protocols) {
      metrics.Sample({{"target", protocol.target}, {"protocol", protocol.protocol}},
                     protocol.accepted);
    }
  }
  if (!observed.hba.empty()) {
    metrics.Family("pgward_hba_plaintext_reachable", "gauge",
                   "1 when a pg_hba.conf line other than reject is the first match for some "
                   "plaintext TCP connection from outside loopback.");
    for (const Observations::HbaExposure& hba : observed.hba) {
      metrics.Sample({{"target", hba.target}}, hba.plaintext_reachable);
    }
  }
}

}  // namespace pgward::reporters
