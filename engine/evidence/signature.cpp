#include "engine/evidence/signature.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace pgward::evidence {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* pointer) const {
    Free(pointer);
  }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509_free>>;
using Cms = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;

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

}  // namespace

std::variant<std::string, SignatureError> SignDetached(std::string_view content,
                                                       const std::string& key_file,
                                                       const std::string& cert_file) {
  Bio key_in(BIO_new_file(key_file.c_str(), "r"));
  if (!key_in) return SignatureError{"cannot read the signing key " + key_file};
  Key key(PEM_read_bio_PrivateKey(key_in.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    return SignatureError{"the signing key " + key_file +
                          " is not an unencrypted PEM private key (" + OpenSslReason() + ")"};
  }
  Bio cert_in(BIO_new_file(cert_file.c_str(), "r"));
  if (!cert_in) return SignatureError{"cannot read the signing certificate " + cert_file};
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
  if (ca_file && X509_STORE_load_file(store.get(), ca_file->c_str()) != 1) {
    check.error = "cannot read the CA certificates " + *ca_file + " (" + OpenSslReason() + ")";
    return check;
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
