#pragma once

#include <ostream>

#include "engine/findings/report.h"

namespace pgward::reporters {

// The terminal report: findings grouped by severity, most severe first, one line each with its
// location; then evidence errors and a summary. ANSI colours only when `color` is set (the
// caller decides: a terminal, and NO_COLOR unset).
void WriteTextReport(const ScanReport& report, bool color, std::ostream& out);

}  // namespace pgward::reporters
