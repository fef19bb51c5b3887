#include "engine/hba/view_rules_facts.h"

#include <optional>
#include <string_view>

#include "engine/model/ip.h"

namespace pgward::hba {
namespace {

// The words AddHbaRuleFacts uses for PostgreSQL 15's all-NULL rows, so that a file and the
// server's view of it give the same facts.
constexpr std::string_view kSilentRejection =
    "the server rejects this line without a message (an invalid option value)";

void SetList(FactTable& table, size_t row, size_t field, const std::vector<std::string>& values) {
  const std::vector<std::string_view> views(values.begin(), values.end());
  table.SetStringList(row, field, views);
}

// The address columns as the parser's facts describe them: the view shows a CIDR rule as
// address + netmask, a keyword or host name as the address alone.
void SetAddressFacts(FactTable& table, size_t row, const FileRulesRow& view) {
  if (!view.address) return;
  const std::string& address = *view.address;
  table.SetString(row, table.Field("address"), address);
  if (view.netmask) table.SetString(row, table.Field("netmask"), *view.netmask);
  const std::optional<IpAddress> ip = ParseIpAddress(address);
  const std::optional<IpAddress> mask = view.netmask ? ParseIpAddress(*view.netmask) : std::nullopt;
  if (ip && mask && ip->family == mask->family) {
    table.SetString(row, table.Field("address_kind"), "cidr");
    table.SetString(row, table.Field("address_family"),
                    ip->family == IpFamily::kV4 ? "ipv4" : "ipv6");
    if (std::optional<int> prefix = MaskPrefixLength(*mask)) {
      table.SetInteger(row, table.Field("prefix_length"), *prefix);
      const IpRange range = PrefixRange(*ip, *prefix);
      table.SetRange(row, table.Field("address_range"), range);
      table.SetString(row, table.Field("network"), FormatIpRange(range));
    } else {
      table.SetString(row, table.Field("network"), address + "/" + *view.netmask);
    }
    return;
  }
  // The view cannot tell a quoted host name "all" from the keyword; the keyword is the
  // reading that admits more, so it is the one that fails closed.
  std::string_view kind = "hostname";
  if (address == "all" || address == "samehost" || address == "samenet") {
    kind = address;
  } else if (address.starts_with('.')) {
    kind = "hostname_suffix";
  }
  table.SetString(row, table.Field("address_kind"), kind);
  table.SetString(row, table.Field("network"), address);
}

}  // namespace

void AddHbaViewRuleFacts(const std::vector<FileRulesRow>& rows, const std::string& file,
                         FactSet& facts) {
  FactTable& table = facts.table(FactKind::kHbaRule);
  // Before 16 the view has no rule_number; the parser numbers the valid rules all the same.
  int valid_rules = 0;
  for (const FileRulesRow& view : rows) {
    const std::string& file_name = view.file_name.value_or(file);
    const size_t row = table.AppendRow({facts.pool().InternString(file_name), view.line_number});
    table.SetString(row, table.Field("file"), file_name);
    table.SetInteger(row, table.Field("line"), view.line_number);
    if (view.rule_number) {
      table.SetInteger(row, table.Field("rule_number"), *view.rule_number);
    } else if (view.type && !view.error) {
      table.SetInteger(row, table.Field("rule_number"), ++valid_rules);
    }
    if (view.error) {
      table.SetString(row, table.Field("error"), *view.error);
    } else if (!view.type) {
      table.SetString(row, table.Field("error"), kSilentRejection);
    }
    if (!view.type) continue;

    table.SetString(row, table.Field("type"), *view.type);
    if (view.database) SetList(table, row, table.Field("databases"), *view.database);
    if (view.user_name) SetList(table, row, table.Field("users"), *view.user_name);
    SetAddressFacts(table, row, view);
    if (view.auth_method) table.SetString(row, table.Field("method"), *view.auth_method);
    if (!view.options) continue;
    std::vector<std::string> options;
    for (const std::string& option : *view.options) {
      const size_t equals = option.find('=');
      const std::string name = option.substr(0, equals);
      if (equals != std::string::npos && IsSecretOption(name)) {
        options.push_back(name + "=" + kMaskedSecret);
        continue;
      }
      options.push_back(option);
      if (name == "clientcert" && equals != std::string::npos) {
        table.SetString(row, table.Field("clientcert"), option.substr(equals + 1));
      }
    }
    SetList(table, row, table.Field("options"), options);
  }
}

}  // namespace pgward::hba
