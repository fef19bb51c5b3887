#include "engine/cli/report_outputs.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <ostream>
#include <thread>

#include "engine/core/exit_code.h"
#include "engine/core/side_thread.h"
#include "reporters/atomic_file.h"
#include "reporters/printable.h"
#include "reporters/render.h"
#include "reporters/text_report.h"

namespace pgward::cli {
std::optional<std::vector<ReportOutput>> PlanOutputs(const ReportOutputOptions& options,
                                                     std::ostream& err) {
  std::vector<ReportOutput> outputs;
  size_t to_stdout = 0;
  for (const std::string& format : options.formats) {
    ReportOutput output{format, ""};
    if (!options.output_dir.empty()) {
      output.path =
          (std::filesystem::path(options.output_dir) / reporters::DefaultFileName(format)).string();
    }
    if (output.path.empty()) ++to_stdout;
    outputs.push_back(output);
  }
  for (const auto& [format, path] :
       {std::pair{"json", options.json_file}, std::pair{"sarif", options.sarif_file},
        std::pair{"junit", options.junit_file}, std::pair{"metrics", options.metrics_file},
        std::pair{"html", options.html_file}, std::pair{"oscal", options.oscal_file}}) {
    if (path.empty()) continue;
    if (path == "-") ++to_stdout;
    outputs.push_back({format, path == "-" ? "" : path});
  }
  if (to_stdout > 1) {
    err << "pgward: several formats on standard output: add --output-dir DIR or --json FILE\n";
    return std::nullopt;
  }
  if (outputs.empty()) {
    err << "pgward: no report format: give --format FORMAT[,FORMAT...] or --json/--sarif/--junit "
           "FILE\n";
    return std::nullopt;
  }
  return outputs;
}

std::optional<int> WriteReports(const ScanReport& report, const std::vector<ReportOutput>& outputs,
                                const ReportOutputOptions& options,
                                const std::vector<std::string>& inputs,
                                reporters::Durability durability, std::ostream& out,
                                std::ostream& err) {
  const int failed = ToInt(ExitCode::kUsageOrInputError);
  if (!options.output_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options.output_dir, error);
    if (error) {
      err << "pgward: cannot create " << options.output_dir << ": " << error.message() << "\n";
      return failed;
    }
  }
  for (const ReportOutput& output : outputs) {
    if (output.path.empty()) continue;
    if (std::optional<std::string> error = reporters::CheckOutputPath(output.path, inputs)) {
      err << "pgward: " << *error << "\n";
      return failed;
    }
  }
  const auto render_options = [&](const ReportOutput& output) {
    reporters::RenderOptions render;
    render.color = output.path.empty() && options.color;
    render.source_root = options.source_root;
    render.sarif_omit_suppressed = options.sarif_omit_suppressed;
    render.sarif_category = options.sarif_category;
    return render;
  };
  // Files are written side by side: every format reads the same report, and for a large one
  // writing is most of the run. A writer per core takes the costliest format left: on two cores
  // JSON has one while SARIF, JUnit and text follow each other on the other, where four writers
  // sharing two cores kept JSON, the longest, waiting its turn.
  std::vector<size_t> to_files;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].path.empty()) to_files.push_back(i);
  }
  std::stable_sort(to_files.begin(), to_files.end(), [&](size_t a, size_t b) {
    return reporters::WritingRank(outputs[a].format) < reporters::WritingRank(outputs[b].format);
  });
  std::vector<std::optional<std::string>> write_errors(outputs.size());
  std::vector<std::optional<std::string>> left_out(outputs.size());  // what a format left out
  {
    std::atomic<size_t> next = 0;
    const auto write = [&] {
      for (size_t taken; (taken = next.fetch_add(1)) < to_files.size();) {
        const size_t i = to_files[taken];
        const ReportOutput& output = outputs[i];
        const reporters::RenderOptions render = render_options(output);
        write_errors[i] = reporters::WriteFileAtomically(
            output.path,
            [&](std::ostream& file) {
              left_out[i] = reporters::WriteReport(output.format, report, render, file);
            },
            durability);
      }
    };
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    RunOnThreads(std::min(cores, to_files.size()), write);
  }
  for (const std::optional<std::string>& error : write_errors) {
    if (error) {
      err << "pgward: " << *error << "\n";
      return failed;
    }
  }
  // Every report went to a file: the terminal still gets the counts.
  if (std::none_of(outputs.begin(), outputs.end(),
                   [](const ReportOutput& output) { return output.path.empty(); })) {
    reporters::WriteTextSummary(report, out);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ReportOutput& output = outputs[i];
    // A failed write is reported by the caller, once out is flushed.
    if (output.path.empty()) {
      left_out[i] = reporters::WriteReport(output.format, report, render_options(output), out);
    }
  }
  for (const std::string& warning : report.warnings) err << "pgward: warning: " << warning << "\n";
  for (const std::optional<std::string>& note : left_out) {
    if (note) err << "pgward: warning: " << *note << "\n";
  }
  PrintEvidenceErrors(report.errors, err);
  return std::nullopt;
}

void PrintEvidenceErrors(const std::vector<EvidenceError>& errors, std::ostream& err) {
  for (const EvidenceError& error : errors) {
    err << "pgward: " << reporters::Printable(error.target + ": " + error.message) << "\n";
  }
}

}  // namespace pgward::cli
