#include "engine/cli/collect_command.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>

#include "engine/cli/report_outputs.h"
#include "engine/collect/inventory.h"
#include "engine/collect/live_collector.h"
#include "engine/collect/snapshot.h"
#include "engine/core/exit_code.h"
#include "engine/core/redact.h"
#include "engine/scan/gather.h"
#include "reporters/atomic_file.h"

namespace pgward::cli {
namespace {

// --target DSNs are named user@host:port/dbname; the same name twice gets a suffix so that each
// target keeps its own facts and errors. A DSN libpq cannot parse is named by its position
// only: its text may hold a password in a form no redaction recognizes.
std::vector<collect::Target> CommandLineTargets(const std::vector<std::string>& dsns) {
  std::vector<collect::Target> targets;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < dsns.size(); ++i) {
    collect::Target target;
    target.dsn = dsns[i];
    target.name =
        collect::NameForDsn(dsns[i]).value_or("--target " + std::to_string(i + 1) + " (invalid)");
    if (const int count = ++seen[target.name]; count > 1) {
      target.name += " #" + std::to_string(count);
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

// INDEX/COUNT from --shard, or from --shards and JOB_COMPLETION_INDEX; nullopt after an error.
std::optional<std::pair<size_t, size_t>> ShardOf(const CollectCommandOptions& options,
                                                 std::ostream& err) {
  if (!options.shard.empty() && options.shards) {
    err << "pgward: give --shard INDEX/COUNT or --shards COUNT, not both\n";
    return std::nullopt;
  }
  std::string index_text, count_text;
  if (options.shards) {
    if (!options.job_completion_index) {
      err << "pgward: --shards takes the shard's index from JOB_COMPLETION_INDEX (a Kubernetes "
             "Indexed Job sets it); it is not set: give --shard INDEX/COUNT\n";
      return std::nullopt;
    }
    index_text = *options.job_completion_index;
    count_text = std::to_string(*options.shards);
  } else {
    const size_t slash = options.shard.find('/');
    index_text = options.shard.substr(0, slash);
    count_text = slash == std::string::npos ? "" : options.shard.substr(slash + 1);
  }
  const auto number = [](const std::string& text) -> std::optional<size_t> {
    if (text.empty() || text.size() > 6 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoul(text);
  };
  const std::optional<size_t> index = number(index_text), count = number(count_text);
  if (!index || !count || *count == 0 || *index >= *count) {
    err << "pgward: shard " << index_text << "/" << count_text
        << " is not INDEX/COUNT with 0 <= INDEX < COUNT\n";
    return std::nullopt;
  }
  return std::pair{*index, *count};
}

}  // namespace

std::optional<scan::LivePlan> PlanCollection(const CollectCommandOptions& options,
                                             std::ostream& err) {
  if (options.targets.empty() && options.inventory.empty()) {
    err << "pgward: nothing to collect: give --target DSN or --inventory FILE\n";
    return std::nullopt;
  }
  if (!options.tags.empty() && options.inventory.empty()) {
    err << "pgward: --tag selects inventory targets: give --inventory FILE\n";
    return std::nullopt;
  }
  if (options.concurrency < 1 || (options.timeout_ms && *options.timeout_ms < 1)) {
    err << "pgward: --concurrency and --timeout-ms must be positive\n";
    return std::nullopt;
  }
  if (!options.probe_ca_file.empty()) {
    if (!options.probe) {
      err << "pgward: --probe-ca-file is for the TLS probe: add --probe\n";
      return std::nullopt;
    }
    if (!std::ifstream(options.probe_ca_file).good()) {
      err << "pgward: cannot read --probe-ca-file " << RedactSecrets(options.probe_ca_file) << "\n";
      return std::nullopt;
    }
  }
  scan::LivePlan plan;
  plan.hba_access = options.hba_access;
  if (!options.crl_files.empty()) {
    std::variant<probe::RevocationLists, std::string> lists = probe::RevocationLists::Read(
        options.crl_files, options.crl_ca_files, std::chrono::system_clock::now());
    if (const std::string* error = std::get_if<std::string>(&lists)) {
      err << "pgward: " << *error << "\n";
      return std::nullopt;
    }
    plan.revocation = std::move(std::get<probe::RevocationLists>(lists));
  }
  if (options.probe) {
    plan.probe.emplace();
    if (!options.probe_ca_file.empty()) plan.probe->ca_file = options.probe_ca_file;
  }
  collect::CollectOptions& collect = plan.collect;
  collect.concurrency = options.concurrency;
  collect.retries = options.retries;
  if (options.deadline_ms) collect.deadline = std::chrono::milliseconds(*options.deadline_ms);
  collect.targets = CommandLineTargets(options.targets);
  if (!options.inventory.empty()) {
    collect::InventoryResult inventory = collect::LoadInventory(options.inventory);
    if (inventory.error) {
      err << "pgward: " << RedactSecrets(*inventory.error) << "\n";
      return std::nullopt;
    }
    std::vector<collect::Target> selected = collect::SelectByTags(inventory.targets, options.tags);
    if (selected.empty()) {
      err << "pgward: no target of " << options.inventory << " has the tags given\n";
      return std::nullopt;
    }
    for (collect::Target& target : selected) collect.targets.push_back(std::move(target));
  }
  if (!options.shard.empty() || options.shards) {
    const std::optional<std::pair<size_t, size_t>> shard = ShardOf(options, err);
    if (!shard) return std::nullopt;
    collect.targets = collect::SelectShard(std::move(collect.targets), shard->first, shard->second);
    plan.shard = Shard{shard->first, shard->second};
  }
  if (options.timeout_ms) {
    for (collect::Target& target : collect.targets) target.timeout_ms = *options.timeout_ms;
  }
  if (options.progress) {
    collect.on_progress = [&err](const collect::Progress& progress) {
      err << "\rpgward: collected " << progress.done << "/" << progress.total << " targets, "
          << progress.failed << " with errors" << (progress.done == progress.total ? "\n" : "")
          << std::flush;
    };
  }
  return plan;
}

int RunCollect(const CollectCommandOptions& options, std::ostream& out, std::ostream& err) {
  const int usage = ToInt(ExitCode::kUsageOrInputError);
  if (options.output.empty()) {
    err << "pgward: collect needs -o FILE for the snapshot\n";
    return usage;
  }
  std::optional<scan::LivePlan> plan = PlanCollection(options, err);
  if (!plan) return usage;
  // A snapshot keeps what the role may read, for whichever policy judges it later.
  plan->collect.md5_password_roles = collect::CollectOptions::Md5PasswordRoles::kWhereReadable;

  FactSet facts;
  const Evidence evidence = scan::GatherLive(*plan, facts);
  std::vector<std::string> inputs;
  if (!options.inventory.empty()) inputs.push_back(options.inventory);
  for (const Artifact& artifact : evidence.artifacts) inputs.push_back(artifact.path);
  if (std::optional<std::string> error = reporters::CheckOutputPath(options.output, inputs)) {
    err << "pgward: " << *error << "\n";
    return usage;
  }
  if (std::optional<std::string> error =
          reporters::WriteFileAtomically(options.output, collect::WriteSnapshot(evidence, facts),
                                         reporters::Durability::kSynced)) {
    err << "pgward: " << *error << "\n";
    return usage;
  }
  const std::vector<EvidenceError> errors = evidence.Errors();
  PrintEvidenceErrors(errors, err);
  out << "pgward: wrote " << options.output << ": " << evidence.servers.size() << " target(s), "
      << facts.table(FactKind::kConnection).size() << " connection(s), " << errors.size()
      << " error(s)\n";
  return ToInt(errors.empty() ? ExitCode::kOk : ExitCode::kIncompleteEvidence);
}

}  // namespace pgward::cli
