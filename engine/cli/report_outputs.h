#pragma once

// Where a run's reports go and how they are written: `scan` and `report merge` share it, so a
// merged report is written as a scan writes its own.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/findings/report.h"
#include "reporters/atomic_file.h"

namespace pgward::cli {

struct ReportOutputOptions {
  std::vector<std::string> formats = {"text"};  // reporters::ReportFormats()
  std::string output_dir;
  std::string json_file;
  std::string sarif_file;
  std::string junit_file;
  std::string metrics_file;  // Prometheus text format, for node_exporter's textfile collector
  std::string html_file;
  std::string oscal_file;
  std::string source_root = ".";       // SARIF: file URIs relative to this directory
  bool sarif_omit_suppressed = false;  // SARIF: leave waived findings out (GitHub)
  std::string sarif_category;          // SARIF: automationDetails.id (GitHub's category)
  bool color = false;                  // decided by the caller: a terminal and NO_COLOR unset
};

struct ReportOutput {
  std::string format;
  std::string path;  // empty: standard output
};

// Where each requested report goes: an explicit --json/--sarif/--junit/--metrics FILE, the
// output directory, or standard output (one format at most); nullopt after a usage error.
std::optional<std::vector<ReportOutput>> PlanOutputs(const ReportOutputOptions& options,
                                                     std::ostream& err);

// Writes the reports (files side by side, each atomically, synced or not as `durability` says;
// then standard output, or the text summary when every report went to a file), then the
// report's warnings and evidence errors on `err`. No report overwrites one of `inputs`. Returns
// the exit code of a failure (usage or output error), nullopt when everything was written.
std::optional<int> WriteReports(const ScanReport& report, const std::vector<ReportOutput>& outputs,
                                const ReportOutputOptions& options,
                                const std::vector<std::string>& inputs,
                                reporters::Durability durability, std::ostream& out,
                                std::ostream& err);

// Writes each error on a line of its own: a server's text in it (a role name, a libpq message)
// may hold line breaks, which would let it write lines that read as pgward's.
void PrintEvidenceErrors(const std::vector<EvidenceError>& errors, std::ostream& err);

}  // namespace pgward::cli
