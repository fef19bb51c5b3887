#pragma once

// Snapshots: the evidence of a collection as a versioned JSON document (docs/snapshot-format.md,
// schemas/snapshot.schema.json), to be evaluated later, elsewhere, or again. A snapshot read
// back gives exactly the facts that were written, so it gives the same findings.

#include <optional>
#include <string>

#include "engine/model/collection.h"
#include "engine/model/fact_table.h"

namespace pgward::collect {

inline constexpr int kSnapshotFormatVersion = 1;

// Which member of a server entry holds the facts of each kind; server facts are "settings".
// Members were only ever added: a snapshot without the newer ones reads as having none.
inline constexpr const char* kSnapshotMemberOfKind[kFactKindCount] = {
    "connections",   "settings",          "certificates", "probe_protocols",
    "probe_ciphers", "hba_rules",         "hba_access",   "log_sessions",
    "log_failures",  "replication_links", "log_reloads"};

// The snapshot document of `evidence`: each server's identity, its facts (the rows its
// ServerEvidence points at) and its errors.
std::string WriteSnapshot(const Evidence& evidence, const FactSet& facts);

// Reads a snapshot, or a `psql --csv` export of the audit query when the file name ends in
// .csv (the server is then named after the file), appending its facts to `facts`, its servers
// to `evidence.servers` and the file with its SHA-256 to `evidence.artifacts`. Returns why the
// file cannot be used (unreadable, not a snapshot, a newer format, a mistyped value), without
// the path, which the caller names (an evidence error's target); the facts are then incomplete
// and must not be evaluated.
std::optional<std::string> LoadSnapshot(const std::string& path, FactSet& facts,
                                        Evidence& evidence);

}  // namespace pgward::collect
