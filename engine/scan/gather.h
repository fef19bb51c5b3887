#pragma once

// The inputs of a run, gathered into facts: pg_hba.conf files, snapshots and live servers
// (collected through libpq, then each server's hba evidence, then the TLS probe). `scan`
// evaluates what this gathers; `collect` writes it to a snapshot.

#include <optional>
#include <string>
#include <vector>

#include "engine/collect/live_collector.h"
#include "engine/hba/parser.h"
#include "engine/logs/log_position.h"
#include "engine/logs/log_reader.h"
#include "engine/model/collection.h"
#include "engine/model/evidence.h"
#include "engine/model/fact_table.h"
#include "engine/probe/revocation.h"
#include "engine/scan/base_version.h"
#include "engine/scan/probe_servers.h"

namespace pgward::scan {

struct LivePlan {
  collect::CollectOptions collect;
  // What the targets' hba_file may make pgward read.
  hba::FileAccess hba_access;
  std::optional<ProbeServersOptions> probe;  // --probe
  // --crl-file: which server and client certificates the lists revoke.
  std::optional<probe::RevocationLists> revocation;
  std::optional<Shard> shard;  // the part of the targets selected
  // A scheduled scan's: the targets' server_logs are read from where the last run stopped.
  logs::LogPositions* log_positions = nullptr;
};

// Collects the planned targets, reads each reached server's hba evidence and, with a probe,
// probes the servers: one ServerEvidence per target, in target order.
Evidence GatherLive(const LivePlan& plan, FactSet& facts);

struct ScanInputs {
  std::vector<std::string> hba_files;  // --hba
  // --ident: the pg_ident.conf of the --hba files; without it, each one's own beside it.
  std::optional<std::string> ident_file;
  int pg_version = hba::kDefaultPgVersion;
  hba::ServerBuild server_build;
  hba::FileAccess hba_access;
  std::vector<std::string> snapshots;  // --snapshot
  std::optional<LivePlan> live;
  // --server-log: the files of one server's log, rotated ones first; and how to read them.
  std::vector<std::string> server_logs;
  logs::LogReadOptions log_options;
  logs::LogPositions* log_positions = nullptr;  // as LivePlan's
};

struct Gathered {
  // An input pgward does not read at all (a device, past a read limit): nothing was gathered.
  std::optional<std::string> input_error;
  std::vector<std::string> targets;   // hba files, then snapshot and live servers
  std::vector<EvidenceError> errors;  // what could not be collected: the run is incomplete
  std::vector<Artifact> artifacts;
  // The servers, from snapshots and live, with where their facts are: what an evidence bundle's
  // snapshot holds.
  Evidence servers;
  // What the inputs leave uncertain without being missing (a server log's lines that read like
  // connection messages a client may have written).
  std::vector<std::string> warnings;
};

// Appends the facts of every input to `facts`.
Gathered Gather(const ScanInputs& inputs, FactSet& facts);

struct GatheredBase {
  // A base that cannot be read (a revision git does not know, a file that is not there):
  // nothing to compare with.
  std::optional<std::string> input_error;
  // What the base leaves out (includes refused by the include root): more findings look new.
  std::vector<std::string> warnings;
};

// The base versions of the --hba files of `inputs` (a pre-merge scan: their findings are the
// baseline), named as the head files, read and parsed as Gather reads the head files. A file the
// base does not have adds no facts: everything in it is new.
GatheredBase GatherBase(const ScanInputs& inputs, const BaseSource& source, FactSet& facts);

}  // namespace pgward::scan
