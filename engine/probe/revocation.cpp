#include "engine/probe/revocation.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <string_view>
#include <utility>

#include "engine/core/input_file.h"
#include "engine/core/openssl_ptr.h"
#include "engine/probe/certificate.h"

namespace pgward::probe {
namespace {

using CrlPtr = OpensslPtr<X509_CRL, X509_CRL_free>;
using X509Ptr = OpensslPtr<X509, X509_free>;
using BignumPtr = OpensslPtr<BIGNUM, BN_free>;

// pg_stat_ssl keeps its texts in NAMEDATALEN - 1 bytes.
constexpr std::size_t kStatSslBytes = 63;

// be-secure-openssl.c X509_NAME_to_cstring, as pg_stat_ssl.issuer_dn shows it: "/short
// name=value" per entry, in order, each value printed RFC 2253-escaped in UTF-8 (commas, plus
// signs and control bytes escaped), then cut.
std::string StatSslName(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const char* field = OBJ_nid2sn(nid);
    if (field == nullptr) field = OBJ_nid2ln(nid);
    BIO_printf(bio.get(), "/%s=", field != nullptr ? field : "");
    ASN1_STRING_print_ex(
        bio.get(), X509_NAME_ENTRY_get_data(entry),
        (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT);
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length)).substr(0, kStatSslBytes);
}

std::string SerialText(const ASN1_INTEGER* serial, bool decimal) {
  BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  char* text = number ? (decimal ? BN_bn2dec(number.get()) : BN_bn2hex(number.get())) : nullptr;
  std::string result = text != nullptr ? text : "";
  OPENSSL_free(text);
  return result;
}

// The objects of the PEM blocks in `contents` that `read` reads (it skips blocks of other kinds),
// and whether a damaged block ended the reading: the objects after it would go unread.
template <typename Object, void (*Free)(Object*)>
struct PemObjects {
  std::vector<OpensslPtr<Object, Free>> objects;
  bool damaged = false;
};

template <typename Object, void (*Free)(Object*)>
PemObjects<Object, Free> ReadPemObjects(std::string_view contents,
                                        Object* (*read)(BIO*, Object**, pem_password_cb*, void*)) {
  PemObjects<Object, Free> pem;
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
  while (Object* object = read(bio.get(), nullptr, nullptr, nullptr)) {
    pem.objects.emplace_back(object);
  }
  // The end of the blocks leaves "no start line" (or nothing) as the last error; else a block
  // was damaged.
  const unsigned long error = ERR_peek_last_error();
  ERR_clear_error();
  pem.damaged = error != 0 &&
                (ERR_GET_LIB(error) != ERR_LIB_PEM || ERR_GET_REASON(error) != PEM_R_NO_START_LINE);
  return pem;
}

// Every CRL in `contents`: PEM blocks, or one DER list and nothing after it. A damaged block
// is an error, not the end of the file: the lists after it would go unread.
std::variant<std::vector<CrlPtr>, std::string> ParseCrls(const std::string& contents) {
  auto pem = ReadPemObjects<X509_CRL, X509_CRL_free>(contents, PEM_read_bio_X509_CRL);
  if (!pem.objects.empty()) {
    if (pem.damaged) return "a damaged PEM block";
    return std::move(pem.objects);
  }
  std::vector<CrlPtr> crls;
  const auto* data = reinterpret_cast<const unsigned char*>(contents.data());
  const unsigned char* end = data + contents.size();
  if (X509_CRL* crl = d2i_X509_CRL(nullptr, &data, static_cast<long>(contents.size()))) {
    crls.emplace_back(crl);
    if (data != end) return "bytes after the DER revocation list";
  }
  ERR_clear_error();
  return crls;
}

// What keeps a list from saying, alone, which certificates of its issuer are revoked: a delta
// list (the rest is in its base), a partitioned or indirect one (an issuing distribution
// point), or a critical extension pgward does not read (RFC 5280 5.2: such a list is not used).
std::optional<std::string> UnusableList(const X509_CRL* crl) {
  if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
    return "a delta list: give the complete list of its issuer";
  }
  if (X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1) >= 0) {
    return "a partitioned or indirect list (issuing distribution point), which pgward does not "
           "read";
  }
  for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
    X509_EXTENSION* extension = X509_CRL_get_ext(crl, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
    if (X509_EXTENSION_get_critical(extension) && nid != NID_crl_number &&
        nid != NID_authority_key_identifier) {
      return "a critical extension pgward does not read";
    }
  }
  return std::nullopt;
}

