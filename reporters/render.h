#pragma once

// One entry point for every report format, so that the scan command knows formats by name only.

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "engine/findings/report.h"

namespace pgward::reporters {

struct RenderOptions {
  bool color = false;  // text only: ANSI colours (a terminal, NO_COLOR unset)
  // sarif only: file URIs are relative to this directory (--source-root; the repository root
  // for GitHub code scanning).
  std::string source_root = ".";
  // sarif only: leave waived findings out (--sarif-omit-suppressed), for GitHub, which shows
  // suppressed results as open alerts.
  bool sarif_omit_suppressed = false;
  std::string sarif_category;  // sarif only: --sarif-category
};

// "text", "json", "sarif", "junit", "github", "gitlab", "metrics", "html", "oscal": the formats
// this version writes.
std::span<const std::string_view> ReportFormats();

bool IsReportFormat(std::string_view format);

// Where `format` comes when the formats are ordered by the bytes each writes per finding, the
// costliest first: writers that share the cores take the reports of a run in this order, so that
// the longest is not left to the end.
std::size_t WritingRank(std::string_view format);

// The file name a format gets in --output-dir: pgward.txt, pgward.json, pgward.sarif,
// pgward.junit.xml.
std::string DefaultFileName(std::string_view format);

// Writes the report in a format of ReportFormats() as it is rendered: memory does not grow with
// the number of findings. Returns what the format had to leave out (SARIF past GitHub's upload
// limits), for the run's warnings.
std::optional<std::string> WriteReport(std::string_view format, const ScanReport& report,
                                       const RenderOptions& options, std::ostream& out);

// The same, as one string (tests and small reports).
std::string RenderReport(std::string_view format, const ScanReport& report,
                         const RenderOptions& options);

}  // namespace pgward::reporters
