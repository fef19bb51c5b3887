#include "engine/cli/scan_command.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "engine/cli/collect_command.h"
#include "engine/cli/policy_choice.h"
#include "engine/cli/report_outputs.h"
#include "engine/cli/run_state.h"
#include "engine/core/exit_code.h"
#include "engine/core/file_digest.h"
#include "engine/core/keep_until_exit.h"
#include "engine/core/redact.h"
#include "engine/core/run_identity.h"
#include "engine/findings/report_reader.h"
#include "engine/logs/log_reader.h"
#include "engine/model/fact_format.h"
#include "engine/policy/baseline.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"
#include "engine/policy/loader.h"
#include "engine/policy/waivers.h"
#include "engine/scan/gather.h"

namespace pgward::cli {
namespace {

constexpr auto kMd5PasswordRoles = FieldOf<FactKind::kServer>("md5_password_roles");

// Whether a rule of the run judges the server field: evidence collection reads only then (the
// password kinds: pg_authid, which most scanning roles may not read).
bool JudgesServerField(const LoadedPolicies& loaded, FieldHandle<FactKind::kServer> field) {
  for (const policy::Policy& policy : loaded.policies) {
    for (const policy::Rule& rule : policy.rules) {
      if (rule.target != FactKind::kServer) continue;
      std::vector<size_t> fields;
      if (rule.selector) rule.selector->CollectReadFields(fields);
      if (rule.assertion) rule.assertion->CollectReadFields(fields);
      for (const policy::RuleVariant& variant : rule.variants) {
        variant.when->CollectReadFields(fields);
      }
      if (std::ranges::find(fields, static_cast<size_t>(field)) != fields.end()) return true;
    }
  }
  return false;
}

// The frameworks the policies declare, once each (packs of one catalog declare the same).
std::vector<FrameworkInfo> Frameworks(const std::vector<policy::Policy>& policies) {
  std::map<std::string, FrameworkInfo> by_id;
  for (const policy::Policy& policy : policies) {
    for (const FrameworkInfo& framework : policy.frameworks) by_id.emplace(framework.id, framework);
  }
  std::vector<FrameworkInfo> frameworks;
  for (auto& [id, framework] : by_id) frameworks.push_back(std::move(framework));
  return frameworks;
}

// The state of this scan under --state-dir: named after the inventory, or after what the
// command line scans.
std::variant<RunState, std::string> OpenRunState(const ScanOptions& options) {
  const auto absolute = [](const std::string& path) {
    std::error_code error;
    return std::filesystem::absolute(path, error).lexically_normal().string();
  };
  std::vector<std::string> identity;
  std::string label = "scan";
  if (!options.live.inventory.empty()) {
    label = std::filesystem::path(options.live.inventory).stem().string();
    identity.push_back("inventory " + absolute(options.live.inventory));
    for (const std::string& tag : options.live.tags) identity.push_back("tag " + tag);
  }
  // Each shard of a fleet remembers its own runs: they scan different targets.
  if (!options.live.shard.empty()) identity.push_back("shard " + options.live.shard);
  if (options.live.shards) {
    identity.push_back("shard " + options.live.job_completion_index.value_or("") + "/" +
                       std::to_string(*options.live.shards));
  }
  for (const std::string& target : options.live.targets) {
    identity.push_back("target " + RedactSecrets(target));
  }
  for (const std::string& file : options.hba_files) identity.push_back("hba " + absolute(file));
  if (!options.ident_file.empty()) identity.push_back("ident " + absolute(options.ident_file));
  for (const std::string& file : options.snapshots) {
    identity.push_back("snapshot " + absolute(file));
  }
  // A log is named by its newest file: the rotated ones before it change names every night.
  if (!options.server_logs.empty()) {
    identity.push_back("server log " + absolute(options.server_logs.back()));
  }
  std::sort(identity.begin(), identity.end());
  return RunState::Open(options.state_dir, label, identity, options.keep_runs);
}

}  // namespace

int RunScan(const ScanOptions& options, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  ScanReport report;
  // An evidence bundle's manifest is dated even when the reports are not (--reproducible).
  const std::string started_at = NowTimestamp();
  if (!options.reproducible) {
    report.invocation.started_at = started_at;
    report.invocation.user = OperatingSystemUser();
    report.invocation.host = HostName();
  }
  for (const std::string& argument : options.arguments) {
    report.invocation.arguments.push_back(RedactSecrets(argument));
  }
  report.invocation.fail_on = options.fail_on;

  if (!options.ident_file.empty() && options.hba_files.empty()) {
    err << "pgward: --ident is the pg_ident.conf of --hba files: give --hba FILE (a live "
           "server's maps are read from pg_ident_file_mappings, or an inventory's ident_file)\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  if (options.hba_files.empty() && options.snapshots.empty() && options.live.targets.empty() &&
      options.live.inventory.empty() && options.server_logs.empty()) {
    err << "pgward: nothing to scan: give --hba FILE, --snapshot FILE, --target DSN, "
           "--inventory FILE or --server-log FILE\nRun 'pgward scan --help' for usage.\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  const bool live = !options.live.targets.empty() || !options.live.inventory.empty();
  if (!options.live.crl_files.empty() && !live) {
    err << "pgward: --crl-file checks live servers' certificates and sessions: give --target DSN "
           "or --inventory FILE\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  if (options.live.probe && !live) {
    err << "pgward: --probe probes live servers: give --target DSN or --inventory FILE\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  // A shard of nothing would scan its files whole in every shard: the same findings COUNT times.
  if ((!options.live.shard.empty() || options.live.shards) && !live) {
    err << "pgward: --shard and --shards share out live servers: give --target DSN or "
           "--inventory FILE\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  scan::ScanInputs scan_inputs;
  scan_inputs.hba_files = options.hba_files;
  if (!options.ident_file.empty()) scan_inputs.ident_file = options.ident_file;
  scan_inputs.pg_version = options.pg_version;
  scan_inputs.server_build = options.server_build;
  scan_inputs.hba_access = options.live.hba_access;
  scan_inputs.snapshots = options.snapshots;
  scan_inputs.server_logs = options.server_logs;
  scan_inputs.log_options.line_prefix = options.log_line_prefix;
  if (!options.log_format.empty()) {
    scan_inputs.log_options.format = logs::ParseLogFormat(options.log_format);
  }
  if (live) {
    scan_inputs.live = PlanCollection(options.live, err);
    if (!scan_inputs.live) return ToInt(ExitCode::kUsageOrInputError);
    report.invocation.shard = scan_inputs.live->shard;
  }
  const std::optional<std::vector<ReportOutput>> outputs = PlanOutputs(options.output, err);
  if (!outputs) return ToInt(ExitCode::kUsageOrInputError);
  std::vector<std::string> report_paths;
  for (const ReportOutput& output : *outputs) {
    if (!output.path.empty()) report_paths.push_back(output.path);
  }
  if (std::optional<std::string> refused = CheckEvidenceOptions(options.evidence, report_paths)) {
    err << "pgward: " << *refused << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  LoadedPolicies loaded = LoadPolicies(options.policy_choice, err);
  if (!loaded.ok) return ToInt(ExitCode::kUsageOrInputError);
  if (scan_inputs.live && JudgesServerField(loaded, kMd5PasswordRoles)) {
    scan_inputs.live->collect.md5_password_roles =
        collect::CollectOptions::Md5PasswordRoles::kRequired;
  }

  std::vector<policy::Waiver> waivers;
  // Waivers for built-in rules outside this run's packs: a waivers file is shared between runs
  // of different packs, so they are told, not refused.
  std::vector<std::string> warnings;
  if (!options.waivers.empty()) {
    std::set<std::string> run_rules;
    for (const policy::Policy& policy : loaded.policies) {
      for (const policy::Rule& rule : policy.rules) run_rules.insert(rule.id);
    }
    std::set<std::string> known_rules = policy::BuiltinRuleIds();
    known_rules.insert(run_rules.begin(), run_rules.end());
    policy::WaiversLoadResult waiver_file = policy::LoadWaivers(options.waivers, known_rules);
    if (!waiver_file.errors.empty()) {
      for (const policy::LoadError& error : waiver_file.errors) err << error.ToString() << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    for (policy::Waiver& waiver : waiver_file.waivers) {
      if (run_rules.contains(waiver.rule_id)) {
        waivers.push_back(std::move(waiver));
      } else {
        warnings.push_back("waiver " + waiver.source + " for " + waiver.rule_id +
                           " names a rule outside this run's packs: it waives nothing");
      }
    }
  }

  const bool base_version = !options.base_hba.empty() || !options.base_ref.empty();
  if (base_version &&
      (options.hba_files.empty() || !options.snapshots.empty() || scan_inputs.live)) {
    err << "pgward: --base-hba and --base-ref compare --hba files with their version before the "
           "change; for snapshots and servers give --baseline REPORT.json\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  if (!options.base_hba.empty() && options.hba_files.size() != 1) {
    err << "pgward: --base-hba FILE is the base of one --hba file; for several, --base-ref REF\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  if (options.fail_on_new && options.baseline.empty() && !base_version &&
      options.state_dir.empty()) {
    err << "pgward: --fail-on-new needs a baseline: --baseline REPORT.json, --base-hba FILE, "
           "--base-ref REF or --state-dir DIR\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  std::optional<RunState> state;
  std::string baseline_report = options.baseline;
  // --state-dir, --baseline and --base-* exclude each other on the command line.
  if (!options.state_dir.empty()) {
    std::variant<RunState, std::string> opened = OpenRunState(options);
    if (const std::string* error = std::get_if<std::string>(&opened)) {
      err << "pgward: " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    state.emplace(std::move(std::get<RunState>(opened)));
    baseline_report = state->previous().value_or("");
  }
  // A scheduled scan reads the server logs from where its last run stopped.
  logs::LogPositions log_positions;
  if (state) {
    std::variant<logs::LogPositions, std::string> loaded_positions = state->LoadLogPositions();
    if (const std::string* error = std::get_if<std::string>(&loaded_positions)) {
      err << "pgward: " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    log_positions = std::move(std::get<logs::LogPositions>(loaded_positions));
    scan_inputs.log_positions = &log_positions;
    if (scan_inputs.live) scan_inputs.live->log_positions = &log_positions;
  }
  std::vector<Finding> baseline;
  if (!baseline_report.empty()) {
    std::variant<ScanReport, std::string> read = ReadJsonReport(baseline_report);
    if (const std::string* error = std::get_if<std::string>(&read)) {
      err << "pgward: the baseline " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    baseline = std::move(std::get<ScanReport>(read).findings);
  } else if (base_version) {
    const auto base_facts = std::make_shared<FactSet>();
    scan::GatheredBase base =
        scan::GatherBase(scan_inputs, {options.base_hba, options.base_ref}, *base_facts);
    if (base.input_error) {
      err << "pgward: " << *base.input_error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    warnings.insert(warnings.end(), base.warnings.begin(), base.warnings.end());
    const LoadedPolicies base_policies = LoadPolicies(options.policy_choice, err);
    baseline = policy::Evaluate(base_policies.Pointers(), base_facts).findings;
    // Waived as this run's findings are, so that a waiver alone makes no finding "updated"
    // (what it says of unused or expired waivers, this run says).
    policy::ApplyWaivers(waivers, baseline, NowSeconds());
  }
  report.invocation.baseline = !baseline_report.empty()    ? baseline_report
                               : !options.base_hba.empty() ? options.base_hba
                                                           : options.base_ref;
  report.invocation.fail_on_new = options.fail_on_new;

  const auto facts = std::make_shared<FactSet>();
  scan::Gathered gathered = scan::Gather(scan_inputs, *facts);
  if (gathered.input_error) {
    err << "pgward: " << *gathered.input_error << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  report.targets = std::move(gathered.targets);
  warnings.insert(warnings.end(), gathered.warnings.begin(), gathered.warnings.end());
  for (const ServerEvidence& server : gathered.servers.servers) {
    // A snapshot's collection time is an input, and stays; this run's own is left out with
    // --reproducible like its other times (the bundle's snapshot keeps it).
    const bool dated = server.from_snapshot || !options.reproducible;
    report.servers.push_back({server.name, server.host, server.port, server.version,
                              dated ? server.collected_at : std::string()});
  }
  SortServers(report.servers);
  report.errors = std::move(gathered.errors);
  SortErrors(report.errors);
  report.artifacts = std::move(gathered.artifacts);
  report.observations = Observe(*facts);
  report.inventory = BuildCryptoInventory(*facts);
  for (const ServerEvidence& server : gathered.servers.servers) {
    if (!server.errors.empty()) report.inventory.incomplete.push_back(server.name);
  }
  std::sort(report.inventory.incomplete.begin(), report.inventory.incomplete.end());
  // The run's other inputs are evidence too: which rules, values, waivers and servers it used.
  std::vector<std::string> configuration = options.policy_choice.policies;
  configuration.insert(configuration.end(), options.policy_choice.values_files.begin(),
                       options.policy_choice.values_files.end());
  for (const std::string& named :
       {options.waivers, options.live.inventory, baseline_report, options.base_hba}) {
    if (!named.empty()) configuration.push_back(named);
  }
  for (const std::string& path : configuration) {
    const bool listed =
        std::any_of(report.artifacts.begin(), report.artifacts.end(),
                    [&](const Artifact& artifact) { return artifact.path == path; });
    if (listed) continue;
    if (std::optional<std::string> digest = Sha256OfFile(path)) {
      report.artifacts.push_back({path, *digest});
    }
  }

  policy::Evaluation evaluation = policy::Evaluate(loaded.Pointers(), facts);
  report.findings = std::move(evaluation.findings);
  report.checks = std::move(evaluation.checks);
  // A run in which no rule had a fact to check passed nothing: the policy does not apply to what
  // was read (rules of connections over an hba file, a snapshot of servers without facts). A
  // shard of a fleet that no target hashed to read nothing, and its merge has the others.
  if (report.checks.empty() && report.errors.empty() && !report.targets.empty()) {
    report.errors.push_back(
        {"scan",
         "no rule of the policy had anything to check in what was read: nothing was checked",
         std::nullopt});
  }
  report.rules = RuleInfos(loaded.policies);
  report.frameworks = Frameworks(loaded.policies);
  // Expiry is judged against today even in --reproducible runs: an expired waiver must fail.
  report.warnings = std::move(warnings);
  for (std::string& warning : policy::ApplyWaivers(waivers, report.findings, NowSeconds())) {
    report.warnings.push_back(std::move(warning));
  }
  // A scan's first run under --state-dir has an empty baseline: everything it finds is new.
  if (!report.invocation.baseline.empty() || state) {
    report.absent = policy::ApplyBaseline(report.findings, baseline);
  }
  std::sort(report.targets.begin(), report.targets.end());
  report.targets.erase(std::unique(report.targets.begin(), report.targets.end()),
                       report.targets.end());
  std::sort(report.artifacts.begin(), report.artifacts.end(),
            [](const Artifact& a, const Artifact& b) { return a.path < b.path; });
  report.invocation.exit_code = ExitCodeFor(report);
  if (!options.reproducible) {
    report.invocation.finished_at = NowTimestamp();
    report.invocation.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // Checked after the inputs were read, so that the files the hba files included count too.
  std::vector<std::string> inputs = options.hba_files;
  for (const std::vector<std::string>* named :
       {&options.snapshots, &options.policy_choice.policies, &options.policy_choice.values_files}) {
    inputs.insert(inputs.end(), named->begin(), named->end());
  }
  for (const std::string& named :
       {options.waivers, options.live.inventory, baseline_report, options.base_hba}) {
    if (!named.empty()) inputs.push_back(named);
  }
  for (const Artifact& artifact : report.artifacts) inputs.push_back(artifact.path);
  // Under --state-dir the run's state, saved next, is synced: so are its reports, lest a crash
  // keep the state of a run whose reports it lost (the next run would not find their findings
  // new).
  const reporters::Durability durability =
      state ? reporters::Durability::kSynced : reporters::Durability::kUnsynced;
  if (std::optional<int> failed =
          WriteReports(report, *outputs, options.output, inputs, durability, out, err)) {
    return *failed;
  }
  if (!options.evidence.directory.empty()) {
    std::vector<evidence::PackVersion> packs;
    for (const policy::Policy& loaded_policy : loaded.policies) {
      packs.push_back({loaded_policy.name, loaded_policy.version});
    }
    if (std::optional<std::string> error =
            WriteEvidenceBundle(report, gathered.servers, *facts, packs,
                                {started_at, NowTimestamp()}, options.evidence)) {
      err << "pgward: evidence bundle: " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
  }
  // Kept after the reports: a run whose reports could not be written is not the next baseline.
  if (state) {
    if (std::optional<std::string> error = state->Save(report)) {
      err << "pgward: " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    // A scan of no server log leaves no positions file.
    if (std::optional<std::string> error =
            log_positions.empty() ? std::nullopt : state->SaveLogPositions(log_positions)) {
      err << "pgward: " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
  }
  const int exit_code = report.invocation.exit_code;
  KeepUntilExit(std::move(report));
  KeepUntilExit(facts);
  return exit_code;
}

}  // namespace pgward::cli
