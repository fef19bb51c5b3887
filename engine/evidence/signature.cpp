#include "engine/evidence/signature.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <optional>

#include "engine/core/input_file.h"
#include "engine/core/openssl_ptr.h"
#include "engine/model/fact_format.h"

namespace pgward::evidence {
namespace {

using Bio = BioPtr;
using Key = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using Certificate = OpensslPtr<X509, X509_free>;
using Cms = OpensslPtr<CMS_ContentInfo, CMS_ContentInfo_free>;
using Store = OpensslPtr<X509_STORE, X509_STORE_free>;
void FreeInfoStack(STACK_OF(X509_INFO) * infos) { sk_X509_INFO_pop_free(infos, X509_INFO_free); }
using InfoStack = OpensslPtr<STACK_OF(X509_INFO), FreeInfoStack>;

// OpenSSL's reason for the last failure, with its detail ("unsuitable certificate purpose"),
// and its error queue emptied.
std::string OpenSslReason() {
  unsigned long last = 0;
  std::string detail;
  const char* data = nullptr;
  int flags = 0;
  while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    last = code;
    detail = data != nullptr && (flags & ERR_TXT_STRING) != 0 ? data : "";
  }
  if (last == 0) return "unknown reason";
  char text[256];
  ERR_error_string_n(last, text, sizeof text);
  return detail.empty() ? text : std::string(text) + ": " + detail;
}

// A PEM file as the input reader reads any file it is given: a regular file only (a FIFO would
// never end), of a bounded size.
std::variant<std::string, SignatureError> ReadPem(const std::string& path,
                                                  const std::string& what) {
  InputFile file = ReadInputFile(path, kDefaultMaxConfigBytes);
  if (file.error) return SignatureError{"cannot read " + what + " " + path + ": " + *file.error};
  return std::move(file.contents);
}

// A passphrase is never asked for: a run is unattended, and a prompt would hang it.
int NoPassphrase(char*, int, int, void*) { return -1; }

Bio MemoryOf(std::string_view bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string Subject(X509* certificate) {
  Bio out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// The signing-time attribute of the first signer, in seconds since the epoch.
std::optional<std::int64_t> SigningTime(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms);
  if (signers == nullptr || sk_CMS_SignerInfo_num(signers) < 1) return std::nullopt;
  CMS_SignerInfo* signer = sk_CMS_SignerInfo_value(signers, 0);
  const int index = CMS_signed_get_attr_by_NID(signer, NID_pkcs9_signingTime, -1);
  if (index < 0) return std::nullopt;
  const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(signer, index), 0);
  if (value == nullptr ||
      (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME)) {
    return std::nullopt;
  }
  std::tm time{};
  if (ASN1_TIME_to_tm(value->value.asn1_string, &time) != 1) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&time));
}

}  // namespace

