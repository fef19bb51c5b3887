#include "engine/cli/hba_rules_command.h"

#include <optional>
#include <ostream>
#include <vector>

#include "engine/core/exit_code.h"
#include "engine/core/handoff.h"
#include "engine/hba/file_rules_view.h"
#include "engine/hba/ident_view.h"
#include "engine/hba/parser.h"
#include "reporters/hba_rules_report.h"
#include "reporters/ident_mappings_report.h"

namespace pgward::cli {
namespace {

constexpr int kExitOk = static_cast<int>(ExitCode::kOk);
constexpr int kExitInputError = static_cast<int>(ExitCode::kUsageOrInputError);

bool SupportedVersion(int pg_version, std::ostream& err) {
  if (pg_version >= hba::kOldestPgVersion && pg_version <= hba::kNewestPgVersion) return true;
  err << "pgward: unsupported PostgreSQL version " << pg_version
      << " (supported: " << hba::kOldestPgVersion << " to " << hba::kNewestPgVersion << ")\n";
  return false;
}

// A refused reference is the one place a listing knowingly differs from the server's.
int ReportRefused(const std::vector<hba::RefusedReference>& refused, std::ostream& err) {
  for (const hba::RefusedReference& reference : refused) {
    err << "pgward: " << hba::RefusalMessage(reference) << "\n";
  }
  return refused.empty() ? kExitOk : ToInt(ExitCode::kIncompleteEvidence);
}

// Batches of rules parsed and not yet written: memory stays a few batches whatever the file.
constexpr std::size_t kMostPendingBatches = 8;

// The rows are rendered and written on a thread of their own while the file is parsed, a batch
// of rules at a time: a large file is listed in about the time of the longer of the two, holding
// a few batches, not the file's rules.
int ListRulesAsJson(const HbaRulesOptions& options, const hba::ParseOptions& parse_options,
                    std::ostream& out, std::ostream& err) {
  // Started with the first rows: a file that cannot be read lists nothing. Declared before
  // `writing`, whose thread uses them, so that they outlive it.
  std::optional<reporters::FileRulesJsonWriter> json;
  const auto listing = [&json, &out]() -> reporters::FileRulesJsonWriter& {
    if (!json) json.emplace(out);
    return *json;
  };
  FileRulesRow row;
  Handoff<std::vector<hba::HbaRule>> writing(
      [&](std::vector<hba::HbaRule>& rules) {
        for (const hba::HbaRule& rule : rules) {
          hba::RenderFileRule(rule, options.pg_version, hba::SecretDisplay::kMask, row);
          listing().Row(row);
        }
        rules.clear();
      },
      kMostPendingBatches);
  const hba::HbaFile file = hba::StreamHbaFile(
      options.file, parse_options,
      [&](std::vector<hba::HbaRule>& rules) { rules = writing.Give(std::move(rules)); });
  writing.Finish();
  if (std::optional<std::string> problem = hba::UnreadableReason(file)) {
    // A limit stopped the parse after rows were written: the array stays open, so that no JSON
    // reader takes them for the file's listing.
    err << "pgward: " << *problem << "\n";
    return kExitInputError;
  }
  listing().Finish();
  return ReportRefused(file.refused, err);
}

}  // namespace

int RunHbaRules(const HbaRulesOptions& options, std::ostream& out, std::ostream& err) {
  if (!SupportedVersion(options.pg_version, err)) return kExitInputError;
  hba::ParseOptions parse_options;
  parse_options.pg_version = options.pg_version;
  parse_options.access = options.access;
  parse_options.build = options.build;
  if (options.format == HbaRulesOptions::Format::kJson) {
    return ListRulesAsJson(options, parse_options, out, err);
  }
  const hba::HbaFile file = hba::ParseHbaFile(options.file, parse_options);
  if (std::optional<std::string> problem = hba::UnreadableReason(file)) {
    err << "pgward: " << *problem << "\n";
    return kExitInputError;
  }
  // The table's columns are as wide as their widest cell: it needs every row first.
  reporters::WriteFileRulesTable(
      hba::RenderFileRules(file, options.pg_version, hba::SecretDisplay::kMask),
      options.pg_version >= 16, out);
  return ReportRefused(file.refused, err);
}

int RunIdentMappings(const HbaRulesOptions& options, std::ostream& out, std::ostream& err) {
  if (!SupportedVersion(options.pg_version, err)) return kExitInputError;
  hba::ParseOptions parse_options;
  parse_options.pg_version = options.pg_version;
  parse_options.access = options.access;
  const hba::IdentFile file = hba::ParseIdentFile(options.file, parse_options);
  if (std::optional<std::string> problem = hba::UnreadableReason(file)) {
    err << "pgward: " << *problem << "\n";
    return kExitInputError;
  }
  const std::vector<IdentMappingRow> rows = hba::RenderIdentMappings(file, options.pg_version);
  if (options.format == HbaRulesOptions::Format::kJson) {
    reporters::WriteIdentMappingsJson(rows, out);
  } else {
    reporters::WriteIdentMappingsTable(rows, options.pg_version >= 16, out);
  }
  return ReportRefused(file.refused, err);
}

}  // namespace pgward::cli
