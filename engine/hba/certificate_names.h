#pragma once

// Who a client certificate can log in as (auth.c: CheckCertAuth, check_usermap,
// check_ident_usermap). A cert line, and a clientcert=verify-full option on any other method,
// compare the certificate's name (its CN, or its DN with clientname=DN) with the requested
// role: through the line's pg_ident.conf map when it has one, else directly. Against the
// privileged roles the line's user field admits, that is PGW-IDENT-001 (a map that lets a
// certificate of any name in) and PGW-IDENT-002 (a certificate named after the role, and
// nothing else, lets it in).

#include <optional>
#include <string>
#include <vector>

#include "engine/hba/ident.h"
#include "engine/hba/model.h"
#include "engine/model/privileged_roles.h"

namespace pgward::hba {

// For a record that checks a certificate's name. Role lists name each role with the
// pg_ident.conf line that lets it in ("postgres (pg_ident.conf:4)"), or alone without a map.
struct CertificateNameCheck {
  // The map the record applies to the name (map= on cert, or on gss, sspi or ident with
  // clientcert=verify-full); nullopt: the name must equal the role.
  std::optional<std::string> map;
  // With a map: the privileged roles a certificate of any name logs in as. nullopt when the
  // maps in force are not known: no pg_ident.conf was read, or the server refuses it.
  std::optional<std::vector<std::string>> any_name_roles;
  // Where the certificate is the only credential (cert, or trust with clientcert=verify-full;
  // other methods ask for a password or a ticket as well): the privileged roles a certificate
  // named after them logs in as (through a map, one whose \1 makes the role of the name).
  // nullopt on the records that ask for more, and with a map whose lines are not known.
  std::optional<std::vector<std::string>> own_name_roles;
};

// Whether a loaded record checks a client certificate's name through a pg_ident.conf map.
bool ChecksCertificateThroughMap(const HbaRule& rule);
// Whether some record of `file` does.
bool UsesCertificateMaps(const HbaFile& file);

// One entry per rule of `file`: set for the loaded records that check a certificate's name.
// `maps` is the pg_ident.conf read beside the file (null: none); `roles` are judged.
std::vector<std::optional<CertificateNameCheck>> CheckCertificateNames(const HbaFile& file,
                                                                       const IdentFile* maps,
                                                                       const PrivilegedRoles& roles,
                                                                       int pg_version);

}  // namespace pgward::hba
