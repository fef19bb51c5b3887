#pragma once

// What a collection knows besides the facts themselves: which servers it covered, where each
// server's facts are in the FactSet, and what could not be collected. The snapshot writer needs
// the grouping; the scan needs the targets and errors.

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/evidence.h"
#include "engine/model/fact_table.h"

namespace pgward {

inline constexpr size_t kFactKindCount = static_cast<size_t>(FactKind::kLogReload) + 1;

// Rows [begin, end) of one FactTable.
struct RowRange {
  size_t begin = 0;
  size_t end = 0;
};

struct ServerEvidence {
  // Identity. Only the name is known for a target that could not be reached.
  std::string name;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<int> version;  // server_version_num
  // When its facts were collected (ISO 8601 UTC): a fleet's servers are collected minutes apart,
  // and evidence evaluated later is dated by its collection, not by the evaluation.
  std::string collected_at;
  // Read from a snapshot (its time is an input's), not collected by this run.
  bool from_snapshot = false;
  // The sslrootcert of pgward's own connection, when it had one: the probe verifies the
  // server's chain against it too. Not part of snapshots.
  std::optional<std::string> root_cert;
  // The server's facts of each kind (indexed by FactKind): every collector appends one
  // server's facts together, so they are contiguous.
  std::array<RowRange, kFactKindCount> rows{};
  // What could not be collected from this server: the run is incomplete.
  std::vector<EvidenceError> errors;
  // What was read but may not be what it seems, without making the run incomplete (lines of its
  // log a client may have written): the report's warnings. Not part of snapshots.
  std::vector<std::string> warnings;
};

struct Evidence {
  std::string collector_version;  // pgward's version for live collection; the snapshot's
  std::string collected_at;       // ISO 8601 UTC: when the collection started
  std::vector<ServerEvidence> servers;
  std::vector<Artifact> artifacts;  // files read (snapshots, hba files) with their SHA-256

  // The servers' names, for the report's targets.
  std::vector<std::string> Targets() const;
  // Every server's errors, in server order.
  std::vector<EvidenceError> Errors() const;
};

// The current number of rows of every table, to delimit what is appended next.
std::array<size_t, kFactKindCount> TableSizes(const FactSet& facts);
// Drops the rows appended since `before`: what an input that failed halfway had added.
void DropRowsSince(const std::array<size_t, kFactKindCount>& before, FactSet& facts);
// The rows appended since `before`.
std::array<RowRange, kFactKindCount> RowsSince(const std::array<size_t, kFactKindCount>& before,
                                               const FactSet& facts);

}  // namespace pgward
