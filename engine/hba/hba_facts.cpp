#include "engine/hba/hba_facts.h"

#include <variant>

#include "engine/hba/file_rules_view.h"
#include "engine/model/ip.h"

namespace pgward::hba {
namespace {

constexpr std::string_view kSilentRejection =
    "the server rejects this line without a message (an invalid option value)";

bool LooksLikeKeyword(const std::string& text) {
  return text == "all" || text == "sameuser" || text == "samerole" || text == "samegroup" ||
         text == "replication" || (!text.empty() && (text[0] == '+' || text[0] == '@'));
}

IpAddress ToIpAddress(AddressFamily family, const std::array<std::uint8_t, 16>& bytes) {
  IpAddress address;
  address.family = family == AddressFamily::kIpv4 ? IpFamily::kV4 : IpFamily::kV6;
  address.bytes = bytes;
  return address;
}

std::string_view SymbolicKindName(SymbolicAddressKind kind) {
  switch (kind) {
    case SymbolicAddressKind::kAll:
      return "all";
    case SymbolicAddressKind::kSameHost:
      return "samehost";
    case SymbolicAddressKind::kSameNet:
      return "samenet";
    case SymbolicAddressKind::kHostName:
      return "hostname";
    case SymbolicAddressKind::kHostNameSuffix:
      return "hostname_suffix";
  }
  return "";
}

std::vector<std::string> TokenTexts(const std::vector<Token>& tokens) {
  std::vector<std::string> texts;
  texts.reserve(tokens.size());
  for (const Token& token : tokens) texts.push_back(TokenText(token));
  return texts;
}

void SetList(FactTable& table, size_t row, size_t field, const std::vector<std::string>& values) {
  const std::vector<std::string_view> views(values.begin(), values.end());
  table.SetStringList(row, field, views);
}

}  // namespace

std::string TokenText(const Token& token) {
  if (token.quoted && !token.regex && LooksLikeKeyword(token.text)) {
    return "\"" + token.text + "\"";
  }
  return token.text;
}

void AddHbaRuleFacts(const HbaFile& file, int pg_version, FactSet& facts) {
  FactTable& table = facts.table(FactKind::kHbaRule);
  const std::vector<FileRulesRow> rows = RenderFileRules(file, pg_version, SecretDisplay::kMask);
  const size_t f_file = table.Field("file"), f_line = table.Field("line"),
               f_rule_number = table.Field("rule_number"), f_type = table.Field("type"),
               f_databases = table.Field("databases"), f_users = table.Field("users"),
               f_address = table.Field("address"), f_netmask = table.Field("netmask"),
               f_network = table.Field("network"), f_kind = table.Field("address_kind"),
               f_family = table.Field("address_family"), f_range = table.Field("address_range"),
               f_prefix = table.Field("prefix_length"), f_method = table.Field("method"),
               f_options = table.Field("options"), f_clientcert = table.Field("clientcert"),
               f_error = table.Field("error");
  for (size_t i = 0; i < file.rules.size(); ++i) {
    const HbaRule& rule = file.rules[i];
    const FileRulesRow& view = rows[i];
    const ValueId source_file = facts.pool().InternString(rule.location.file);
    const size_t row = table.AppendRow({source_file, rule.location.line});
    table.SetString(row, f_file, rule.location.file);
    table.SetInteger(row, f_line, rule.location.line);
    if (rule.rule_number) table.SetInteger(row, f_rule_number, *rule.rule_number);
    if (rule.error) {
      table.SetString(row, f_error, *rule.error);
    } else if (!rule.parsed) {
      table.SetString(row, f_error, kSilentRejection);
    }
    if (!rule.parsed) continue;

    table.SetString(row, f_type, ConnectionTypeName(rule.type));
    SetList(table, row, f_databases, TokenTexts(rule.databases));
    SetList(table, row, f_users, TokenTexts(rule.users));
    if (view.address) table.SetString(row, f_address, *view.address);
    if (view.netmask) table.SetString(row, f_netmask, *view.netmask);
    if (const auto* network = std::get_if<IpNetwork>(&rule.address)) {
      table.SetString(row, f_kind, "cidr");
      table.SetString(row, f_family, network->family == AddressFamily::kIpv4 ? "ipv4" : "ipv6");
      // The rule matches address & mask == network & mask: a range only for contiguous masks.
      const IpAddress mask = ToIpAddress(network->family, network->mask);
      if (std::optional<int> prefix = MaskPrefixLength(mask)) {
        table.SetInteger(row, f_prefix, *prefix);
        const IpRange range = PrefixRange(ToIpAddress(network->family, network->address), *prefix);
        table.SetRange(row, f_range, range);
        table.SetString(row, f_network, FormatIpRange(range));
      } else {
        table.SetString(row, f_network,
                        view.address.value_or("") + "/" + view.netmask.value_or(""));
      }
    } else if (const auto* symbolic = std::get_if<SymbolicAddress>(&rule.address)) {
      table.SetString(row, f_kind, SymbolicKindName(symbolic->kind));
      table.SetString(row, f_network, symbolic->text);
    }
    table.SetString(row, f_method, AuthMethodName(rule.method));
    if (view.options) SetList(table, row, f_options, *view.options);
    for (const Option& option : rule.options) {
      if (option.name == "clientcert") table.SetString(row, f_clientcert, option.value);
    }
  }
}

}  // namespace pgward::hba
