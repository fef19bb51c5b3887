#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "engine/findings/report.h"

namespace pgward::reporters {

struct SarifOptions {
  // Files are given relative to this directory (the repository root for GitHub code scanning),
  // through the SRCROOT base id; files outside it keep an absolute file: URI.
  std::string source_root = ".";
  // Leaves waived findings out: GitHub ignores SARIF suppressions and would show them as open.
  bool omit_suppressed = false;
  // runs[0].automationDetails.id is "CATEGORY/" (GitHub's upload category); empty: a digest of
  // the targets.
  std::string category;
};

// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run with the rules (help,
// security-severity, compliance taxonomies), one result per failing or waived finding (waived
// ones as external suppressions), the files read with their SHA-256, and the invocation with a
// notification per evidence error. The same report gives the same bytes: no GUIDs, and times
// only when the report has them. Within GitHub code scanning's upload limits (25,000 results per
// run, 10 MB gzip-compressed): past them the most severe results are kept, each rule's others
// counted in one result of its own, and the note saying so (a notification in the run too) is
// returned for the run's warnings. Memory stays within about 10 MB however many findings.
std::optional<std::string> WriteSarifReport(const ScanReport& report, const SarifOptions& options,
                                            std::ostream& out);

}  // namespace pgward::reporters
