#pragma once

// NIST OSCAL assessment results (JSON, OSCAL 1.0.6) of a run: what a GRC platform imports.
// One result; per target (and per server's own file a finding names) an inventory item and an
// observation of its evidence (TEST for a server, EXAMINE for a file), an observation per
// finding, and an OSCAL finding per requirement with the observations behind it; back-matter
// resources name the files the results rest on, with their SHA-256.
//
// Conventions (OSCAL has no catalog of these frameworks): a requirement's control id is the
// framework id and the requirement joined by "__", each escaped into OSCAL's token alphabet
// ('_' and any byte outside [A-Za-z0-9.-], and a first character that is not a letter, become
// "_HH"): "pci-dss-4.0.1__4.2.1". Its objective is that id with "__obj". Fail closed: a
// requirement not assessed (evidence missing) is not-satisfied with the reason "not-assessed"
// and the prop assessment-status = not-assessed, never left out of the reviewed controls. UUIDs
// are name-based (version 5) from the run and its findings, so the same run gives the same
// bytes.

#include <ostream>
#include <string>
#include <vector>

#include "engine/findings/report.h"

namespace pgward::reporters {

// A file the results rest on, with its SHA-256.
struct OscalResource {
  std::string path;
  std::string sha256;
  std::string title;
};

struct OscalOptions {
  std::vector<OscalResource> inputs;  // the files the run read, named as it named them
  // In an evidence bundle, the bundle's files, relative to the document.
  std::vector<OscalResource> bundle_files;
  // The bundle file that holds the servers' facts (snapshot.json); empty: none.
  std::string server_evidence;
  // When the run started and ended, where the report leaves them out (--reproducible): a
  // bundle's are always known.
  std::string started_at, finished_at;
};

// The resources of a report on its own: the files it read.
OscalOptions OscalOptionsOf(const ScanReport& report);

void WriteOscalAssessmentResults(const ScanReport& report, const OscalOptions& options,
                                 std::ostream& out);

}  // namespace pgward::reporters
