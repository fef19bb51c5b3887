#include "engine/hba/ldap_url.h"

#include <strings.h>

#include <array>
#include <cstdlib>
#include <vector>

namespace pgward::hba::internal {
namespace {

// LDAP_URL_ERR_* codes, and the text ldap_err2string() gives for the same numbers as LDAP
// result codes.
enum class UrlError {
  kBadScheme = 3,
  kBadEnclosure = 4,
  kBadUrl = 5,
  kBadScope = 8,
  kBadFilter = 9,
  kBadExtensions = 10,
};

std::string ErrorText(UrlError error) {
  switch (error) {
    case UrlError::kBadScheme:
      return "Time limit exceeded";
    case UrlError::kBadEnclosure:
      return "Size limit exceeded";
    case UrlError::kBadUrl:
      return "Compare False";
    case UrlError::kBadScope:
      return "Strong(er) authentication required";
    case UrlError::kBadFilter:
      return "Partial results and referral received";
    case UrlError::kBadExtensions:
      return "Referral";
  }
  return "Unknown error";
}

LdapUrlResult Failure(UrlError error) { return {std::nullopt, ErrorText(error)}; }

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return c - 'a' + 10;  // like ldap_int_unhex(), garbage in, garbage out
}

// ldap_pvt_hex_unescape(): %XX sequences become bytes; a truncated one ends the string.
std::string HexUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (++i >= text.size()) break;
    int value = HexValue(text[i]) << 4;
    if (++i >= text.size()) break;
    value += HexValue(text[i]);
    out.push_back(static_cast<char>(value));
  }
  return out;
}

// ldap_pvt_str2scope()
int ScopeValue(std::string_view text) {
  auto is = [&](const char* name) {
    return text.size() == std::char_traits<char>::length(name) &&
           strncasecmp(text.data(), name, text.size()) == 0;
  };
  if (is("one") || is("onelevel")) return 1;
  if (is("base")) return 0;
  if (is("sub") || is("subtree")) return 2;
  if (is("subord") || is("subordinate") || is("children")) return 3;
  return -1;
}

// ldap_str2charray(text, ","): the non-empty comma-separated elements.
std::vector<std::string_view> SplitNonEmpty(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    if (end > start) parts.push_back(text.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

// Splits `rest` at the next '?': returns the part before, leaves the part after (if any).
std::string_view TakeUntilQuestionMark(std::optional<std::string_view>& rest) {
  std::string_view text = *rest;
  std::size_t mark = text.find('?');
  if (mark == std::string_view::npos) {
    rest.reset();
    return text;
  }
  rest = text.substr(mark + 1);
  return text.substr(0, mark);
}

}  // namespace

LdapUrlResult ParseLdapUrl(std::string_view text) {
  bool enclosed = false;
  if (!text.empty() && text.front() == '<') {
    enclosed = true;
    text.remove_prefix(1);
  }
  if (StartsWithNoCase(text, "URL:")) text.remove_prefix(4);

  LdapUrl url;
  static constexpr std::array<std::string_view, 4> kSchemes = {"ldap", "ldaps", "ldapi", "cldap"};
  for (std::string_view scheme : kSchemes) {
    std::string prefix = std::string(scheme) + "://";
    if (StartsWithNoCase(text, prefix)) {
      url.scheme = std::string(scheme);
      text.remove_prefix(prefix.size());
      break;
    }
  }
  if (url.scheme.empty()) return Failure(UrlError::kBadScheme);
  if (enclosed) {
    if (text.empty() || text.back() != '>') return Failure(UrlError::kBadEnclosure);
    text.remove_suffix(1);
  }

  // host[:port] ends at the first '/'; without one, the URL has no DN part (OpenLDAP's "Novell
  // kludge" for "host??dn" is not reproduced).
  std::size_t slash = text.find('/');
  std::string_view host_port = text.substr(0, slash);
  std::optional<std::string_view> rest;
  if (slash != std::string_view::npos) {
    rest = text.substr(slash + 1);
  } else if (std::size_t mark = host_port.find('?'); mark != std::string_view::npos) {
    host_port = host_port.substr(0, mark);
  }

  std::string_view host = host_port;
  std::optional<std::string_view> port_text;
  if (url.scheme != "ldapi") {
    if (!host_port.empty() && host_port.front() == '[') {
      std::size_t bracket = host_port.find(']');
      if (bracket == std::string_view::npos) return Failure(UrlError::kBadUrl);
      std::string_view after = host_port.substr(bracket + 1);
      if (!after.empty() && after.front() != ':') return Failure(UrlError::kBadUrl);
      host = host_port.substr(1, bracket - 1);
      if (!after.empty()) port_text = after.substr(1);
    } else if (std::size_t colon = host_port.find(':'); colon != std::string_view::npos) {
      host = host_port.substr(0, colon);
      port_text = host_port.substr(colon + 1);
    }
    if (port_text) {
      const std::string port = HexUnescape(*port_text);
      if (port.empty()) return Failure(UrlError::kBadUrl);
      char* end = nullptr;
      const long value = std::strtol(port.c_str(), &end, 10);
      if (end == port.c_str() || *end != '\0') return Failure(UrlError::kBadUrl);
      url.port = static_cast<int>(value);
    }
    if (url.port == 0) url.port = url.scheme == "ldaps" ? 636 : 389;
  }
  std::string unescaped_host = HexUnescape(host);
  if (!unescaped_host.empty()) url.host = std::move(unescaped_host);
  if (!rest) return {std::move(url), {}};

  url.base_dn = HexUnescape(TakeUntilQuestionMark(rest));
  if (!rest) return {std::move(url), {}};

  if (std::string_view attributes = TakeUntilQuestionMark(rest); !attributes.empty()) {
    const std::string unescaped = HexUnescape(attributes);
    std::vector<std::string_view> names = SplitNonEmpty(unescaped);
    if (!names.empty()) url.first_attribute = std::string(names.front());
  }
  if (!rest) return {std::move(url), {}};

  if (std::string_view scope = TakeUntilQuestionMark(rest); !scope.empty()) {
    url.scope = ScopeValue(HexUnescape(scope));
    if (url.scope == -1) return Failure(UrlError::kBadScope);
  }
  if (!rest) return {std::move(url), {}};

  if (std::string_view filter = TakeUntilQuestionMark(rest); !filter.empty()) {
    std::string unescaped = HexUnescape(filter);
    if (unescaped.empty() || unescaped.front() == '\0') return Failure(UrlError::kBadFilter);
    url.filter = std::move(unescaped);
  }
  if (!rest) return {std::move(url), {}};

  const std::string_view extensions = *rest;
  if (extensions.find('?') != std::string_view::npos) return Failure(UrlError::kBadUrl);
  if (SplitNonEmpty(extensions).empty()) return Failure(UrlError::kBadExtensions);
  return {std::move(url), {}};
}

}  // namespace pgward::hba::internal
