#include "reporters/render.h"

#include <algorithm>

#include "reporters/json_report.h"
#include "reporters/text_report.h"

namespace pgward::reporters {
namespace {

constexpr std::string_view kFormats[] = {"text", "json"};

}  // namespace

std::span<const std::string_view> ReportFormats() { return kFormats; }

bool IsReportFormat(std::string_view format) {
  return std::find(std::begin(kFormats), std::end(kFormats), format) != std::end(kFormats);
}

std::string DefaultFileName(std::string_view format) {
  if (format == "text") return "pgward.txt";
  return "pgward." + std::string(format);
}

std::string RenderReport(std::string_view format, const ScanReport& report,
                         const RenderOptions& options) {
  if (format == "text") return RenderTextReport(report, options.color);
  return RenderJsonReport(report);
}

}  // namespace pgward::reporters
