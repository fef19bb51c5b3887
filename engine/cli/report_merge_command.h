#pragma once

// `pgward report merge`: the JSON reports of a fleet's shards -> the report of the whole fleet,
// in every format a scan writes.

#include <iosfwd>
#include <string>
#include <vector>

#include "engine/cli/report_outputs.h"

namespace pgward::cli {

struct ReportMergeOptions {
  std::vector<std::string> reports;  // the shards' JSON reports
  ReportOutputOptions output;
};

// The merged report's exit code (as one scan of the fleet would exit: 3 when a shard is
// missing or evidence was not collected, 1 on failing findings), or 2 when the reports are not
// the shards of one scan.
int RunReportMerge(const ReportMergeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
