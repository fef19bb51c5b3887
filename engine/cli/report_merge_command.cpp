#include "engine/cli/report_merge_command.h"

#include <ostream>
#include <variant>

#include "engine/core/exit_code.h"
#include "engine/findings/report_merge.h"
#include "engine/findings/report_reader.h"

namespace pgward::cli {
namespace {

// A shard's command line without the option that made it a shard: what every shard of one
// scan shares, and what one scan of the whole fleet would have been given.
std::vector<std::string> WithoutShardOption(const std::vector<std::string>& arguments) {
  std::vector<std::string> kept;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument == "--shard" || argument == "--shards") {
      ++i;  // and its value
      continue;
    }
    if (argument.starts_with("--shard=") || argument.starts_with("--shards=")) continue;
    kept.push_back(argument);
  }
  return kept;
}

std::string Joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

}  // namespace

int RunReportMerge(const ReportMergeOptions& options, std::ostream& out, std::ostream& err) {
  const int usage = ToInt(ExitCode::kUsageOrInputError);
  if (options.reports.empty()) {
    err << "pgward: report merge needs the shards' JSON reports\n";
    return usage;
  }
  const std::optional<std::vector<ReportOutput>> outputs = PlanOutputs(options.output, err);
  if (!outputs) return usage;
  std::vector<ScanReport> shards;
  std::vector<std::string> arguments;
  for (const std::string& path : options.reports) {
    std::variant<ScanReport, std::string> read = ReadJsonReport(path);
    if (const std::string* error = std::get_if<std::string>(&read)) {
      err << "pgward: " << *error << "\n";
      return usage;
    }
    ScanReport& shard = std::get<ScanReport>(read);
    std::vector<std::string> command_line = WithoutShardOption(shard.invocation.arguments);
    if (shards.empty()) {
      arguments = std::move(command_line);
    } else if (command_line != arguments) {
      err << "pgward: " << path << " and " << options.reports.front()
          << " are not shards of one scan: their command lines differ but for the shard\n  "
          << Joined(command_line) << "\n  " << Joined(arguments) << "\n";
      return usage;
    }
    shards.push_back(std::move(shard));
  }
  std::variant<ScanReport, std::string> merged =
      MergeShardReports(std::move(shards), options.reports);
  if (const std::string* error = std::get_if<std::string>(&merged)) {
    err << "pgward: " << *error << "\n";
    return usage;
  }
  ScanReport& report = std::get<ScanReport>(merged);
  report.invocation.arguments = std::move(arguments);
  if (std::optional<int> failed = WriteReports(report, *outputs, options.output, options.reports,
                                               reporters::Durability::kUnsynced, out, err)) {
    return *failed;
  }
  return report.invocation.exit_code;
}

}  // namespace pgward::cli
