#include "engine/hba/file_rules_view.h"

#include <arpa/inet.h>

namespace pgward::hba {
namespace {

// As pg_hba_file_rules shows them: each token's text, without the quotes it had in the file.
std::vector<std::string> UnquotedTexts(const TokenList& tokens) {
  std::vector<std::string> texts;
  texts.reserve(tokens.size());
  for (const Token& token : tokens) texts.push_back(token.text);
  return texts;
}

}  // namespace

AddressColumns RenderAddress(const Address& address) {
  AddressColumns columns;
  if (const auto* network = std::get_if<IpNetwork>(&address)) {
    columns.address = FormatIpAddress(network->address);
    columns.netmask = FormatIpAddress(network->mask);
  } else if (const auto* symbolic = std::get_if<SymbolicAddress>(&address)) {
    columns.address = symbolic->text;
  }
  return columns;
}

std::optional<std::vector<std::string>> OptionTexts(const std::vector<Option>& options,
                                                    SecretDisplay secrets) {
  if (options.empty()) return std::nullopt;
  std::vector<std::string> texts;
  texts.reserve(options.size());
  for (const Option& option : options) {
    const bool masked = secrets == SecretDisplay::kMask && IsSecretOption(option.name);
    texts.push_back(option.name + "=" + (masked ? std::string(kMaskedSecret) : option.value));
  }
  return texts;
}

bool IsSecretOption(std::string_view name) {
  return name == "ldapbindpasswd" || name == "radiussecrets";
}

FileRulesRow RenderFileRule(const HbaRule& rule, int pg_version, SecretDisplay secrets) {
  FileRulesRow row;
  if (pg_version >= 16) {
    row.rule_number = rule.rule_number;
    row.file_name = *rule.location.file;
  }
  row.line_number = rule.location.line;
  if (rule.parsed) {
    row.type = std::string(ConnectionTypeName(rule.type));
    row.database = UnquotedTexts(rule.databases);
    row.user_name = UnquotedTexts(rule.users);
    AddressColumns address = RenderAddress(rule.address);
    row.address = std::move(address.address);
    row.netmask = std::move(address.netmask);
    row.auth_method = std::string(AuthMethodName(rule.method));
    row.options = OptionTexts(rule.options, secrets);
  }
  row.error = rule.error;
  return row;
}

std::vector<FileRulesRow> RenderFileRules(const HbaFile& file, int pg_version,
                                          SecretDisplay secrets) {
  std::vector<FileRulesRow> rows;
  rows.reserve(file.rules.size());
  for (const HbaRule& rule : file.rules) rows.push_back(RenderFileRule(rule, pg_version, secrets));
  return rows;
}

}  // namespace pgward::hba
