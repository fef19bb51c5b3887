#pragma once

#include <ostream>

#include "engine/findings/report.h"

namespace pgward::reporters {

// The terminal report: findings grouped by severity, most severe first, one line each with its
// location; then evidence errors and a summary. ANSI colours only when `color` is set (the
// caller decides: a terminal, and NO_COLOR unset).
// Under each rule's run of failing findings, its fix (the rule's remediation).
void WriteTextReport(const ScanReport& report, bool color, std::ostream& out);

// The report's last line alone: the counts (for a terminal when the reports go to files).
void WriteTextSummary(const ScanReport& report, std::ostream& out);

}  // namespace pgward::reporters
