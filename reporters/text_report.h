#pragma once

#include <string>

#include "engine/findings/report.h"

namespace pgward::reporters {

// The terminal report: findings grouped by severity, most severe first, one line each with its
// location; then evidence errors and a summary. ANSI colours only when `color` is set (the
// caller decides: a terminal, and NO_COLOR unset).
std::string RenderTextReport(const ScanReport& report, bool color);

}  // namespace pgward::reporters