// The certificates of a PEM file (--crl-ca-file): those that may have signed the lists.
std::variant<std::vector<X509Ptr>, std::string> ReadSigners(const std::string& file) {
  constexpr std::size_t kMaxCertificateBytes = std::size_t{16} << 20;
  const InputFile input = ReadInputFile(file, kMaxCertificateBytes);
  if (input.error) return "cannot read --crl-ca-file " + file + ": " + *input.error;
  auto pem = ReadPemObjects<X509, X509_free>(input.contents, PEM_read_bio_X509);
  if (pem.damaged) return "--crl-ca-file " + file + ": a damaged PEM block";
  if (pem.objects.empty()) return "--crl-ca-file " + file + ": no PEM certificate in it";
  return std::move(pem.objects);
}

// Whether a certificate of `signers` is the issuer of `crl` and its signature verifies with that
// certificate's key (RFC 5280 6.3.3 (f), (g)): nullopt if so, else why not. A certificate whose
// key usage leaves out cRLSign may not sign lists, and one not valid at `now` signs none today:
// the certificates given are trust anchors, checked as a verifier checks its roots.
std::optional<std::string> UnverifiedList(X509_CRL* crl, const std::vector<X509Ptr>& signers,
                                          std::time_t now) {
  bool issuer_named = false;
  bool verified = false;
  for (const X509Ptr& signer : signers) {
    X509* certificate = signer.get();
    if (X509_NAME_cmp(X509_get_subject_name(certificate), X509_CRL_get_issuer(crl)) != 0) {
      continue;
    }
    issuer_named = true;
    if ((X509_get_key_usage(certificate) & KU_CRL_SIGN) == 0 ||
        X509_cmp_time(X509_get0_notBefore(certificate), &now) >= 0 ||
        X509_cmp_time(X509_get0_notAfter(certificate), &now) <= 0) {
      continue;
    }
    verified = X509_CRL_verify(crl, X509_get0_pubkey(certificate)) == 1;
    if (verified) break;
  }
  // What the checks of malformed certificates or signatures left on the queue: a later TLS
  // call would read it as its own.
  ERR_clear_error();
  if (verified) return std::nullopt;
  return issuer_named ? "not signed by the key of any certificate of its issuer in --crl-ca-file "
                        "that may sign lists (cRLSign) and is valid now: a list altered, made by "
                        "another key under the same name, or signed by a certificate past its "
                        "validity"
                      : "not signed by any certificate in --crl-ca-file: none of them is its "
                        "issuer's";
}

// removeFromCRL (reason 8) takes a certificate off hold: it is not revoked.
bool TakenOffHold(const X509_REVOKED* entry) {
  ASN1_ENUMERATED* reason = static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
  const bool off_hold = reason != nullptr && ASN1_ENUMERATED_get(reason) == 8;
  ASN1_ENUMERATED_free(reason);
  return off_hold;
}

}  // namespace

