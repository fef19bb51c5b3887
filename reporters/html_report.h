#pragma once

// The HTML report (--format html): one page for people, assessors above all. The run (who, when,
// where, what, verdict), the requirements' verdicts, each server (identity, settings, protocols,
// sessions, pg_hba.conf coverage), the certificate inventory with its expiry, and the findings
// with their fix, with charts where a picture reads faster than a table.
//
// Self-contained: inline CSS and SVG, no script, and a Content-Security-Policy of
// default-src 'none' (inline styles and data: images allowed), so that the page requests nothing
// wherever it is opened, even if a value in it tried to. Printable: assessors print to PDF, and
// every server starts on a new page.

#include <ostream>

#include "engine/findings/report.h"

namespace pgward::reporters {

// Written as it is rendered: memory does not grow with the number of findings.
void WriteHtmlReport(const ScanReport& report, std::ostream& out);

}  // namespace pgward::reporters