std::variant<std::string, SignatureError> SignDetached(std::string_view content,
                                                       const std::string& key_file,
                                                       const std::string& cert_file) {
  const auto key_pem = ReadPem(key_file, "the signing key");
  if (const auto* failure = std::get_if<SignatureError>(&key_pem)) return *failure;
  Bio key_in = MemoryOf(std::get<std::string>(key_pem));
  Key key(PEM_read_bio_PrivateKey(key_in.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    return SignatureError{"the signing key " + key_file +
                          " is not an unencrypted PEM private key (" + OpenSslReason() + ")"};
  }
  const auto cert_pem = ReadPem(cert_file, "the signing certificate");
  if (const auto* failure = std::get_if<SignatureError>(&cert_pem)) return *failure;
  Bio cert_in = MemoryOf(std::get<std::string>(cert_pem));
  Certificate certificate(PEM_read_bio_X509(cert_in.get(), nullptr, NoPassphrase, nullptr));
  if (!certificate) {
    return SignatureError{"the signing certificate " + cert_file + " is not a PEM certificate (" +
                          OpenSslReason() + ")"};
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    return SignatureError{"the signing key " + key_file + " is not the key of " + cert_file};
  }
  // A bundle its verifiers (pgward, openssl cms -verify) would refuse is not made at all.
  if (X509_check_purpose(certificate.get(), X509_PURPOSE_SMIME_SIGN, 0) != 1) {
    ERR_clear_error();
    return SignatureError{"the signing certificate " + cert_file +
                          " is not for signing: its key usage or extended key usage leaves "
                          "S/MIME signing out (a TLS server certificate, say)"};
  }
  if (X509_cmp_current_time(X509_get0_notBefore(certificate.get())) >= 0 ||
      X509_cmp_current_time(X509_get0_notAfter(certificate.get())) <= 0) {
    return SignatureError{"the signing certificate " + cert_file + " is not valid now"};
  }
  Bio data = MemoryOf(content);
  Cms cms(CMS_sign(certificate.get(), key.get(), nullptr, data.get(), CMS_DETACHED | CMS_BINARY));
  if (!cms) return SignatureError{"cannot sign: " + OpenSslReason()};
  Bio out(BIO_new(BIO_s_mem()));
  if (i2d_CMS_bio(out.get(), cms.get()) != 1) {
    return SignatureError{"cannot encode the signature: " + OpenSslReason()};
  }
  char* der = nullptr;
  const long size = BIO_get_mem_data(out.get(), &der);
  return std::string(der, static_cast<std::size_t>(size));
}

SignatureCheck VerifyDetached(std::string_view content, std::string_view signature,
                              const std::optional<std::string>& ca_file) {
  SignatureCheck check;
  Bio signature_in = MemoryOf(signature);
  Cms cms(d2i_CMS_bio(signature_in.get(), nullptr));
  if (!cms) {
    check.error = "not a DER CMS signature (" + OpenSslReason() + ")";
    return check;
  }
  Store store(X509_STORE_new());
  if (ca_file) {
    const auto pem = ReadPem(*ca_file, "the CA certificates");
    if (const auto* failure = std::get_if<SignatureError>(&pem)) {
      check.error = failure->message;
      return check;
    }
    Bio in = MemoryOf(std::get<std::string>(pem));
    InfoStack infos(PEM_X509_INFO_read_bio(in.get(), nullptr, NoPassphrase, nullptr));
    int added = 0;
    for (int i = 0; infos && i < sk_X509_INFO_num(infos.get()); ++i) {
      X509* certificate = sk_X509_INFO_value(infos.get(), i)->x509;
      if (certificate != nullptr && X509_STORE_add_cert(store.get(), certificate) == 1) ++added;
    }
    if (added == 0) {
      check.error = "no PEM certificate in " + *ca_file + " (" + OpenSslReason() + ")";
      return check;
    }
  }
  // A bundle is signed once: with several signers, whose time would the chain be checked at?
  if (STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
      signers == nullptr || sk_CMS_SignerInfo_num(signers) != 1) {
    check.error = "the signature must have exactly one signer";
    return check;
  }
  if (const std::optional<std::int64_t> signed_at = SigningTime(cms.get())) {
    // The signer's own word: a time to come is no time a certificate was valid at.
    constexpr std::int64_t kClockSkewSeconds = 300;
    if (*signed_at > NowSeconds() + kClockSkewSeconds) {
      check.error = "the signing time " + FormatTimestamp(*signed_at) + " is in the future";
      return check;
    }
    check.signed_at = FormatTimestamp(*signed_at);
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), static_cast<time_t>(*signed_at));
  }
  Bio data = MemoryOf(content);
  const unsigned int flags = CMS_BINARY | (ca_file ? 0u : CMS_NO_SIGNER_CERT_VERIFY);
  check.valid = CMS_verify(cms.get(), nullptr, store.get(), data.get(), nullptr, flags) == 1;
  if (!check.valid) check.error = OpenSslReason();
  if (STACK_OF(X509)* signers = CMS_get0_signers(cms.get())) {
    if (sk_X509_num(signers) > 0) check.signer = Subject(sk_X509_value(signers, 0));
    sk_X509_free(signers);
  }
  ERR_clear_error();
  return check;
}

}  // namespace pgward::evidence