std::variant<RevocationLists, std::string> RevocationLists::Read(
    const std::vector<std::string>& files, const std::vector<std::string>& signer_files,
    std::chrono::system_clock::time_point now) {
  if (signer_files.empty()) {
    return "give --crl-ca-file, the certificate of the CA that signs the lists: a list whose "
           "signature is not checked may have been altered to hide a revocation";
  }
  std::vector<X509Ptr> signers;
  for (const std::string& file : signer_files) {
    std::variant<std::vector<X509Ptr>, std::string> read = ReadSigners(file);
    if (const std::string* error = std::get_if<std::string>(&read)) return *error;
    for (X509Ptr& signer : std::get<std::vector<X509Ptr>>(read))
      signers.push_back(std::move(signer));
  }
  RevocationLists lists;
  std::time_t now_seconds = std::chrono::system_clock::to_time_t(now);
  for (const std::string& file : files) {
    constexpr std::size_t kMaxCrlBytes = std::size_t{64} << 20;
    const InputFile input = ReadInputFile(file, kMaxCrlBytes);
    if (input.error) return "cannot read --crl-file " + file + ": " + *input.error;
    std::variant<std::vector<CrlPtr>, std::string> parsed = ParseCrls(input.contents);
    const std::string where = "--crl-file " + file + ": ";
    if (const std::string* error = std::get_if<std::string>(&parsed)) return where + *error;
    const std::vector<CrlPtr>& crls = std::get<std::vector<CrlPtr>>(parsed);
    if (crls.empty()) return where + "no certificate revocation list (PEM or DER) in it";
    for (const CrlPtr& crl : crls) {
      const std::string issuer = NameToString(X509_CRL_get_issuer(crl.get()));
      // A list without a next update, or one whose time cannot be read, says nothing of what
      // was revoked since it was made.
      const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
      if (next == nullptr || X509_cmp_time(next, &now_seconds) <= 0) {
        return where + "the revocation list of " + issuer +
               " is past its next update (or has none): it says nothing of what was revoked "
               "since";
      }
      if (std::optional<std::string> unusable = UnusableList(crl.get())) {
        return where + "the revocation list of " + issuer + " is " + *unusable;
      }
      if (std::optional<std::string> unverified = UnverifiedList(crl.get(), signers, now_seconds)) {
        return where + "the revocation list of " + issuer + " is " + *unverified;
      }
      List& list = lists.lists_.emplace_back();
      list.issuer_rfc2253 = issuer;
      list.issuer_dn = StatSslName(X509_CRL_get_issuer(crl.get()));
      const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
      for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
        const X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
        if (TakenOffHold(entry)) continue;
        const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
        list.serials_hex.insert(SerialText(serial, false));
        // pg_stat_ssl.client_serial is cut as its names are.
        list.serials_decimal.insert(SerialText(serial, true).substr(0, kStatSslBytes));
      }
    }
  }
  return lists;
}

std::optional<bool> RevocationLists::Revokes(Form form, std::string_view issuer,
                                             std::string_view serial) const {
  std::optional<bool> revoked;
  for (const List& list : lists_) {
    if (list.*form.issuer != issuer) continue;
    revoked = revoked.value_or(false) || (list.*form.serials).contains(serial);
  }
  return revoked;
}

void RevocationLists::Mark(FactTable& table, size_t issuer_field, size_t serial_field,
                           size_t out_field, Form form) const {
  for (size_t row = 0; row < table.size(); ++row) {
    const std::optional<std::string_view> issuer = table.String(row, issuer_field);
    const std::optional<std::string_view> serial = table.String(row, serial_field);
    if (!issuer || !serial) continue;
    if (const std::optional<bool> revoked = Revokes(form, *issuer, *serial)) {
      table.SetBool(row, out_field, *revoked);
    }
  }
}

void RevocationLists::MarkFacts(FactSet& facts) const {
  Mark(facts.table(FactKind::kCertificate), FieldOf<FactKind::kCertificate>("issuer"),
       FieldOf<FactKind::kCertificate>("serial"), FieldOf<FactKind::kCertificate>("revoked"),
       {&List::issuer_rfc2253, &List::serials_hex});
  Mark(facts.table(FactKind::kConnection), FieldOf<FactKind::kConnection>("issuer_dn"),
       FieldOf<FactKind::kConnection>("client_serial"),
       FieldOf<FactKind::kConnection>("client_revoked"),
       {&List::issuer_dn, &List::serials_decimal});
}

}  // namespace pgward::probe
