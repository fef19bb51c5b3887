#include "engine/cli/hba_diff_command.h"

#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <thread>
#include <variant>

#include "engine/cli/git_base.h"
#include "engine/core/exit_code.h"
#include "engine/hba/access_diff.h"
#include "engine/hba/hba_facts.h"
#include "engine/policy/evaluator.h"
#include "reporters/hba_diff_report.h"

namespace pgward::cli {
namespace {

// Renames every file of `file` (its rules' locations, which findings and fingerprints use).
template <typename Rename>
void NameFiles(hba::HbaFile& file, Rename rename) {
  std::map<std::string, std::shared_ptr<const std::string>> renamed;
  for (hba::HbaRule& rule : file.rules) {
    std::shared_ptr<const std::string>& name = renamed[*rule.location.file];
    if (!name) name = std::make_shared<const std::string>(rename(*rule.location.file));
    rule.location.file = name;
  }
  file.path = rename(file.path);
}

// The base's files named as the head's: `BASE/x.conf` becomes `HEAD/x.conf`, so that a finding
// the change leaves alone keeps its fingerprint (file paths are part of it). Returns the base's
// own name of each renamed file.
std::map<std::string, std::string> NameAsHead(hba::HbaFile& base, const std::string& base_path,
                                              const std::string& head_path) {
  const std::string base_directory = std::filesystem::path(base_path).parent_path().string();
  const std::string head_directory = std::filesystem::path(head_path).parent_path().string();
  const auto under_head = [&](std::string_view relative) {
    return (head_directory.empty() ? "" : head_directory + "/") + std::string(relative);
  };
  std::map<std::string, std::string> original;
  NameFiles(base, [&](const std::string& file) {
    std::string text = file;
    if (file == base_path) {
      text = head_path;
    } else if (!base_directory.empty() && file.starts_with(base_directory + "/")) {
      text = under_head(std::string_view(file).substr(base_directory.size() + 1));
    } else if (base_directory.empty() && !file.starts_with("/")) {
      text = under_head(file);
    }
    original.emplace(text, file);
    return text;
  });
  return original;
}

std::vector<Finding> Findings(const hba::HbaFile& file, int pg_version,
                              const std::vector<const policy::Policy*>& policies) {
  const auto facts = std::make_shared<FactSet>();
  hba::AddHbaRuleFacts(file, pg_version, *facts);
  return policy::Evaluate(policies, facts).findings;
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
  std::string base_name = options.base;
  hba::HbaFile base;
  bool new_file = false;  // the revision has no such file: there is nothing to compare with
  if (options.base_ref.empty()) {
    base = hba::ParseHbaFile(options.base, parse);
  } else {
    std::variant<GitBase, std::string> checkout =
        GitBase::Checkout(options.base_ref, options.head, options.access.include_root);
    if (const std::string* error = std::get_if<std::string>(&checkout)) {
      err << "pgward: " << *error << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    const GitBase& git = std::get<GitBase>(checkout);
    base_name = git.display_file();
    // A file the revision does not have is new: everything it lets in is opened.
    if (git.file()) {
      hba::ParseOptions base_parse = parse;
      base_parse.access.include_root = git.include_root();
      base = hba::ParseHbaFile(*git.file(), base_parse);
      NameFiles(base, [&](const std::string& file) { return git.DisplayName(file); });
    } else {
      base.path = base_name;
      new_file = true;
    }
  }
  reporters::HbaDiffReport report;
  report.base = base_name;
  report.head = options.head;
  for (const hba::HbaFile* file : {static_cast<const hba::HbaFile*>(&base), &head}) {
    if (file->input_error) {
      err << "pgward: " << *hba::UnreadableReason(*file) << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    if (file->read_error) report.errors.push_back(*hba::UnreadableReason(*file));
    for (const hba::RefusedReference& refused : file->refused) {
      report.errors.push_back(hba::RefusalMessage(refused));
    }
  }
  // The base named as the head, for fingerprints, beside the base as it is, for the lines the
  // access changes name.
  hba::HbaFile renamed = base;
  const std::map<std::string, std::string> base_names =
      NameAsHead(renamed, base_name, options.head);
  // The access diff and the two evaluations side by side. An evaluation memoizes answers in its
  // policies' predicates: each side evaluates its own copy.
  LoadedPolicies head_policies = LoadPolicies(options.policy_choice, err);
  const auto pointers = [](const LoadedPolicies& loaded_policies) {
    std::vector<const policy::Policy*> policies;
    for (const policy::Policy& policy : loaded_policies.policies) policies.push_back(&policy);
    return policies;
  };
  std::vector<Finding> before, after;
  hba::AccessDiff access;
  {
    // A new file has no findings before it (an empty file's "contains no entries" is not one).
    std::jthread base_findings([&] {
      if (!new_file) before = Findings(renamed, options.pg_version, pointers(loaded));
    });
    std::jthread head_findings(
        [&] { after = Findings(head, options.pg_version, pointers(head_policies)); });
    access = hba::DiffAccess(base, head);
  }
  report.base_loads = access.base_loads && !base.read_error;
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

  std::map<std::string_view, const Finding*> before_by_fingerprint;
  for (const Finding& finding : before)
    before_by_fingerprint.emplace(finding.fingerprint, &finding);
  std::map<std::string_view, const Finding*> after_by_fingerprint;
  for (const Finding& finding : after) after_by_fingerprint.emplace(finding.fingerprint, &finding);
  bool failing = false;
  for (const Finding& finding : after) {
    if (before_by_fingerprint.contains(finding.fingerprint)) {
      ++report.unchanged_findings;
      continue;
    }
    failing |= finding.status == FindingStatus::kFail && finding.severity >= options.fail_on;
    report.new_findings.push_back(finding);
  }
  // A fixed finding is shown where it was: in the base's own files.
  const auto own_name = [&](const std::string& file) {
    const auto found = base_names.find(file);
    return found == base_names.end() ? file : found->second;
  };
  for (const Finding& finding : before) {
    if (after_by_fingerprint.contains(finding.fingerprint)) continue;
    Finding fixed = finding;
    fixed.target = own_name(fixed.target);
    if (fixed.location) fixed.location->file = own_name(fixed.location->file);
    // Messages name lines too ("shadowed by FILE:LINE").
    for (const auto& [head_name, base_file] : base_names) {
      const std::string named = head_name + ":";
      for (size_t at = fixed.message.find(named); at != std::string::npos;
           at = fixed.message.find(named, at + base_file.size() + 1)) {
        fixed.message.replace(at, head_name.size(), base_file);
      }
    }
    report.fixed_findings.push_back(std::move(fixed));
  }
  report.rules = RuleInfos(loaded.policies);

  ExitCode code = ExitCode::kOk;
  if (failing || !report.head_loads) code = ExitCode::kFindings;
  if (!report.errors.empty()) code = ExitCode::kIncompleteEvidence;
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
