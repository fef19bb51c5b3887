#include "reporters/render.h"

#include <algorithm>
#include <sstream>

#include "reporters/annotation_report.h"
#include "reporters/html_report.h"
#include "reporters/json_report.h"
#include "reporters/junit_report.h"
#include "reporters/metrics_report.h"
#include "reporters/oscal_report.h"
#include "reporters/sarif_report.h"
#include "reporters/text_report.h"

namespace pgward::reporters {
namespace {

constexpr std::string_view kFormats[] = {"text",   "json",    "sarif", "junit", "github",
                                         "gitlab", "metrics", "html",  "oscal"};

// The formats from the most bytes written per finding to the fewest (a 10,000-line scan: OSCAL
// 19 MB, JSON 12, SARIF 10, JUnit 2.7, HTML 1.9, text 1.2), which is the order of their writing
// time. A format added to kFormats must be given its place here too.
constexpr std::string_view kCostliestFirst[] = {"oscal", "json", "sarif",  "gitlab", "junit",
                                                "html",  "text", "github", "metrics"};
static_assert(std::is_permutation(std::begin(kFormats), std::end(kFormats),
                                  std::begin(kCostliestFirst), std::end(kCostliestFirst)));

}  // namespace

std::span<const std::string_view> ReportFormats() { return kFormats; }

std::size_t WritingRank(std::string_view format) {
  return static_cast<std::size_t>(
      std::find(std::begin(kCostliestFirst), std::end(kCostliestFirst), format) -
      std::begin(kCostliestFirst));
}

bool IsReportFormat(std::string_view format) {
  return std::find(std::begin(kFormats), std::end(kFormats), format) != std::end(kFormats);
}

std::string DefaultFileName(std::string_view format) {
  if (format == "text") return "pgward.txt";
  if (format == "junit") return "pgward.junit.xml";
  if (format == "github") return "pgward.github.txt";
  // The name GitLab's documentation gives the artifact.
  if (format == "gitlab") return "gl-code-quality-report.json";
  // The extension node_exporter's textfile collector reads.
  if (format == "metrics") return "pgward.prom";
  if (format == "oscal") return "pgward.oscal.json";
  return "pgward." + std::string(format);
}

std::optional<std::string> WriteReport(std::string_view format, const ScanReport& report,
                                       const RenderOptions& options, std::ostream& out) {
  if (format == "sarif") {
    return WriteSarifReport(
        report,
        SarifOptions{options.source_root, options.sarif_omit_suppressed, options.sarif_category},
        out);
  }
  if (format == "text") {
    WriteTextReport(report, options.color, out);
  } else if (format == "junit") {
    WriteJunitReport(report, out);
  } else if (format == "github") {
    WriteGithubAnnotations(report, options.source_root, out);
  } else if (format == "metrics") {
    WriteMetrics(report, out);
  } else if (format == "oscal") {
    WriteOscalAssessmentResults(report, OscalOptionsOf(report), out);
  } else if (format == "html") {
    WriteHtmlReport(report, out);
  } else if (format == "gitlab") {
    WriteGitlabCodeQuality(report, options.source_root, out);
  } else {
    WriteJsonReport(report, out);
  }
  return std::nullopt;
}

std::string RenderReport(std::string_view format, const ScanReport& report,
                         const RenderOptions& options) {
  std::ostringstream out;
  WriteReport(format, report, options, out);
  return std::move(out).str();
}

}  // namespace pgward::reporters
