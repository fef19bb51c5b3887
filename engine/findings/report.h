#pragma once

// What a run hands to the reporters: the rules that were evaluated, their findings, the
// evidence that they were checked, what could not be collected, and the files that were read.
// Reporters see this and nothing else (no policies, no parsers, no libpq).

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/findings/crypto_inventory.h"
#include "engine/findings/finding.h"
#include "engine/findings/observations.h"
#include "engine/model/evidence.h"

namespace pgward {

struct RuleInfo {
  std::string id;
  std::string title;
  std::string description;
  Severity severity = Severity::kInfo;
  std::string target;  // fact type: connection, server, hba_rule, ...
  std::string remediation;
  std::map<std::string, std::vector<std::string>> compliance;
  std::vector<std::string> references;
  std::string policy;  // the policy or pack it came from
  // The other severities its variants give some findings, in order, without `severity`.
  std::vector<Severity> variant_severities = {};
};

// How one rule fared on one target it applied to: the evidence that a control was checked,
// even when it passed (the JSON report's checks, JUnit's testcases).
struct RuleCheck {
  std::string rule_id;
  std::string target;
  size_t facts_checked = 0;  // facts the selector kept: at least one (else the rule did not apply)
  size_t failures = 0;       // facts that failed (before grouping)
  size_t errors = 0;         // facts whose evidence was incomplete
};

struct Invocation {
  std::vector<std::string> arguments;  // secrets redacted
  std::string started_at;              // ISO 8601 UTC; empty with --reproducible
  std::string finished_at;
  std::string user;  // who ran it (the operating-system user); empty with --reproducible
  std::string host;  // where
  int exit_code = 0;
  // The lowest severity of a failing finding that fails the run; absent: --fail-on never (a
  // scheduled evidence run: findings never make the exit code 1, missing evidence still 3).
  std::optional<Severity> fail_on = Severity::kHigh;
  bool fail_on_new = false;  // only findings new since the baseline, or worsened, fail the run
  std::string baseline;      // the baseline report compared with; empty: none
  std::optional<double> duration_seconds;  // wall time of the run; absent with --reproducible
  std::optional<Shard> shard;              // the part of the fleet this run scanned
};

// A server whose facts the run evaluated, collected live or read from a snapshot: who it is and
// when its evidence was collected. Every report carries it, so that evidence evaluated later is
// dated by its collection, not by the evaluation.
struct ServerInfo {
  std::string name;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<int> version;  // server_version_num; absent when the server was not reached
  std::string collected_at;    // ISO 8601 UTC; empty when not known (a CSV export)
  auto operator<=>(const ServerInfo&) const = default;
};

// "15.18" for 150018, "9.6.24" for 90624: server_version_num as PostgreSQL names the release.
std::string ServerVersionName(int server_version_num);

// "orders-eu (PostgreSQL 15.18 at db1:5432), collected 2026-02-03T04:05:09Z": a server as reports
// name it beside its evidence.
std::string DescribeServer(const ServerInfo& server);

struct ScanReport {
  Invocation invocation;
  std::vector<std::string> targets;       // servers and files, sorted
  std::vector<ServerInfo> servers;        // sorted; the targets that are servers
  std::vector<RuleInfo> rules;            // sorted by id
  std::vector<FrameworkInfo> frameworks;  // sorted by id: those the rules' policies declare
  std::vector<Finding> findings;          // sorted: rule id, target, location, message, fingerprint
  std::vector<Finding> absent;    // in the baseline, not in this run (baseline_state absent)
  std::vector<RuleCheck> checks;  // sorted: rule id, target
  std::vector<EvidenceError> errors;
  std::vector<Artifact> artifacts;    // sorted by path
  std::vector<std::string> warnings;  // e.g. waivers that matched no finding
  Observations observations;          // what the run saw, for metrics
  // The certificates, protocols and suites seen (PCI DSS 4.2.1.1, 12.3.3): made by the scan from
  // its facts; empty in a report read back from JSON.
  CryptoInventory inventory;
};

// The server a target belongs to: the server itself, or the one whose own files it names
// ("db1:/etc/postgresql/15/main/pg_hba.conf", the longest server name that prefixes it with ':');
// null for a file scanned as such. `report.servers` is sorted by name.
const ServerInfo* ServerOf(const ScanReport& report, std::string_view target);

// The order of a report's checks (rule id, then target) and of its errors (by target, each
// target's errors in the order they were found): a scan and a merge of its shards agree on it.
bool CheckBefore(const RuleCheck& a, const RuleCheck& b);
void SortErrors(std::vector<EvidenceError>& errors);

// The servers of a report in its order, each once (a scan's, and a merge of its shards').
void SortServers(std::vector<ServerInfo>& servers);

// "file:line", or the file alone for a location without a line; empty for none.
std::string PlaceOf(const std::optional<SourceLocation>& location);

// What one check came to: a rule on a target (failed when any of its findings fails, else error
// when evidence was missing, else waived when all its findings are waived, else passed), or the
// collection of a target's evidence, which is a check in its own right (an error when it failed).
enum class CheckOutcome { kPassed, kFailed, kError, kWaived };

enum class CheckKind { kCollection, kRule };

struct CheckResult {
  CheckKind kind = CheckKind::kRule;
  std::string_view rule_id;  // of a rule check
  std::string_view target;
  CheckOutcome outcome = CheckOutcome::kPassed;
};

// Every check of a report with its outcome, sorted by target then rule id (evidence collection
// first). Every format counts its checks from here, so JSON, text and JUnit agree; the views
// point into `report`.
std::vector<CheckResult> CheckResults(const ScanReport& report);

struct CheckTally {
  size_t checks = 0, passed = 0, failed = 0, errors = 0, waived = 0;
};
CheckTally TallyChecks(std::span<const CheckResult> results);

// Whether every piece of evidence was collected and evaluated: no collection error and no finding
// whose evidence was incomplete.
bool EvidenceComplete(const ScanReport& report);

// The exit code a report stands for: 3 when evidence is missing (collection errors or findings
// whose evidence was incomplete), else 1 when a failing finding is at or above `fail_on`
// (waived findings never fail; with fail_on_new, only findings new since the baseline or
// worsened), else 0.
int ExitCodeFor(const ScanReport& report);

// The --fail-on threshold as reports write it: a severity name, or "never".
std::string_view FailOnName(const std::optional<Severity>& fail_on);

}  // namespace pgward
