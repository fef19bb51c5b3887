#include "engine/scan/gather.h"

#include <set>

#include "engine/collect/snapshot.h"
#include "engine/core/input_file.h"
#include "engine/hba/certificate_names.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/view_rules_facts.h"
#include "engine/logs/line_prefix.h"
#include "engine/logs/log_facts.h"
#include "engine/scan/hba_evidence.h"

namespace pgward::scan {
namespace {

// The server's log an inventory names: its facts are the server's, the log named target:file.
// Its files lie under the inventory's directory like its hba_file (InventoryFileAccess): a log
// outside is refused, not opened, hashed or counted.
void AddTargetLogFacts(const collect::Target& target, const hba::FileAccess& access,
                       logs::LogPositions* positions, FactSet& facts, ServerEvidence& server,
                       std::vector<Artifact>& artifacts) {
  if (target.server_logs.empty()) return;
  const hba::FileAccess confined = InventoryFileAccess(target, access);
  for (const std::string& file : target.server_logs) {
    if (std::optional<std::string> refused = hba::RefusedByIncludeRoot(confined, file)) {
      server.errors.push_back({target.name, "server log: " + *refused, std::nullopt});
      return;
    }
  }
  const auto before = TableSizes(facts);
  logs::LogReadOptions options;
  options.line_prefix = target.log_line_prefix.value_or(logs::kDefaultLogLinePrefix);
  if (!target.log_format.empty()) options.format = logs::ParseLogFormat(target.log_format);
  const std::string log = target.name + ":" + target.server_logs.back();
  // The server's own pg_hba.conf, read before: which of its lines the log shows used.
  if (std::optional<std::string> error = logs::AddServerLogFacts(
          target.server_logs, log, options, server.rows[static_cast<size_t>(FactKind::kHbaRule)],
          facts, server.warnings, positions)) {
    server.errors.push_back({target.name, *error, std::nullopt});
  } else {
    AddArtifacts(std::set<std::string>(target.server_logs.begin(), target.server_logs.end()),
                 artifacts);
  }
  const auto rows = RowsSince(before, facts);
  for (const FactKind kind : {FactKind::kLogSession, FactKind::kLogFailure, FactKind::kLogReload}) {
    server.rows[static_cast<size_t>(kind)] = rows[static_cast<size_t>(kind)];
  }
}

// Snapshots written before hba_rule facts had pg_version hold the server's version beside them:
// its rules are judged in the dialect a live collection would have parsed them in (PGW-HBA-004
// must know a server deprecates md5), never left absent.
void AddMissingHbaVersions(const ServerEvidence& server, FactSet& facts) {
  if (!server.version || *server.version <= 0) return;
  FactTable& rules = facts.table(FactKind::kHbaRule);
  constexpr auto kPgVersion = FieldOf<FactKind::kHbaRule>("pg_version");
  const RowRange added = server.rows[static_cast<size_t>(FactKind::kHbaRule)];
  for (size_t row = added.begin; row < added.end; ++row) {
    if (!rules.Integer(row, kPgVersion)) {
      rules.SetInteger(row, kPgVersion, hba::PgVersionOf(*server.version));
    }
  }
}

}  // namespace

Evidence GatherLive(const LivePlan& plan, FactSet& facts) {
  collect::CollectOptions options = plan.collect;
  // A server's maps are read where a record of its pg_hba.conf uses one for certificate names,
  // or may (an inventory's copy, read here after collection).
  options.ident_mappings_needed = [](const std::optional<std::vector<FileRulesRow>>& rows) {
    if (!rows) return true;
    return hba::UsesCertificateMaps(hba::HbaFileFromView(*rows, ""));
  };
  const auto started = std::chrono::steady_clock::now();
  collect::LiveCollection collection = collect::CollectLive(options, facts);
  Evidence& evidence = collection.evidence;
  for (size_t i = 0; i < evidence.servers.size(); ++i) {
    AddServerHbaFacts(plan.collect.targets[i], collection.hba[i], plan.hba_access, facts,
                      evidence.servers[i], evidence.artifacts);
    AddTargetLogFacts(plan.collect.targets[i], plan.hba_access, plan.log_positions, facts,
                      evidence.servers[i], evidence.artifacts);
  }
  if (plan.probe) {
    ProbeServersOptions probe = *plan.probe;
    if (options.deadline.count() > 0) probe.end = started + options.deadline;
    ProbeServers(probe, evidence, facts);
  }
  if (plan.revocation) plan.revocation->MarkFacts(facts);
  // A server from an inventory is written down at its entry: its facts and errors point there
  // unless they have a place of their own (a pg_hba.conf line).
  for (size_t i = 0; i < evidence.servers.size(); ++i) {
    const std::optional<SourceLocation>& entry = plan.collect.targets[i].source;
    if (!entry) continue;
    ServerEvidence& server = evidence.servers[i];
    for (EvidenceError& error : server.errors) {
      if (!error.location) error.location = entry;
    }
    const FactSource source{facts.pool().InternString(entry->file), entry->line};
    for (size_t kind = 0; kind < kFactKindCount; ++kind) {
      FactTable& table = facts.table(static_cast<FactKind>(kind));
      for (size_t row = server.rows[kind].begin; row < server.rows[kind].end; ++row) {
        if (table.source(row).file == kAbsent) table.SetSource(row, source);
      }
    }
  }
  return std::move(evidence);
}

namespace {

hba::ParseOptions HbaParseOptions(const ScanInputs& inputs) {
  hba::ParseOptions parse;
  parse.pg_version = inputs.pg_version;
  parse.build = inputs.server_build;
  parse.access = inputs.hba_access;
  // Offline (pre-merge) scans cannot resolve the production RADIUS servers' names; a failed
  // lookup there says nothing about the file.
  parse.resolve_radius_servers = false;
  return parse;
}

}  // namespace

Gathered Gather(const ScanInputs& inputs, FactSet& facts) {
  Gathered gathered;
  const hba::ParseOptions parse = HbaParseOptions(inputs);
  std::set<std::string> files_read;
  const size_t hba_begin = facts.table(FactKind::kHbaRule).size();
  for (const std::string& path : inputs.hba_files) {
    gathered.targets.push_back(path);
    HbaFileEvidence file = AddHbaFileFacts(path, inputs.ident_file, path, parse, facts);
    if (file.input_error) {
      gathered.input_error = std::move(file.input_error);
      return gathered;
    }
    for (EvidenceError& error : file.errors) gathered.errors.push_back(std::move(error));
    files_read.merge(file.files_read);
  }
  AddArtifacts(files_read, gathered.artifacts);
  const size_t hba_end = facts.table(FactKind::kHbaRule).size();

  // Snapshots and live servers: what could not be collected (or read) is missing evidence.
  Evidence& evidence = gathered.servers;
  for (const std::string& path : inputs.snapshots) {
    if (std::optional<std::string> kind = NotARegularFile(path)) {
      gathered.input_error = path + ": " + *kind;
      return gathered;
    }
    const size_t first_server = evidence.servers.size();
    if (std::optional<std::string> error = collect::LoadSnapshot(path, facts, evidence)) {
      gathered.targets.push_back(path);
      gathered.errors.push_back({path, *error, std::nullopt});
    }
    for (size_t i = first_server; i < evidence.servers.size(); ++i) {
      AddMissingHbaVersions(evidence.servers[i], facts);
    }
  }
  if (inputs.live) {
    Evidence live = GatherLive(*inputs.live, facts);
    if (evidence.collected_at.empty()) evidence.collected_at = live.collected_at;
    if (evidence.collector_version.empty()) evidence.collector_version = live.collector_version;
    for (ServerEvidence& server : live.servers) {
      gathered.warnings.insert(gathered.warnings.end(), server.warnings.begin(),
                               server.warnings.end());
      evidence.servers.push_back(std::move(server));
    }
    for (Artifact& artifact : live.artifacts) evidence.artifacts.push_back(std::move(artifact));
  }
  if (!inputs.server_logs.empty()) {
    // One log, perhaps in rotated pieces: named by its newest file.
    const std::string& log = inputs.server_logs.back();
    gathered.targets.push_back(log);
    for (const std::string& path : inputs.server_logs) {
      if (std::optional<std::string> kind = NotARegularFile(path)) {
        gathered.input_error = path + ": " + *kind;
        return gathered;
      }
    }
    // The --hba files under review are the server's: which of their lines the log shows used.
    if (std::optional<std::string> error = logs::AddServerLogFacts(
            inputs.server_logs, log, inputs.log_options, {hba_begin, hba_end}, facts,
            gathered.warnings, inputs.log_positions)) {
      gathered.errors.push_back({log, *error, std::nullopt});
    } else {
      AddArtifacts(std::set<std::string>(inputs.server_logs.begin(), inputs.server_logs.end()),
                   gathered.artifacts);
    }
  }
  for (std::string& target : evidence.Targets()) gathered.targets.push_back(std::move(target));
  for (EvidenceError& error : evidence.Errors()) gathered.errors.push_back(std::move(error));
  gathered.artifacts.insert(gathered.artifacts.end(), evidence.artifacts.begin(),
                            evidence.artifacts.end());
  return gathered;
}

GatheredBase GatherBase(const ScanInputs& inputs, const BaseSource& source, FactSet& facts) {
  GatheredBase gathered;
  const hba::ParseOptions parse = HbaParseOptions(inputs);
  for (const std::string& path : inputs.hba_files) {
    std::variant<BaseVersion, std::string> read =
        ReadBaseVersion(source, path, IdentFileFor(path, inputs.ident_file), parse);
    if (std::string* error = std::get_if<std::string>(&read)) {
      gathered.input_error = std::move(*error);
      return gathered;
    }
    const BaseVersion& base = std::get<BaseVersion>(read);
    if (!base.exists) continue;
    // Named, it must be read: a base that is not there would make every finding new.
    if (std::optional<std::string> reason = hba::UnreadableReason(base.file)) {
      gathered.input_error = "base version: " + *reason;
      return gathered;
    }
    for (const hba::RefusedReference& refused : base.file.refused) {
      gathered.warnings.push_back("base version: " + hba::RefusalMessage(refused));
    }
    const hba::IdentFile* maps = base.ident && !base.ident->HasErrors() ? &*base.ident : nullptr;
    hba::AddHbaRuleFacts(base.as_head, {.pg_version = inputs.pg_version, .ident_maps = maps},
                         facts);
  }
  return gathered;
}

}  // namespace pgward::scan
