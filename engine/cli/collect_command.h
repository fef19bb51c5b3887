#pragma once

// `pgward collect`: live servers -> snapshot file.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/hba/parser.h"
#include "engine/scan/gather.h"

namespace pgward::cli {

struct CollectCommandOptions {
  std::vector<std::string> targets;       // --target DSN, repeatable: libpq strings or URIs
  std::string inventory;                  // --inventory FILE
  std::vector<std::string> tags;          // --tag T, repeatable: targets with any of them
  int concurrency = 64;                   // --concurrency N: connections in flight
  int retries = 2;                        // --retries N: transient connection failures retried
  std::optional<int> deadline_ms;         // --deadline-ms N: the whole collection's time
  std::optional<int> timeout_ms;          // --timeout-ms N: per target, over the inventory's
  std::string output;                     // -o/--output FILE: the snapshot
  bool probe = false;                     // --probe: the TLS probe of every server reached
  std::string probe_ca_file;              // --probe-ca-file FILE: trust anchors for the probe
  std::vector<std::string> crl_files;     // --crl-file FILE, repeatable: revocation lists
  std::vector<std::string> crl_ca_files;  // --crl-ca-file FILE, repeatable: who signs them
  bool progress = false;                  // decided by the caller: stderr is a terminal
  // --shard INDEX/COUNT, or --shards COUNT with the index from JOB_COMPLETION_INDEX (a
  // Kubernetes Indexed Job's pod): only this shard of the targets.
  std::string shard;
  std::optional<size_t> shards;
  std::optional<std::string> job_completion_index;  // the environment's, read by the caller
  // What an hba file (scan --hba, an inventory's hba_file) may make pgward read.
  hba::FileAccess hba_access;
};

// The targets of --target DSNs and the --inventory (selected by --tag), ready to collect; or
// nullopt after printing a usage error. `scan` and `collect` share it.
std::optional<scan::LivePlan> PlanCollection(const CollectCommandOptions& options,
                                             std::ostream& err);

// Exit 0 when everything was collected, 3 when something could not be (the snapshot is
// written all the same and records what is missing), 2 on a usage or input error.
int RunCollect(const CollectCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
