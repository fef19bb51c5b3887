#include "engine/findings/report_merge.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace pgward {
namespace {

template <typename T>
void Append(std::vector<T>& to, std::vector<T>& from) {
  std::move(from.begin(), from.end(), std::back_inserter(to));
}

std::string ShardName(size_t index, size_t count) {
  return "shard " + std::to_string(index) + "/" + std::to_string(count);
}

// Ids and versions of the rules: shards of one scan evaluated the same ones.
std::vector<std::string> RuleIdentity(const ScanReport& report) {
  std::vector<std::string> identity;
  for (const RuleInfo& rule : report.rules) {
    identity.push_back(rule.id + "\n" + rule.policy + "\n" +
                       std::string(SeverityName(rule.severity)));
  }
  return identity;
}

}  // namespace

std::variant<ScanReport, std::string> MergeShardReports(std::vector<ScanReport> shards,
                                                        const std::vector<std::string>& names) {
  if (shards.empty()) return std::string("no report to merge");
  std::map<size_t, size_t> by_index;  // shard index -> position in `shards`
  const ScanReport& first = shards.front();
  for (size_t i = 0; i < shards.size(); ++i) {
    const Invocation& invocation = shards[i].invocation;
    if (!invocation.shard) {
      return names[i] + " is not a shard's report (scan --shard INDEX/COUNT or --shards COUNT)";
    }
    if (invocation.shard->count != first.invocation.shard->count) {
      return names[i] + " is " + ShardName(invocation.shard->index, invocation.shard->count) +
             " but " + names[0] + " is " +
             ShardName(first.invocation.shard->index, first.invocation.shard->count) +
             ": not shards of one scan";
    }
    if (const auto [at, fresh] = by_index.emplace(invocation.shard->index, i); !fresh) {
      return names[at->second] + " and " + names[i] + " are both " +
             ShardName(invocation.shard->index, invocation.shard->count);
    }
    if (invocation.fail_on != first.invocation.fail_on ||
        invocation.fail_on_new != first.invocation.fail_on_new ||
        RuleIdentity(shards[i]) != RuleIdentity(first)) {
      return names[i] + " and " + names[0] +
             " are not shards of one scan: their rules or --fail-on differ";
    }
  }

  ScanReport merged;
  merged.invocation = first.invocation;
  merged.invocation.shard.reset();
  merged.rules = first.rules;
  std::map<std::string, FrameworkInfo> frameworks;
  std::map<std::string, std::string> artifacts;  // path -> sha256
  std::set<std::string> targets;
  // A warning is about the whole scan (a waiver that matched no finding) when every shard gives
  // it: a waiver another shard used did match.
  std::map<std::string, size_t> warning_count;
  for (ScanReport& shard : shards) {
    Invocation& invocation = shard.invocation;
    if (!invocation.started_at.empty() && (merged.invocation.started_at.empty() ||
                                           invocation.started_at < merged.invocation.started_at)) {
      merged.invocation.started_at = invocation.started_at;
    }
    merged.invocation.finished_at = std::max(merged.invocation.finished_at, invocation.finished_at);
    // The shards run side by side: the fleet took as long as the slowest.
    if (!invocation.duration_seconds) {
      merged.invocation.duration_seconds.reset();
    } else if (merged.invocation.duration_seconds) {
      merged.invocation.duration_seconds =
          std::max(*merged.invocation.duration_seconds, *invocation.duration_seconds);
    }
    for (FrameworkInfo& framework : shard.frameworks) frameworks.emplace(framework.id, framework);
    targets.insert(shard.targets.begin(), shard.targets.end());
    Append(merged.servers, shard.servers);
    // Who ran the scan, where: the shards' pods differ, and no one of them is the fleet's.
    if (invocation.user != merged.invocation.user) merged.invocation.user.clear();
    if (invocation.host != merged.invocation.host) merged.invocation.host.clear();
    Append(merged.findings, shard.findings);
    Append(merged.absent, shard.absent);
    Append(merged.checks, shard.checks);
    Append(merged.errors, shard.errors);
    for (const std::string& warning :
         std::set<std::string>(shard.warnings.begin(), shard.warnings.end())) {
      ++warning_count[warning];
    }
    for (Artifact& artifact : shard.artifacts) {
      const auto [at, fresh] = artifacts.emplace(artifact.path, artifact.sha256);
      if (!fresh && at->second != artifact.sha256) {
        return "the shards read different versions of " + artifact.path +
               " (its SHA-256 differs): not shards of one scan";
      }
    }
    Observations& seen = shard.observations;
    Append(merged.observations.sessions, seen.sessions);
    Append(merged.observations.certificates, seen.certificates);
    Append(merged.observations.probe_protocols, seen.probe_protocols);
    Append(merged.observations.hba, seen.hba);
  }
  for (const std::string& warning : first.warnings) {
    if (warning_count[warning] == shards.size()) merged.warnings.push_back(warning);
  }
  const size_t count = first.invocation.shard->count;
  for (size_t index = 0; index < count; ++index) {
    if (by_index.contains(index)) continue;
    merged.errors.push_back({ShardName(index, count),
                             "no report of this shard was merged: its targets were not scanned",
                             std::nullopt});
  }

  merged.targets.assign(targets.begin(), targets.end());
  for (auto& [id, framework] : frameworks) merged.frameworks.push_back(std::move(framework));
  for (auto& [path, sha256] : artifacts) merged.artifacts.push_back({path, sha256});
  SortServers(merged.servers);
  std::stable_sort(merged.findings.begin(), merged.findings.end(), FindingBefore);
  std::stable_sort(merged.absent.begin(), merged.absent.end(), FindingBefore);
  std::sort(merged.checks.begin(), merged.checks.end(), CheckBefore);
  SortErrors(merged.errors);
  SortObservations(merged.observations);
  merged.invocation.exit_code = ExitCodeFor(merged);
  return merged;
}

}  // namespace pgward
