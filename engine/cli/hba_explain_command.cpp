#include "engine/cli/hba_explain_command.h"

#include <iostream>

#include "engine/core/exit_code.h"
#include "engine/hba/access.h"
#include "engine/hba/file_rules_view.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/parser.h"
#include "reporters/hba_explain_report.h"

namespace pgward::cli {
namespace {

std::string Location(const hba::HbaRule& rule) {
  return *rule.location.file + ":" + std::to_string(rule.location.line);
}

// The record as the server holds it (tokens unquoted unless quoting matters, secrets masked).
std::string RecordText(const hba::HbaRule& rule, const FileRulesRow& view) {
  auto join = [](const hba::TokenList& tokens) {
    std::string text;
    for (const hba::Token& token : tokens)
      text += (text.empty() ? "" : ",") + hba::TokenText(token);
    return text;
  };
  std::string text = std::string(hba::ConnectionTypeName(rule.type)) + "  " + join(rule.databases) +
                     "  " + join(rule.users);
  if (view.address) text += "  " + *view.address + (view.netmask ? "/" + *view.netmask : "");
  text += "  " + std::string(hba::AuthMethodName(rule.method));
  if (view.options) {
    for (const std::string& option : *view.options) text += "  " + option;
  }
  return text;
}

std::string Describe(const hba::ConnectionAttempt& attempt) {
  std::string text = std::string(hba::ConnectionKindName(attempt.kind)) + " connection";
  if (attempt.address) text += " from " + FormatIpAddress(*attempt.address);
  text += " as user \"" + attempt.user + "\"";
  text += attempt.replication ? " for physical replication"
                              : " to database \"" + attempt.database + "\"";
  return text;
}

// A refused reference leaves rules unchecked: the answer may be wrong (exit 3).
int ExitCodeAfterListing(const hba::HbaFile& file) {
  return ToInt(file.refused.empty() ? ExitCode::kOk : ExitCode::kIncompleteEvidence);
}

}  // namespace

int RunHbaExplain(const HbaExplainOptions& options, std::ostream& out, std::ostream& err) {
  auto usage = [&](const std::string& message) {
    err << "pgward: " << message << "\nRun 'pgward hba explain --help' for usage.\n";
    return ToInt(ExitCode::kUsageOrInputError);
  };
  hba::ConnectionAttempt attempt;
  attempt.user = options.user;
  attempt.database = options.database;
  attempt.member_of = options.member_of;
  attempt.replication = options.replication;
  if (options.local) {
    if (!options.address.empty() || options.ssl || options.gssenc) {
      return usage("--local takes no --address, --ssl or --gssenc");
    }
    attempt.kind = hba::ConnectionKind::kLocal;
  } else {
    if (options.address.empty()) return usage("give --address A (or --local)");
    attempt.address = ParseIpAddress(options.address);
    if (!attempt.address) return usage("--address: '" + options.address + "' is not an IP address");
    if (options.ssl && options.gssenc) return usage("--ssl and --gssenc exclude each other");
    attempt.kind = options.ssl      ? hba::ConnectionKind::kTcpTls
                   : options.gssenc ? hba::ConnectionKind::kTcpGssEnc
                                    : hba::ConnectionKind::kTcpPlaintext;
  }
  if (!attempt.replication && attempt.database.empty()) {
    return usage("give --database D (or --replication)");
  }
  hba::LocalNetworks networks;
  for (const std::string& cidr : options.local_networks) {
    std::optional<IpRange> range = ParseIpRange(cidr);
    if (!range) return usage("--local-networks: '" + cidr + "' is not a CIDR");
    // Keep the address as written: samehost compares with it.
    range->first = *ParseIpAddress(cidr.substr(0, cidr.find('/')));
    networks.networks.push_back(*range);
  }

  hba::ParseOptions parse;
  parse.pg_version = options.pg_version;
  parse.resolve_radius_servers = false;
  parse.access = options.access;
  const hba::HbaFile file = hba::ParseHbaFile(options.file, parse);
  if (std::optional<std::string> problem = hba::UnreadableReason(file)) {
    err << "pgward: " << *problem << "\n";
    return ToInt(ExitCode::kUsageOrInputError);
  }
  for (const hba::RefusedReference& refused : file.refused) {
    err << "pgward: " << hba::RefusalMessage(refused) << "\n";
  }
  const std::vector<FileRulesRow> view =
      hba::RenderFileRules(file, options.pg_version, hba::SecretDisplay::kMask);
  const hba::Explanation explanation =
      hba::ExplainConnection(file, attempt, networks, options.pg_version);

  reporters::ConnectionExplanation report;
  report.attempt = Describe(attempt);
  if (explanation.matched) {
    const hba::HbaRule& rule = file.rules[*explanation.matched];
    report.matched = reporters::ConnectionExplanation::Match{
        .rule_number = rule.rule_number,
        .file_name = *rule.location.file,
        .line_number = rule.location.line,
        .type = std::string(hba::ConnectionTypeName(rule.type)),
        .auth_method = std::string(hba::AuthMethodName(rule.method)),
        .record = RecordText(rule, view[*explanation.matched]),
        .reject = rule.method == hba::AuthMethod::kReject};
  }
  for (size_t index : explanation.undecided)
    report.undecided.push_back(Location(file.rules[index]));
  for (const hba::RecordVerdict& verdict : explanation.verdicts) {
    if (explanation.matched && verdict.rule_index == *explanation.matched) continue;
    report.skipped.push_back({Location(file.rules[verdict.rule_index]), verdict.reason});
  }
  report.file_loads = explanation.file_loads;
  if (options.format == HbaExplainOptions::Format::kJson) {
    reporters::WriteExplanationJson(report, out);
  } else {
    reporters::WriteExplanationText(report, out);
  }
  return ExitCodeAfterListing(file);
}

}  // namespace pgward::cli
