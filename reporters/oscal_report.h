#pragma once

// NIST OSCAL assessment results (JSON, OSCAL 1.0.6) of a run: what a GRC platform imports.
// One result; per target an inventory item and an observation of its evidence (TEST for a
// server that was queried and probed, EXAMINE for a file or a snapshot), an observation per
// finding, and an OSCAL finding per requirement judged (satisfied or not-satisfied) with the
// observations behind it; back-matter resources name the files the results rest on, with their
// SHA-256.
//
// Conventions (OSCAL has no catalog of these frameworks): a requirement's control id is the
// framework id, "_" and the requirement ("pci-dss-4.0.1_4.2.1": a token must not start with a
// digit), its objective that id with "_obj". A requirement not assessed cannot be a finding
// (a finding's state is satisfied or not-satisfied): it is listed in reviewed-controls as
// excluded, with the prop assessment-status = not-assessed and why. UUIDs are name-based
// (version 5) from the run, so the same run gives the same bytes.

#include <ostream>
#include <string>
#include <vector>

#include "engine/findings/report.h"

namespace pgward::reporters {

// A file the results rest on: in an evidence bundle, the bundle's files (paths relative to the
// document); otherwise, the inputs the run read.
struct OscalResource {
  std::string path;
  std::string sha256;
  std::string title;
};

struct OscalOptions {
  std::vector<OscalResource> resources;
  // The resource that holds the servers' facts (a bundle's snapshot.json); empty: none.
  std::string server_evidence;
};

// The resources of a report on its own: the files it read.
OscalOptions OscalOptionsOf(const ScanReport& report);

void WriteOscalAssessmentResults(const ScanReport& report, const OscalOptions& options,
                                 std::ostream& out);

}  // namespace pgward::reporters
