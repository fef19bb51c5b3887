#include "engine/findings/report.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/core/exit_code.h"

namespace pgward {
namespace {

CheckOutcome Worse(CheckOutcome outcome, FindingStatus status) {
  switch (status) {
    case FindingStatus::kFail:
      return CheckOutcome::kFailed;
    case FindingStatus::kError:
      return outcome == CheckOutcome::kFailed ? outcome : CheckOutcome::kError;
    case FindingStatus::kWaived:
      return outcome == CheckOutcome::kPassed ? CheckOutcome::kWaived : outcome;
  }
  return outcome;
}

}  // namespace

const ServerInfo* ServerOf(const ScanReport& report, std::string_view target) {
  const ServerInfo* owner = nullptr;
  for (const ServerInfo& server : report.servers) {
    const std::string_view name = server.name;
    if (target == name) return &server;
    const bool prefixes = target.size() > name.size() && target[name.size()] == ':' &&
                          target.substr(0, name.size()) == name;
    if (prefixes && (!owner || owner->name.size() < name.size())) owner = &server;
  }
  return owner;
}

std::string ServerVersionName(int server_version_num) {
  const int major = server_version_num / 10000;
  if (major >= 10) return std::to_string(major) + "." + std::to_string(server_version_num % 10000);
  return std::to_string(major) + "." + std::to_string(server_version_num / 100 % 100) + "." +
         std::to_string(server_version_num % 100);
}

std::string DescribeServer(const ServerInfo& server) {
  std::string text = server.name;
  std::string identity;
  if (server.version) identity = "PostgreSQL " + ServerVersionName(*server.version);
  if (server.host) {
    identity += (identity.empty() ? "" : " at ") + *server.host;
    if (server.port) identity += ":" + std::to_string(*server.port);
  }
  if (!identity.empty()) text += " (" + identity + ")";
  text += server.collected_at.empty() ? ", collection time not recorded"
                                      : ", collected " + server.collected_at;
  return text;
}

bool CheckBefore(const RuleCheck& a, const RuleCheck& b) {
  return std::tie(a.rule_id, a.target) < std::tie(b.rule_id, b.target);
}

void SortServers(std::vector<ServerInfo>& servers) {
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
}

std::string PlaceOf(const std::optional<SourceLocation>& location) {
  if (!location || location->file.empty()) return "";
  if (location->line <= 0) return location->file;
  return location->file + ":" + std::to_string(location->line);
}

void SortErrors(std::vector<EvidenceError>& errors) {
  std::stable_sort(
      errors.begin(), errors.end(),
      [](const EvidenceError& a, const EvidenceError& b) { return a.target < b.target; });
}

std::vector<CheckResult> CheckResults(const ScanReport& report) {
  // Keyed as the results are sorted: target, then its evidence collection before its rules. A
  // finding without its check (a hand-made report) still makes one.
  using Key = std::tuple<std::string_view, bool, std::string_view>;  // target, is a rule, rule id
  std::map<Key, CheckOutcome> outcomes;
  for (const RuleCheck& check : report.checks) {
    outcomes.try_emplace({check.target, true, check.rule_id}, CheckOutcome::kPassed);
  }
  // Findings come in runs of one check: the last look-up is kept.
  auto last = outcomes.end();
  for (const Finding& finding : report.findings) {
    if (last == outcomes.end() || last->first != Key{finding.target, true, finding.rule_id}) {
      last = outcomes.try_emplace({finding.target, true, finding.rule_id}, CheckOutcome::kPassed)
                 .first;
    }
    last->second = Worse(last->second, finding.status);
  }
  // One collection check per target, however many of its inputs failed.
  for (const EvidenceError& error : report.errors) {
    outcomes.insert_or_assign({error.target, false, std::string_view()}, CheckOutcome::kError);
  }
  std::vector<CheckResult> results;
  results.reserve(outcomes.size());
  for (const auto& [key, outcome] : outcomes) {
    const auto& [target, is_rule, rule_id] = key;
    results.push_back(
        {is_rule ? CheckKind::kRule : CheckKind::kCollection, rule_id, target, outcome});
  }
  return results;
}

CheckTally TallyChecks(std::span<const CheckResult> results) {
  CheckTally tally;
  for (const CheckResult& result : results) {
    ++tally.checks;
    switch (result.outcome) {
      case CheckOutcome::kPassed:
        ++tally.passed;
        break;
      case CheckOutcome::kFailed:
        ++tally.failed;
        break;
      case CheckOutcome::kError:
        ++tally.errors;
        break;
      case CheckOutcome::kWaived:
        ++tally.waived;
        break;
    }
  }
  return tally;
}

bool EvidenceComplete(const ScanReport& report) {
  return report.errors.empty() &&
         std::none_of(report.findings.begin(), report.findings.end(), [](const Finding& finding) {
           return finding.status == FindingStatus::kError;
         });
}

int ExitCodeFor(const ScanReport& report) {
  if (!EvidenceComplete(report)) return ToInt(ExitCode::kIncompleteEvidence);
  bool failing = false;
  for (const Finding& finding : report.findings) {
    const bool counts = !report.invocation.fail_on_new ||
                        finding.baseline_state == BaselineState::kNew ||
                        finding.baseline_state == BaselineState::kWorsened;
    if (finding.status == FindingStatus::kFail && report.invocation.fail_on &&
        finding.severity >= *report.invocation.fail_on && counts) {
      failing = true;
    }
  }
  return ToInt(failing ? ExitCode::kFindings : ExitCode::kOk);
}

std::string_view FailOnName(const std::optional<Severity>& fail_on) {
  return fail_on ? SeverityName(*fail_on) : "never";
}

}  // namespace pgward
