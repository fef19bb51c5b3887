#include "engine/probe/certificate.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "engine/core/openssl_ptr.h"
#include "engine/probe/endpoint.h"

namespace pgward::probe {
namespace {

using BignumPtr = OpensslPtr<BIGNUM, BN_free>;
using StoreContextPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;

void FreeGeneralNames(GENERAL_NAMES* names) { GENERAL_NAMES_free(names); }
using GeneralNamesPtr = OpensslPtr<GENERAL_NAMES, FreeGeneralNames>;

std::string Serial(X509* certificate) {
  BignumPtr number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
  char* hex = BN_bn2hex(number.get());
  std::string serial = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return serial;
}

// nullopt for a time OpenSSL cannot read (it would leave `parts` zero: 1899-12-31).
std::optional<std::chrono::sys_seconds> ToTimePoint(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&parts)));
}

std::string Fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(certificate, EVP_sha256(), digest, &length);
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, i == 0 ? "%02X" : ":%02X", digest[i]);
    text += pair;
  }
  return text;
}

void AddSubjectAltNames(X509* certificate, CertificateFacts& facts) {
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      facts.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                   static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const int length = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = "";
      if (length == 4 || length == 16) {
        inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof text);
        facts.ip_addresses.emplace_back(text);
      }
    }
  }
}

}  // namespace

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

CertificateFacts DescribeCertificate(X509* certificate, std::chrono::system_clock::time_point now) {
  CertificateFacts facts;
  facts.subject = NameToString(X509_get_subject_name(certificate));
  facts.issuer = NameToString(X509_get_issuer_name(certificate));
  AddSubjectAltNames(certificate, facts);
  facts.serial = Serial(certificate);
  facts.not_before = ToTimePoint(X509_get0_notBefore(certificate));
  facts.not_after = ToTimePoint(X509_get0_notAfter(certificate));
  if (facts.not_after) {
    const auto remaining = std::chrono::floor<std::chrono::seconds>(*facts.not_after - now);
    facts.days_to_expiry = std::chrono::floor<std::chrono::days>(remaining).count();
  }
  if (const EVP_PKEY* key = X509_get0_pubkey(certificate); key != nullptr) {
    const char* type = EVP_PKEY_get0_type_name(key);
    facts.key_type = type != nullptr ? type : "unknown";
    facts.key_bits = EVP_PKEY_get_bits(key);
    char curve[80] = "";
    if (EVP_PKEY_get_group_name(key, curve, sizeof curve, nullptr) == 1) facts.key_curve = curve;
  }
  facts.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(certificate));
  facts.self_signed = X509_self_signed(certificate, 1) == 1;
  facts.sha256_fingerprint = Fingerprint(certificate);
  return facts;
}

Expected<ChainFacts> DescribeChain(const SSL* tls, const TrustStore& anchors,
                                   const std::string& name,
                                   std::chrono::system_clock::time_point now) {
  // On the client side the chain includes the leaf.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(tls);
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    return Error{ErrorKind::kTlsProtocolError, "the server sent no certificate"};
  }
  ChainFacts facts;
  facts.trust_store = anchors.name();
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    facts.certificates.push_back(DescribeCertificate(sk_X509_value(chain, i), now));
  }
  X509* leaf = sk_X509_value(chain, 0);

  // The handshakes run at security level 0 to see everything the server accepts, so the
  // session's own verification result would accept weak keys and digests: verify again as a
  // default client does (security level 1, purpose "TLS server").
  StoreContextPtr verification(X509_STORE_CTX_new());
  if (verification == nullptr ||
      X509_STORE_CTX_init(verification.get(), anchors.get(), leaf, chain) != 1 ||
      X509_STORE_CTX_set_default(verification.get(), "ssl_server") != 1) {
    return Error{ErrorKind::kLocalTlsError, "cannot set up certificate verification"};
  }
  X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(verification.get()), 1);
  facts.verified = X509_verify_cert(verification.get()) == 1;
  if (!facts.verified) {
    facts.verification_error =
        X509_verify_cert_error_string(X509_STORE_CTX_get_error(verification.get()));
  }

  facts.checked_name = name;
  facts.name_matches = IsIpAddress(name) ? X509_check_ip_asc(leaf, name.c_str(), 0) == 1
                                         : X509_check_host(leaf, name.c_str(), 0, 0, nullptr) == 1;
  return facts;
}

}  // namespace pgward::probe
