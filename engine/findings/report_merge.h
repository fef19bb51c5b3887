#pragma once

// The reports of a fleet's shards (scan --shard INDEX/COUNT, one Kubernetes Indexed Job pod
// each) joined into the report of the whole fleet: the same findings, fingerprints, checks,
// summary and completeness as one run over every target would give, in every format.

#include <string>
#include <variant>
#include <vector>

#include "engine/findings/report.h"

namespace pgward {

// `shards` must be reports of one scan (the same command line but for the shard, which the
// caller compares): every one a shard of the same COUNT, no index twice. A missing shard is
// missing evidence: an error of the merged report (exit 3), never a smaller fleet that passes.
// Returns why the reports cannot be merged otherwise. `names` name the reports in errors.
std::variant<ScanReport, std::string> MergeShardReports(std::vector<ScanReport> shards,
                                                        const std::vector<std::string>& names);

}  // namespace pgward
