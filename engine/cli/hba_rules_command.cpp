#include "engine/cli/hba_rules_command.h"

#include <ostream>

#include "engine/core/exit_code.h"
#include "engine/hba/file_rules_view.h"
#include "engine/hba/parser.h"
#include "reporters/hba_rules_report.h"

namespace pgward::cli {
namespace {

constexpr int kExitOk = static_cast<int>(ExitCode::kOk);
constexpr int kExitInputError = static_cast<int>(ExitCode::kUsageOrInputError);

}  // namespace

int RunHbaRules(const HbaRulesOptions& options, std::ostream& out, std::ostream& err) {
  if (options.pg_version < hba::kOldestPgVersion || options.pg_version > hba::kNewestPgVersion) {
    err << "pgward: unsupported PostgreSQL version " << options.pg_version
        << " (supported: " << hba::kOldestPgVersion << " to " << hba::kNewestPgVersion << ")\n";
    return kExitInputError;
  }
  hba::ParseOptions parse_options;
  parse_options.pg_version = options.pg_version;
  parse_options.access = options.access;
  const hba::HbaFile file = hba::ParseHbaFile(options.file, parse_options);
  if (std::optional<std::string> problem = hba::UnreadableReason(file)) {
    err << "pgward: " << *problem << "\n";
    return kExitInputError;
  }
  if (options.format == HbaRulesOptions::Format::kJson) {
    // Row by row: a large file is listed without holding its rendered rows.
    reporters::FileRulesJsonWriter json(out);
    for (const hba::HbaRule& rule : file.rules) {
      json.Row(hba::RenderFileRule(rule, options.pg_version, hba::SecretDisplay::kMask));
    }
    json.Finish();
  } else {
    // The table's columns are as wide as their widest cell: it needs every row first.
    reporters::WriteFileRulesTable(
        hba::RenderFileRules(file, options.pg_version, hba::SecretDisplay::kMask),
        options.pg_version >= 16, out);
  }
  // A refused reference is the one place the listing knowingly differs from the server's.
  for (const hba::RefusedReference& refused : file.refused) {
    err << "pgward: " << hba::RefusalMessage(refused) << "\n";
  }
  return file.refused.empty() ? kExitOk : ToInt(ExitCode::kIncompleteEvidence);
}

}  // namespace pgward::cli
