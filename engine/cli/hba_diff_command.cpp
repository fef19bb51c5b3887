#include "engine/cli/hba_diff_command.h"

#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <variant>

#include "engine/core/exit_code.h"
#include "engine/core/side_thread.h"
#include "engine/hba/access_diff.h"
#include "engine/hba/hba_facts.h"
#include "engine/policy/baseline.h"
#include "engine/policy/evaluator.h"
#include "engine/scan/base_version.h"
#include "engine/scan/hba_evidence.h"
#include "reporters/hba_diff_report.h"

namespace pgward::cli {
namespace {

std::vector<Finding> Findings(const hba::HbaFile& file, const hba::AccessMap& access,
                              const hba::HbaContext& context,
                              const std::vector<const policy::Policy*>& policies) {
  const auto facts = std::make_shared<FactSet>();
  hba::AddHbaRuleFacts(file, access, context, *facts);
  return policy::Evaluate(policies, facts).findings;
}

// The maps a side's pg_ident.conf gives, when the server would load it.
const hba::IdentFile* MapsOf(const std::optional<hba::IdentFile>& ident) {
  return ident && !ident->read_error && !ident->input_error && !ident->HasErrors() ? &*ident
                                                                                   : nullptr;
}

reporters::DecidingLine LineView(const hba::DecidingRecord& record) {
  return {record.file, record.line, record.method, record.clientcert};
}

}  // namespace

int RunHbaDiff(const HbaDiffOptions& options, std::ostream& out, std::ostream& err) {
  LoadedPolicies loaded = LoadPolicies(options.policy_choice, err);
  if (!loaded.ok) return ToInt(ExitCode::kUsageOrInputError);

  hba::ParseOptions parse;
  parse.pg_version = options.pg_version;
  parse.access = options.access;
  parse.resolve_radius_servers = false;  // offline: the production names need not resolve here
  const hba::HbaFile head = hba::ParseHbaFile(options.head, parse);
  // Each side with the pg_ident.conf beside it, as the server reads its own.
  const std::optional<std::string> head_ident_path = scan::IdentFileFor(options.head, std::nullopt);
  std::optional<hba::IdentFile> head_ident;
  if (head_ident_path) head_ident = hba::ParseIdentFile(*head_ident_path, parse);
  std::variant<scan::BaseVersion, std::string> read_base =
      scan::ReadBaseVersion({options.base, options.base_ref}, options.head, head_ident_path, parse);
  if (const std::string* error = std::get_if<std::string>(&read_base)) {
    err << "pgward: " << *error << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  const scan::BaseVersion& base = std::get<scan::BaseVersion>(read_base);
  reporters::HbaDiffReport report;
  report.base = base.name;
  report.head = options.head;
  for (const hba::HbaFile* file : {&base.file, &head}) {
    if (file->input_error) {
      err << "pgward: " << *hba::UnreadableReason(*file) << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    if (file->read_error) report.errors.push_back(*hba::UnreadableReason(*file));
    for (const hba::RefusedReference& refused : file->refused) {
      report.errors.push_back(hba::RefusalMessage(refused));
    }
  }
  // Each file's access map once: the access diff and the evaluation of each side read it.
  hba::AccessMap base_access, head_access;
  {
    SideTask base_analysis = StartOrRun([&] { base_access = hba::AnalyzeAccess(base.file, {}); });
    head_access = hba::AnalyzeAccess(head, {});
    base_analysis.Join();
  }
  // The access diff and the two evaluations side by side, each with its own policies.
  LoadedPolicies head_policies = LoadPolicies(options.policy_choice, err);
  std::vector<Finding> before, after;
  hba::AccessDiff access;
  {
    // A new file has no findings before it (an empty file's "contains no entries" is not one).
    SideTask base_findings = StartOrRun([&] {
      if (base.exists) {
        before = Findings(base.as_head, base_access,
                          {.pg_version = options.pg_version, .ident_maps = MapsOf(base.ident)},
                          loaded.Pointers());
      }
    });
    SideTask head_findings = StartOrRun([&] {
      after = Findings(head, head_access,
                       {.pg_version = options.pg_version, .ident_maps = MapsOf(head_ident)},
                       head_policies.Pointers());
    });
    access = hba::DiffAccess(base.file, base_access, head, head_access);
    base_findings.Join();
    head_findings.Join();
  }
  report.base_loads = access.base_loads && !base.file.read_error;
  report.head_loads = access.head_loads && !head.read_error;
  for (const hba::AccessChange& change : access.changes) {
    reporters::AccessChangeView view;
    view.change = hba::AccessChangeKindName(change.kind);
    view.connection = hba::ConnectionKindName(change.connection);
    view.databases = change.databases;
    view.users = change.users;
    for (const IpRange& range : change.ranges) {
      for (const IpRange& block : CidrBlocks(range)) view.addresses.push_back(FormatIpRange(block));
    }
    if (!change.address_label.empty()) view.addresses.push_back(change.address_label);
    if (change.base) view.base = LineView(*change.base);
    if (change.head) view.head = LineView(*change.head);
    report.changes.push_back(std::move(view));
  }

  std::vector<Finding> fixed = policy::ApplyBaseline(after, before);
  bool failing = false;
  bool undecided = false;
  for (Finding& finding : after) {
    // A finding the base had but that fails worse now is the change's too.
    if (finding.baseline_state != BaselineState::kNew &&
        finding.baseline_state != BaselineState::kWorsened) {
      ++report.unchanged_findings;
      continue;
    }
    failing |= finding.status == FindingStatus::kFail && finding.severity >= options.fail_on;
    // What the change brings and cannot be decided (a map line without its pg_ident.conf) is
    // missing evidence, never a pass.
    undecided |= finding.status == FindingStatus::kError;
    report.new_findings.push_back(std::move(finding));
  }
  // A fixed finding is shown where it was: in the base's own files.
  for (Finding& finding : fixed) {
    finding.target = base.OwnName(finding.target);
    if (finding.location) finding.location->file = base.OwnName(finding.location->file);
    // Messages name lines too ("shadowed by FILE:LINE").
    for (const auto& [head_name, base_file] : base.own_names) {
      const std::string named = head_name + ":";
      for (size_t at = finding.message.find(named); at != std::string::npos;
           at = finding.message.find(named, at + base_file.size() + 1)) {
        finding.message.replace(at, head_name.size(), base_file);
      }
    }
    report.fixed_findings.push_back(std::move(finding));
  }
  report.rules = RuleInfos(loaded.policies);

  ExitCode code = ExitCode::kOk;
  if (failing || !report.head_loads) code = ExitCode::kFindings;
  if (!report.errors.empty() || undecided) code = ExitCode::kIncompleteEvidence;
  report.exit_code = ToInt(code);
  switch (options.format) {
    case HbaDiffOptions::Format::kText:
      reporters::WriteHbaDiffText(report, out);
      break;
    case HbaDiffOptions::Format::kJson:
      reporters::WriteHbaDiffJson(report, out);
      break;
    case HbaDiffOptions::Format::kMarkdown:
      reporters::WriteHbaDiffMarkdown(report, out);
      break;
  }
  return report.exit_code;
}

}  // namespace pgward::cli
