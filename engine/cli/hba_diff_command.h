#pragma once

// `pgward hba diff`: what a change to a pg_hba.conf opens or closes, for whom, and which findings
// it brings or removes.

#include <iosfwd>
#include <string>

#include "engine/cli/policy_choice.h"
#include "engine/findings/finding.h"
#include "engine/hba/parser.h"

namespace pgward::cli {

struct HbaDiffOptions {
  std::string base;      // the file before the change; empty with base_ref
  std::string head;      // after it
  std::string base_ref;  // read the base from git: the head file as it is at this revision
  int pg_version = 17;
  hba::FileAccess access;  // --include-root, --path-map, the read limits (for both files)
  PolicyChoice policy_choice;
  Severity fail_on = Severity::kHigh;
  enum class Format { kText, kJson, kMarkdown } format = Format::kText;
};

// 1 when the change brings a failing finding at or above fail_on, or a file the server would not
// load; 3 when a file or something it includes could not be read; 2 for usage and input errors.
int RunHbaDiff(const HbaDiffOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
