#pragma once

// A pgward JSON report read back into the report model: the baseline a run compares with, and
// the shard reports `report merge` joins. Everything the JSON report writes comes back (the
// findings' subjects as facts of their own), so that a report read back renders as the run that
// wrote it did.

#include <string>
#include <variant>

#include "engine/findings/report.h"

namespace pgward {

// The report, or why `path` is not a readable pgward JSON report (report_version 1), naming the
// member at fault ("findings[3].severity: ...").
std::variant<ScanReport, std::string> ReadJsonReport(const std::string& path);

}  // namespace pgward
