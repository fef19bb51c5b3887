#pragma once

// Certificate revocation lists (--crl-file), read with OpenSSL, and what they say of the
// certificates the facts name: the server certificates the probe saw (certificate facts:
// issuer in RFC 2253 form, serial in hexadecimal) and the client certificates of live sessions
// (pg_stat_ssl: issuer_dn as /K=V pairs with RFC 2253-escaped values, client_serial in
// decimal, both cut at 63 bytes). A list is used only if its signature verifies with the key of
// a certificate of its issuer that the user gives (--crl-ca-file): lists are fetched over plain
// HTTP or copied from mirrors, and one altered to leave a revocation out would read as a pass.

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/model/fact_table.h"

namespace pgward::probe {

class RevocationLists {
 public:
  // Reads every CRL of each file (PEM, one or more, or DER), each checked against the PEM
  // certificates of `signer_files`. A file that holds none, a list past its next update (as of
  // `now`: a stale list says nothing about what was revoked since), or one no certificate of its
  // issuer signed, is an error naming the file; so is giving no signer file.
  static std::variant<RevocationLists, std::string> Read(
      const std::vector<std::string>& files, const std::vector<std::string>& signer_files,
      std::chrono::system_clock::time_point now);

  // Sets `revoked` on the certificate facts and `client_revoked` on the connection facts whose
  // issuer has a list.
  void MarkFacts(FactSet& facts) const;

 private:
  struct List {
    std::string issuer_rfc2253;
    std::string issuer_dn;  // as pg_stat_ssl shows it
    std::set<std::string, std::less<>> serials_hex;
    std::set<std::string, std::less<>> serials_decimal;
  };
  // How facts of one kind write a certificate's issuer and serial: a form of the lists' own.
  struct Form {
    std::string List::*issuer;
    std::set<std::string, std::less<>> List::*serials;
  };

  // Whether the lists of `issuer` revoke `serial`, both written in `form`; nullopt when no
  // list is that issuer's.
  std::optional<bool> Revokes(Form form, std::string_view issuer, std::string_view serial) const;
  // Sets `out_field` on the rows of `table` whose issuer has a list.
  void Mark(FactTable& table, size_t issuer_field, size_t serial_field, size_t out_field,
            Form form) const;

  std::vector<List> lists_;
};

}  // namespace pgward::probe
