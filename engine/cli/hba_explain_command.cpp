#include "engine/cli/hba_explain_command.h"

#include <nlohmann/json.hpp>

#include <iostream>

#include "engine/core/exit_code.h"
#include "engine/hba/access.h"
#include "engine/hba/file_rules_view.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/parser.h"

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

  if (options.format == HbaExplainOptions::Format::kJson) {
    nlohmann::ordered_json json;
    json["matched"] = explanation.matched.has_value();
    if (explanation.matched) {
      const hba::HbaRule& rule = file.rules[*explanation.matched];
      json["rule_number"] = rule.rule_number ? nlohmann::ordered_json(*rule.rule_number) : nullptr;
      json["file_name"] = *rule.location.file;
      json["line_number"] = rule.location.line;
      json["type"] = hba::ConnectionTypeName(rule.type);
      json["auth_method"] = hba::AuthMethodName(rule.method);
      json["reason"] = rule.method == hba::AuthMethod::kReject
                           ? "first matching line, a reject line: the server refuses"
                           : "first matching line";
    } else {
      for (const char* key : {"rule_number", "file_name", "line_number", "type", "auth_method"}) {
        json[key] = nullptr;
      }
      json["reason"] = "no line matches: the server rejects the connection (implicit reject)";
    }
    json["file_loads"] = explanation.file_loads;
    json["undecided"] = nlohmann::ordered_json::array();
    for (size_t index : explanation.undecided) {
      json["undecided"].push_back(Location(file.rules[index]));
    }
    json["skipped"] = nlohmann::ordered_json::array();
    for (const hba::RecordVerdict& verdict : explanation.verdicts) {
      if (explanation.matched && verdict.rule_index == *explanation.matched) continue;
      json["skipped"].push_back(
          {{"line", Location(file.rules[verdict.rule_index])}, {"reason", verdict.reason}});
    }
    out << json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return ExitCodeAfterListing(file);
  }

  out << Describe(attempt) << ":\n";
  if (explanation.matched) {
    const size_t index = *explanation.matched;
    out << "  " << Location(file.rules[index]) << ": " << RecordText(file.rules[index], view[index])
        << "\n";
    out << (file.rules[index].method == hba::AuthMethod::kReject
                ? "  is the first matching line: a reject line, the server refuses the connection\n"
                : "  is the first matching line: the server authenticates with it\n");
  } else {
    out << "  no line matches: the server rejects the connection (implicit reject)\n";
  }
  if (!explanation.undecided.empty()) {
    out << "  unless one of these earlier lines matches (decided by DNS or the server's "
           "interfaces):\n";
    for (size_t index : explanation.undecided) out << "    " << Location(file.rules[index]) << "\n";
  }
  bool header = false;
  for (const hba::RecordVerdict& verdict : explanation.verdicts) {
    if (explanation.matched && verdict.rule_index == *explanation.matched) continue;
    if (!header) {
      out << "Earlier lines that do not match:\n";
      header = true;
    }
    out << "  " << Location(file.rules[verdict.rule_index]) << ": " << verdict.reason << "\n";
  }
  if (!explanation.file_loads) {
    out << "Warning: the server would refuse to load this file (lines with errors above); "
           "it keeps its previous rules, or does not start.\n";
  }
  return ExitCodeAfterListing(file);
}

}  // namespace pgward::cli
