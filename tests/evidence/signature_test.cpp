// Detached CMS signatures of a bundle's manifest, checked as of their signing time: evidence
// signed while the signer's certificate was valid still verifies after it expired, and a
// signature made with an expired certificate does not. The certificates and the backdated
// signature are made with OpenSSL's API (the openssl tool cannot backdate either).
#include "engine/evidence/signature.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "engine/model/fact_format.h"

namespace pgward::evidence {
namespace {

constexpr long kDay = 86400;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateFree {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Certificate = std::unique_ptr<X509, CertificateFree>;

void AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  ASSERT_NE(extension, nullptr);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate for `name` valid from `from` to `to` days from now, signed by `issuer` (itself
// when null): a CA, or an S/MIME signer.
Certificate MakeCertificate(const char* name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                            long from, long to, bool ca, long serial) {
  Certificate certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), from * kDay);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), to * kDay);
  X509_set_pubkey(certificate.get(), key);
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : certificate.get();
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer));
  if (ca) {
    AddExtension(certificate.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(certificate.get(), signer, NID_key_usage, "critical,keyCertSign");
  } else {
    AddExtension(certificate.get(), signer, NID_key_usage, "critical,digitalSignature");
    AddExtension(certificate.get(), signer, NID_ext_key_usage, "emailProtection");
  }
  X509_sign(certificate.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
  return certificate;
}

// A detached signature of `content` whose signing time is `days` from now.
std::string SignAt(const std::string& content, X509* certificate, EVP_PKEY* key, long days) {
  BIO* data = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  const unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
  CMS_ContentInfo* cms = CMS_sign(nullptr, nullptr, nullptr, nullptr, flags);
  CMS_SignerInfo* signer = CMS_add1_signer(cms, certificate, key, EVP_sha256(), flags);
  ASN1_TIME* time = X509_gmtime_adj(nullptr, days * kDay);
  CMS_signed_add1_attr_by_NID(signer, NID_pkcs9_signingTime, time->type, time, -1);
  ASN1_TIME_free(time);
  CMS_final(cms, data, nullptr, flags);
  unsigned char* der = nullptr;
  const int size = i2d_CMS_ContentInfo(cms, &der);
  std::string signature(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  BIO_free(data);
  return signature;
}

class SignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_key_.reset(EVP_RSA_gen(2048));
    signer_key_.reset(EVP_RSA_gen(2048));
    // The CA: valid from 30 days ago for 30 more. The signer: valid from 10 days ago until
    // yesterday.
    ca_ = MakeCertificate("signature test CA", ca_key_.get(), nullptr, nullptr, -30, 30, true, 1);
    signer_ = MakeCertificate("expired signer", signer_key_.get(), ca_.get(), ca_key_.get(), -10,
                              -1, false, 2);
    ca_file_ = std::filesystem::temp_directory_path() /
               ("pgward-signature-ca-" + std::to_string(getpid()) + ".pem");
    FILE* out = std::fopen(ca_file_.c_str(), "w");
    PEM_write_X509(out, ca_.get());
    std::fclose(out);
  }
  void TearDown() override { std::filesystem::remove(ca_file_); }

  Key ca_key_, signer_key_;
  Certificate ca_, signer_;
  std::filesystem::path ca_file_;
};

TEST_F(SignatureTest, SignedWhileValidItStillVerifiesAfterItExpired) {
  const std::string manifest = "{\"files\": []}\n";
  const SignatureCheck check = VerifyDetached(
      manifest, SignAt(manifest, signer_.get(), signer_key_.get(), -5), ca_file_.string());
  EXPECT_TRUE(check.valid) << check.error;
  EXPECT_EQ(check.signer, "CN=expired signer");
  // Dated five days ago, as signed.
  const std::optional<std::int64_t> signed_at = ParseTimestamp(check.signed_at);
  ASSERT_TRUE(signed_at.has_value()) << check.signed_at;
  EXPECT_NEAR(static_cast<double>(*signed_at), static_cast<double>(NowSeconds() - 5 * kDay), 60);
}

TEST_F(SignatureTest, SignedAfterItExpiredItDoesNot) {
  const std::string manifest = "{\"files\": []}\n";
  const SignatureCheck check = VerifyDetached(
      manifest, SignAt(manifest, signer_.get(), signer_key_.get(), 0), ca_file_.string());
  EXPECT_FALSE(check.valid);
  EXPECT_NE(check.error.find("expired"), std::string::npos) << check.error;
}

TEST_F(SignatureTest, AChangedManifestDoesNotVerifyWhateverItsTime) {
  const std::string manifest = "{\"files\": []}\n";
  const std::string signature = SignAt(manifest, signer_.get(), signer_key_.get(), -5);
  const SignatureCheck check = VerifyDetached("{\"files\": [1]}\n", signature, ca_file_.string());
  EXPECT_FALSE(check.valid);
}

}  // namespace
}  // namespace pgward::evidence

namespace pgward::evidence {
namespace {

// The signing time is the signer's word: one to come is no time the certificate was valid at.
TEST_F(SignatureTest, ASigningTimeToComeIsRefused) {
  Key key(EVP_RSA_gen(2048));
  const Certificate current =
      MakeCertificate("current signer", key.get(), ca_.get(), ca_key_.get(), -1, 300, false, 3);
  const std::string manifest = "{\"files\": []}\n";
  const SignatureCheck check =
      VerifyDetached(manifest, SignAt(manifest, current.get(), key.get(), 200), ca_file_.string());
  EXPECT_FALSE(check.valid);
  EXPECT_NE(check.error.find("in the future"), std::string::npos) << check.error;
}

}  // namespace
}  // namespace pgward::evidence
