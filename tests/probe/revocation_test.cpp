// RevocationLists::Read uses a list only if a certificate of its issuer, among those the user
// gives (--crl-ca-file), signed it: lists are checked against real ones TestPki's CAs sign, and
// against a forgery, a list of the same name that another key signed.
#include "engine/probe/revocation.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tests/sandbox/test_pki.h"

namespace pgward::probe {
namespace {

namespace fs = std::filesystem;
using sandbox::CertificateSpec;
using sandbox::TestPki;

class RevocationTest : public ::testing::Test {
 protected:
  RevocationTest()
      : directory_(fs::temp_directory_path() /
                   ("pgward-revocation-" + std::to_string(getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::create_directories(directory_ / "ca");
    fs::create_directories(directory_ / "forger");
    fs::create_directories(directory_ / "intermediate");
  }
  ~RevocationTest() override { fs::remove_all(directory_); }

  // Read's error, or "" when the lists were read.
  static std::string ReadError(const std::vector<std::string>& lists,
                               const std::vector<std::string>& signers) {
    const auto read = RevocationLists::Read(lists, signers, std::chrono::system_clock::now());
    const std::string* error = std::get_if<std::string>(&read);
    return error != nullptr ? *error : "";
  }

  fs::path directory_;
};

TEST_F(RevocationTest, AListIsUsedOnlyIfACertificateOfItsIssuerSignedIt) {
  const TestPki ca(directory_ / "ca");
  // Another CA of the same name ("pgward sandbox CA"), with its own key: what a forger makes.
  const TestPki forger(directory_ / "forger");
  const TestPki intermediate(directory_ / "intermediate", ca);
  const TestPki::Issued client = ca.Issue("client", CertificateSpec{.common_name = "client"});
  const std::string list = ca.WriteRevocationList("ca", {client.certificate}).string();
  const std::string forged = forger.WriteRevocationList("forged", {}).string();
  const std::string intermediate_list = intermediate.WriteRevocationList("intermediate", {});
  const std::string ca_file = ca.ca_certificate().string();

  EXPECT_EQ(ReadError({list}, {ca_file}), "");
  // A certificate of the same name that did not sign it is passed over for one that did.
  EXPECT_EQ(ReadError({list}, {forger.ca_certificate().string(), ca_file}), "");
  EXPECT_EQ(ReadError({intermediate_list}, {ca_file, intermediate.ca_certificate().string()}), "");

  const std::string forged_error = ReadError({list, forged}, {ca_file});
  EXPECT_TRUE(forged_error.starts_with("--crl-file " + forged + ": the revocation list of "))
      << forged_error;
  EXPECT_NE(forged_error.find("not signed by the key of any certificate of its issuer"),
            std::string::npos)
      << forged_error;
  const std::string stranger_error = ReadError({intermediate_list}, {ca_file});
  EXPECT_TRUE(
      stranger_error.starts_with("--crl-file " + intermediate_list + ": the revocation list of "))
      << stranger_error;
  EXPECT_NE(stranger_error.find("none of them is its issuer's"), std::string::npos)
      << stranger_error;

  EXPECT_NE(ReadError({list}, {}).find("give --crl-ca-file"), std::string::npos);
  // A list is no certificate: a signer file without one is an error, not an empty set.
  EXPECT_EQ(ReadError({list}, {list}), "--crl-ca-file " + list + ": no PEM certificate in it");
}

// A list changed after it was signed (here an entry added: the same holds for one taken out)
// no longer verifies: OpenSSL writes the changed contents under the old signature.
TEST_F(RevocationTest, AListChangedAfterItWasSignedIsRefused) {
  const TestPki ca(directory_ / "ca");
  const std::string signed_list = ca.WriteRevocationList("ca", {}).string();
  const std::string changed = (directory_ / "changed.crl").string();
  {
    std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(signed_list.c_str(), "r"), std::fclose);
    ASSERT_NE(in, nullptr);
    std::unique_ptr<X509_CRL, void (*)(X509_CRL*)> crl(
        PEM_read_X509_CRL(in.get(), nullptr, nullptr, nullptr), X509_CRL_free);
    ASSERT_NE(crl, nullptr);
    X509_REVOKED* entry = X509_REVOKED_new();
    ASN1_INTEGER* serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set(serial, 12345);
    X509_REVOKED_set_serialNumber(entry, serial);
    ASN1_INTEGER_free(serial);
    ASN1_TIME* now = ASN1_TIME_set(nullptr, std::time(nullptr));
    X509_REVOKED_set_revocationDate(entry, now);
    ASN1_TIME_free(now);
    ASSERT_EQ(X509_CRL_add0_revoked(crl.get(), entry), 1);
    std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(changed.c_str(), "w"), std::fclose);
    ASSERT_EQ(PEM_write_X509_CRL(out.get(), crl.get()), 1);
  }
  EXPECT_EQ(ReadError({signed_list}, {ca.ca_certificate().string()}), "");
  const std::string error = ReadError({changed}, {ca.ca_certificate().string()});
  EXPECT_TRUE(error.starts_with("--crl-file " + changed + ": the revocation list of ")) << error;
  EXPECT_NE(error.find("not signed by the key of any certificate of its issuer"), std::string::npos)
      << error;
}

// Writes a list of `issuer`'s name, revoking nothing, signed with `key`: a list as a CA whose
// certificate is `issuer` would make it, whatever that certificate allows.
std::string SignList(const TestPki::Issued& issuer, const fs::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> certificate_file(
      std::fopen(issuer.certificate.c_str(), "r"), std::fclose);
  std::unique_ptr<FILE, int (*)(FILE*)> key_file(std::fopen(issuer.private_key.c_str(), "r"),
                                                 std::fclose);
  if (certificate_file == nullptr || key_file == nullptr) return "";
  std::unique_ptr<X509, void (*)(X509*)> certificate(
      PEM_read_X509(certificate_file.get(), nullptr, nullptr, nullptr), X509_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_PrivateKey(key_file.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::unique_ptr<X509_CRL, void (*)(X509_CRL*)> crl(X509_CRL_new(), X509_CRL_free);
  std::unique_ptr<ASN1_TIME, void (*)(ASN1_TIME*)> now(ASN1_TIME_set(nullptr, std::time(nullptr)),
                                                       ASN1_TIME_free);
  std::unique_ptr<ASN1_TIME, void (*)(ASN1_TIME*)> next(
      ASN1_TIME_set(nullptr, std::time(nullptr) + 7 * 86400), ASN1_TIME_free);
  if (certificate == nullptr || key == nullptr || crl == nullptr ||
      X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(certificate.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), now.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1 ||
      X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) == 0) {
    return "";
  }
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(path.c_str(), "w"), std::fclose);
  if (out == nullptr || PEM_write_X509_CRL(out.get(), crl.get()) != 1) return "";
  return path.string();
}

// The certificate that signed a list must be one that may sign lists (its key usage has
// cRLSign), valid now: a server's or client's certificate, or a CA certificate past its validity,
// signs none, although the signature verifies with its key.
TEST_F(RevocationTest, OnlyACertificateThatMaySignListsNowVerifiesOne) {
  const TestPki ca(directory_ / "ca");
  const TestPki::Issued current =
      ca.Issue("current", CertificateSpec{.common_name = "current CA", .is_ca = true});
  const TestPki::Issued expired = ca.Issue(
      "expired",
      CertificateSpec{
          .common_name = "expired CA", .valid_from_days = -60, .valid_days = 30, .is_ca = true});
  const TestPki::Issued server = ca.Issue("server", CertificateSpec{.common_name = "server"});
  const std::string current_list = SignList(current, directory_ / "current.crl");
  const std::string expired_list = SignList(expired, directory_ / "expired.crl");
  const std::string server_list = SignList(server, directory_ / "server.crl");
  ASSERT_FALSE(current_list.empty() || expired_list.empty() || server_list.empty());

  EXPECT_EQ(ReadError({current_list}, {current.certificate.string()}), "");
  for (const auto& [list, signer] :
       {std::pair{expired_list, expired.certificate}, std::pair{server_list, server.certificate}}) {
    const std::string error = ReadError({list}, {signer.string()});
    EXPECT_TRUE(error.starts_with("--crl-file " + list + ": the revocation list of ")) << error;
    EXPECT_NE(error.find("that may sign lists (cRLSign) and is valid now"), std::string::npos)
        << error;
  }
}

}  // namespace
}  // namespace pgward::probe
