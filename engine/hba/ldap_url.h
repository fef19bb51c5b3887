#pragma once

// What the server learns from an `ldapurl=` option: OpenLDAP's ldap_url_parse() (the
// LDAP_PVT_URL_PARSE_HISTORIC flavour PostgreSQL calls) reimplemented, so that pgward needs no
// libldap. Internal to engine/hba.

#include <optional>
#include <string>
#include <string_view>

namespace pgward::hba::internal {

struct LdapUrl {
  std::string scheme;  // lowercase: ldap, ldaps, ldapi or cldap
  std::optional<std::string> host;
  int port = 0;
  std::optional<std::string> base_dn;
  std::optional<std::string> first_attribute;
  int scope = 0;  // LDAP_SCOPE_BASE unless the URL says otherwise
  std::optional<std::string> filter;
};

struct LdapUrlResult {
  std::optional<LdapUrl> url;
  // On failure: ldap_err2string() of the LDAP_URL_ERR_* code, which the server passes through
  // the LDAP result-code table (so a bad scheme reads "Time limit exceeded").
  std::string error;
};

LdapUrlResult ParseLdapUrl(std::string_view text);

}  // namespace pgward::hba::internal
