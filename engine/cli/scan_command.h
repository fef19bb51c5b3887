#pragma once

// `pgward scan`: inputs -> facts -> policies -> findings -> reporters.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/cli/collect_command.h"
#include "engine/cli/evidence_command.h"
#include "engine/cli/policy_choice.h"
#include "engine/cli/report_outputs.h"
#include "engine/findings/finding.h"
#include "engine/hba/parser.h"

namespace pgward::cli {

struct ScanOptions {
  // Inputs.
  std::vector<std::string> hba_files;
  std::string ident_file;  // empty: each --hba file's own, beside it
  std::vector<std::string> snapshots;
  // Live servers, as for `pgward collect` (its output file unused).
  CollectCommandOptions live;
  int pg_version = 17;            // for --hba files: the server version whose parser to follow
  hba::ServerBuild server_build;  // for --hba files: what the server was compiled with
  // One server's log, rotated files first (--server-log), read with this prefix and format.
  std::vector<std::string> server_logs;
  std::string log_line_prefix;
  std::string log_format;  // empty: recognised from the content

  PolicyChoice policy_choice;
  std::string waivers;
  // The baseline each finding is new, unchanged, worsened or updated against: an earlier run's JSON
  // report, or (pre-merge) the findings of the --hba files before the change.
  std::string baseline;
  std::string base_hba;      // the one --hba file before the change
  std::string base_ref;      // every --hba file as it is at this git revision
  bool fail_on_new = false;  // only findings new since the baseline, or worsened, fail the run
  // Scheduled runs: the last reports of this scan are kept here, and the last one is the
  // baseline.
  std::string state_dir;
  size_t keep_runs = 30;

  // Output.
  ReportOutputOptions output;
  EvidenceOptions evidence;                           // --evidence-dir, --sign-key, --sign-cert
  std::optional<Severity> fail_on = Severity::kHigh;  // absent: never
  bool reproducible = false;  // no timestamps: the same inputs give the same bytes

  std::vector<std::string> arguments;  // the command line, for the report (redacted there)
};

int RunScan(const ScanOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
