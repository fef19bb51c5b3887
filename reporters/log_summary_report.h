#pragma once

// `pgward log summary`: what a server log says about connections, as JSON (stable keys, for
// scripts and the tests) or as text for people.

#include <iosfwd>

#include "engine/model/log_summary.h"

namespace pgward::reporters {

void WriteLogSummaryJson(const LogSummary& summary, std::ostream& out);
void WriteLogSummaryText(const LogSummary& summary, std::ostream& out);

}  // namespace pgward::reporters
