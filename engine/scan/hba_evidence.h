#pragma once

// The one road from a pg_hba.conf to facts. Whichever way the rules come (a file under review,
// an inventory target's copy of its server's file, or the server's own pg_hba_file_rules
// rows), they are read with the server's version and become hba_rule facts and the first-match
// access map the same way, so the same rules judge them alike.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/collect/live_collector.h"
#include "engine/collect/target.h"
#include "engine/hba/parser.h"
#include "engine/model/collection.h"
#include "engine/model/evidence.h"
#include "engine/model/fact_table.h"

namespace pgward::scan {

struct HbaFileEvidence {
  // The file was not read at all (a device, past a read limit): an input error.
  std::optional<std::string> input_error;
  // What the file leaves missing: unreadable, or references refused by the include root.
  std::vector<EvidenceError> errors;
  // The file and every file it included, for the artifacts.
  std::set<std::string> files_read;
};

// The pg_ident.conf that goes with the pg_hba.conf at `hba_path`: `named` when given, else the
// server's default, the pg_ident.conf beside it (ident_file is the data directory's, as
// hba_file is), when there is one.
std::optional<std::string> IdentFileFor(const std::string& hba_path,
                                        const std::optional<std::string>& named);

// Parses `path` (and what it includes) and appends its facts, with the maps of its
// pg_ident.conf (IdentFileFor: `named_ident`, or the one beside it; read as options say; none:
// the maps are not known). A pg_ident.conf that was named must be read even when no line uses
// a map; the one beside the file only when one does. Errors are named after `target`.
HbaFileEvidence AddHbaFileFacts(const std::string& path,
                                const std::optional<std::string>& named_ident,
                                const std::string& target, const hba::ParseOptions& options,
                                FactSet& facts);

// What an inventory target's own files (hba_file, ident_file, server_logs) may make pgward read:
// `access`, its include root the inventory's directory unless --include-root set one.
hba::FileAccess InventoryFileAccess(const collect::Target& target, const hba::FileAccess& access);

// The hba evidence of a server a live collection reached: its inventory hba_file when it has
// one (read as that server's version and ssl setting would), else its pg_hba_file_rules rows.
// Appends the facts, the server's errors and the files read.
void AddServerHbaFacts(const collect::Target& target, const collect::ServerHbaAnswer& answer,
                       const hba::FileAccess& access, FactSet& facts, ServerEvidence& server,
                       std::vector<Artifact>& artifacts);

// The SHA-256 of every file in `paths` that can still be read.
void AddArtifacts(const std::set<std::string>& paths, std::vector<Artifact>& artifacts);

}  // namespace pgward::scan
