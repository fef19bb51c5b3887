#include "engine/hba/view_rules_facts.h"

#include <memory>
#include <optional>
#include <string_view>

#include "engine/hba/access.h"
#include "engine/hba/hba_facts.h"
#include "engine/hba/parser.h"
#include "engine/model/ip.h"

namespace pgward::hba {
namespace {

std::optional<ConnectionType> ParseConnectionType(std::string_view name) {
  for (ConnectionType type :
       {ConnectionType::kLocal, ConnectionType::kHost, ConnectionType::kHostSsl,
        ConnectionType::kHostNoSsl, ConnectionType::kHostGssEnc, ConnectionType::kHostNoGssEnc}) {
    if (ConnectionTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::optional<AuthMethod> ParseAuthMethod(std::string_view name) {
  for (int value = static_cast<int>(AuthMethod::kTrust);
       value <= static_cast<int>(AuthMethod::kOAuth); ++value) {
    if (AuthMethodName(static_cast<AuthMethod>(value)) == name) {
      return static_cast<AuthMethod>(value);
    }
  }
  return std::nullopt;
}

// The view prints names without their quotes, so a quoted "all" reads as the keyword: the
// reading that matches more connections, which is the one that fails closed.
TokenList Tokens(const std::optional<std::vector<std::string>>& texts) {
  TokenList tokens;
  if (!texts) return tokens;
  tokens.reserve(texts->size());
  for (const std::string& text : *texts) {
    tokens.emplace_back(text, false, !text.empty() && text.front() == '/');
  }
  return tokens;
}

Address AddressOf(const FileRulesRow& view) {
  if (!view.address) return std::monostate{};
  const std::string& text = *view.address;
  const std::optional<IpAddress> ip = ParseIpAddress(text);
  const std::optional<IpAddress> mask = view.netmask ? ParseIpAddress(*view.netmask) : std::nullopt;
  if (ip && mask && ip->family == mask->family) {
    IpNetwork network;
    network.address = *ip;
    network.mask = *mask;
    network.prefix_length = MaskPrefixLength(*mask);
    return network;
  }
  SymbolicAddress symbolic{SymbolicAddressKind::kHostName, text};
  if (text == "all") {
    symbolic.kind = SymbolicAddressKind::kAll;
  } else if (text == "samehost") {
    symbolic.kind = SymbolicAddressKind::kSameHost;
  } else if (text == "samenet") {
    symbolic.kind = SymbolicAddressKind::kSameNet;
  } else if (text.starts_with('.')) {
    symbolic.kind = SymbolicAddressKind::kHostNameSuffix;
  }
  return symbolic;
}

}  // namespace

// The parser's model rebuilt from the view, so that a live server's rules go through the same
// facts and the same first-match analysis as a file's.
HbaFile HbaFileFromView(const std::vector<FileRulesRow>& rows, const std::string& file) {
  HbaFile hba;
  hba.path = file;
  int valid_rules = 0;
  // Consecutive rows of one file share its path, as in a parsed file.
  std::shared_ptr<const std::string> path;
  for (const FileRulesRow& view : rows) {
    const std::string& name = view.file_name.value_or(file);
    if (!path || *path != name) path = std::make_shared<const std::string>(name);
    HbaRule rule;
    rule.location = {path, view.line_number};
    rule.error = view.error;
    const std::optional<ConnectionType> type =
        view.type ? ParseConnectionType(*view.type) : std::nullopt;
    const std::optional<AuthMethod> method =
        view.auth_method ? ParseAuthMethod(*view.auth_method) : std::nullopt;
    if (!rule.error && view.type && (!type || !method)) {
      rule.error = "the server shows a type or method pgward does not know";
    }
    if (!rule.error) {
      // Before 16 the view has no rule_number; the parser numbers the valid rules all the same.
      rule.rule_number = view.rule_number.value_or(++valid_rules);
    }
    if (rule.error || !type || !method) {
      hba.rules.push_back(std::move(rule));
      continue;
    }
    rule.parsed = true;
    rule.type = *type;
    rule.method = *method;
    rule.databases = Tokens(view.database);
    rule.users = Tokens(view.user_name);
    rule.address = AddressOf(view);
    if (view.options) {
      for (const std::string& option : *view.options) {
        const size_t equals = option.find('=');
        Option& parsed = rule.options.emplace_back(
            option.substr(0, equals), equals == std::string::npos ? "" : option.substr(equals + 1));
        // The server wrote these options itself: its own names and values.
        if (parsed.name == "clientcert") {
          // A value pgward does not know is taken as the strictest: it checks names.
          rule.clientcert = ParseClientCertName(parsed.value).value_or(ClientCert::kVerifyFull);
        } else if (parsed.name == "map") {
          rule.usermap = parsed.value;
        } else if (parsed.name == "clientname") {
          rule.clientname_dn = parsed.value == "DN";
        }
      }
    }
    // The cert method always checks the name (the server shows the implied option; a row that
    // did not would still do it).
    if (rule.method == AuthMethod::kCert) rule.clientcert = ClientCert::kVerifyFull;
    hba.rules.push_back(std::move(rule));
  }
  return hba;
}

}  // namespace pgward::hba
