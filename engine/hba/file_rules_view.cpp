#include "engine/hba/file_rules_view.h"

#include "engine/core/redact.h"
#include "engine/model/ip.h"

namespace pgward::hba {
namespace {

// The row's columns are assigned in place: a listing renders its rows one after the other into
// one row, whose strings keep their memory from row to row.
void Assign(std::optional<std::string>& column, std::string_view text) {
  if (column) {
    column->assign(text);
  } else {
    column.emplace(text);
  }
}

void AssignUnquoted(std::optional<std::vector<std::string>>& column, const TokenList& tokens) {
  if (!column) column.emplace();
  column->resize(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) (*column)[i].assign(tokens[i].text);
}

void AssignOptions(std::optional<std::vector<std::string>>& column,
                   const std::vector<Option>& options, SecretDisplay secrets) {
  if (options.empty()) {
    column.reset();
    return;
  }
  if (!column) column.emplace();
  column->resize(options.size());
  for (std::size_t i = 0; i < options.size(); ++i) {
    const Option& option = options[i];
    const bool masked = secrets == SecretDisplay::kMask && IsSecretOption(option.name);
    std::string& text = (*column)[i];
    text.assign(option.name);
    text += '=';
    text += masked ? std::string_view(kRedacted) : std::string_view(option.value);
  }
}

// The view's address and netmask columns.
void AssignAddress(const Address& address, std::optional<std::string>& address_column,
                   std::optional<std::string>& netmask_column) {
  if (const auto* network = std::get_if<IpNetwork>(&address)) {
    char text[kIpAddressTextBytes];
    Assign(address_column, std::string_view(text, WriteIpAddress(network->address, text)));
    Assign(netmask_column, std::string_view(text, WriteIpAddress(network->mask, text)));
  } else if (const auto* symbolic = std::get_if<SymbolicAddress>(&address)) {
    Assign(address_column, symbolic->text);
    netmask_column.reset();
  } else {
    address_column.reset();
    netmask_column.reset();
  }
}

}  // namespace

AddressColumns RenderAddress(const Address& address) {
  AddressColumns columns;
  AssignAddress(address, columns.address, columns.netmask);
  return columns;
}

std::optional<std::vector<std::string>> OptionTexts(const std::vector<Option>& options,
                                                    SecretDisplay secrets) {
  std::optional<std::vector<std::string>> texts;
  AssignOptions(texts, options, secrets);
  return texts;
}

void RenderFileRule(const HbaRule& rule, int pg_version, SecretDisplay secrets, FileRulesRow& row) {
  if (pg_version >= 16) {
    row.rule_number = rule.rule_number;
    Assign(row.file_name, *rule.location.file);
  } else {
    row.rule_number.reset();
    row.file_name.reset();
  }
  row.line_number = rule.location.line;
  if (rule.parsed) {
    Assign(row.type, ConnectionTypeName(rule.type));
    AssignUnquoted(row.database, rule.databases);
    AssignUnquoted(row.user_name, rule.users);
    AssignAddress(rule.address, row.address, row.netmask);
    Assign(row.auth_method, AuthMethodName(rule.method));
    AssignOptions(row.options, rule.options, secrets);
  } else {
    row.type.reset();
    row.database.reset();
    row.user_name.reset();
    row.address.reset();
    row.netmask.reset();
    row.auth_method.reset();
    row.options.reset();
  }
  if (rule.error) {
    Assign(row.error, *rule.error);
  } else {
    row.error.reset();
  }
}

std::vector<FileRulesRow> RenderFileRules(const HbaFile& file, int pg_version,
                                          SecretDisplay secrets) {
  std::vector<FileRulesRow> rows(file.rules.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    RenderFileRule(file.rules[i], pg_version, secrets, rows[i]);
  }
  return rows;
}

}  // namespace pgward::hba
