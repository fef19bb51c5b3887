// TrustStore::System decodes the CA file's certificates only when a verification looks their
// name up. Each test points OpenSSL's default locations (SSL_CERT_FILE, SSL_CERT_DIR) at files it
// writes, and checks that the verdict is the one OpenSSL gives with the whole file loaded
// (X509_STORE_set_default_paths), for chains that need a root, an intermediate then its root, a
// certificate from the directory then one from the file, or that cannot verify.
#include "engine/probe/trust_store.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sandbox/test_pki.h"

namespace pgward::probe {
namespace {

namespace fs = std::filesystem;
using sandbox::CertificateSpec;
using sandbox::TestPki;

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using CertificatePtr = std::unique_ptr<X509, X509Free>;

CertificatePtr ReadCertificate(const fs::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), std::fclose);
  if (file == nullptr) return nullptr;
  return CertificatePtr(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
}

std::string Text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// OpenSSL's verification result for `leaf` alone against `store`: for a TLS server, as the probe
// verifies, or for no purpose in particular (a root presented alone); -1 when it cannot run.
int Verify(X509_STORE* store, X509* leaf, bool as_server = true) {
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> context(X509_STORE_CTX_new(),
                                                                     X509_STORE_CTX_free);
  if (context == nullptr || X509_STORE_CTX_init(context.get(), store, leaf, nullptr) != 1 ||
      (as_server && X509_STORE_CTX_set_default(context.get(), "ssl_server") != 1)) {
    return -1;
  }
  return X509_verify_cert(context.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context.get());
}

// `certificate`'s DER with the length of its signature (the last element) one byte short, which
// leaves a stray byte at the end: damage that reading the subject does not reach.
std::string DamagedPem(const fs::path& certificate) {
  const CertificatePtr parsed = ReadCertificate(certificate);
  unsigned char* der = nullptr;
  const int length = i2d_X509(parsed.get(), &der);
  std::vector<unsigned char> bytes(der, der + length);
  OPENSSL_free(der);
  // An RSA-2048 signature: BIT STRING, long-form length 0x0101 (a zero byte and 256 bytes).
  const std::size_t header = bytes.size() - 261;
  EXPECT_EQ(bytes[header], 0x03);
  EXPECT_EQ(bytes[header + 2], 0x01);
  EXPECT_EQ(bytes[header + 3], 0x01);
  bytes[header + 3] = 0x00;
  std::unique_ptr<BIO, int (*)(BIO*)> pem(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio(pem.get(), "CERTIFICATE", "", bytes.data(), static_cast<long>(bytes.size()));
  char* text = nullptr;
  const long size = BIO_get_mem_data(pem.get(), &text);
  return std::string(text, static_cast<std::size_t>(size));
}

class TrustStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pgward-trust-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = pattern;
    root_ = std::make_unique<TestPki>(directory_ / "root");
    intermediate_ = std::make_unique<TestPki>(directory_ / "intermediate", *root_);
    // Another root with the same subject as `root_`: lookups by name find both.
    namesake_ = std::make_unique<TestPki>(directory_ / "namesake");
    const CertificateSpec leaf{.common_name = "db.example.com", .dns_names = {"db.example.com"}};
    leaf_of_root_ = ReadCertificate(root_->Issue("leaf", leaf).certificate);
    leaf_of_intermediate_ = ReadCertificate(intermediate_->Issue("leaf", leaf).certificate);
    leaf_of_namesake_ = ReadCertificate(namesake_->Issue("leaf", leaf).certificate);
    fs::create_directories(directory_ / "certs");
    for (const char* variable :
         {X509_get_default_cert_file_env(), X509_get_default_cert_dir_env()}) {
      if (const char* value = std::getenv(variable)) saved_environment_.emplace(variable, value);
    }
    setenv(X509_get_default_cert_file_env(), (directory_ / "bundle.pem").c_str(), 1);
    setenv(X509_get_default_cert_dir_env(), (directory_ / "certs").c_str(), 1);
  }

  void TearDown() override {
    for (const char* variable :
         {X509_get_default_cert_file_env(), X509_get_default_cert_dir_env()}) {
      const auto saved = saved_environment_.find(variable);
      if (saved != saved_environment_.end()) {
        setenv(variable, saved->second.c_str(), 1);
      } else {
        unsetenv(variable);
      }
    }
    fs::remove_all(directory_);
  }

  void WriteBundle(const std::string& text) { std::ofstream(directory_ / "bundle.pem") << text; }

  // Puts `ca` in the CA directory under its subject hash, as c_rehash names it.
  void AddToDirectory(const TestPki& ca) {
    const CertificatePtr certificate = ReadCertificate(ca.ca_certificate());
    char name[16];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(certificate.get()));
    fs::copy_file(ca.ca_certificate(), directory_ / "certs" / name);
  }

  // The verdict with TrustStore::System, after checking it is OpenSSL's with the whole file.
  int VerifyAgainstSystem(X509* leaf, bool as_server = true) {
    std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> whole(X509_STORE_new(), X509_STORE_free);
    X509_STORE_set_default_paths(whole.get());
    const Expected<TrustStore> system = TrustStore::System();
    EXPECT_TRUE(system.has_value());
    if (!system) return -1;
    EXPECT_EQ(system->name(), "system");
    const int verdict = Verify(system->get(), leaf, as_server);
    EXPECT_EQ(verdict, Verify(whole.get(), leaf, as_server))
        << X509_verify_cert_error_string(verdict) << " where OpenSSL's whole-file store says "
        << X509_verify_cert_error_string(Verify(whole.get(), leaf, as_server));
    return verdict;
  }

  fs::path directory_;
  std::map<std::string, std::string> saved_environment_;
  std::unique_ptr<TestPki> root_;
  std::unique_ptr<TestPki> intermediate_;
  std::unique_ptr<TestPki> namesake_;
  CertificatePtr leaf_of_root_;
  CertificatePtr leaf_of_intermediate_;
  CertificatePtr leaf_of_namesake_;
};

TEST_F(TrustStoreTest, FindsRootsIntermediatesAndNamesakesInTheFile) {
  WriteBundle(Text(namesake_->ca_certificate()) + Text(intermediate_->ca_certificate()) +
              Text(root_->ca_certificate()));
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_root_.get()), X509_V_OK);
  // The intermediate first, then the root it names as issuer.
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_intermediate_.get()), X509_V_OK);
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_namesake_.get()), X509_V_OK);
}

TEST_F(TrustStoreTest, RefusesWhatTheFileCannotAnchor) {
  WriteBundle(Text(intermediate_->ca_certificate()));
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_intermediate_.get()), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_root_.get()), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  WriteBundle(Text(root_->ca_certificate()));
  // The namesake's leaf names the root's subject as its issuer, but another key signed it.
  EXPECT_NE(VerifyAgainstSystem(leaf_of_namesake_.get()), X509_V_OK);
}

TEST_F(TrustStoreTest, ReadsTrustedCertificateBlocks) {
  const CertificatePtr root = ReadCertificate(root_->ca_certificate());
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen((directory_ / "bundle.pem").c_str(), "w"),
                                             std::fclose);
  ASSERT_TRUE(X509_add1_trust_object(root.get(), OBJ_nid2obj(NID_server_auth)));
  ASSERT_EQ(PEM_write_X509_AUX(file.get(), root.get()), 1);
  file.reset();
  ASSERT_NE(Text(directory_ / "bundle.pem").find("BEGIN TRUSTED CERTIFICATE"), std::string::npos);
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_root_.get()), X509_V_OK);
}

TEST_F(TrustStoreTest, CombinesTheDirectoryAndTheFile) {
  // The intermediate only in the directory, its root only in the file.
  WriteBundle(Text(root_->ca_certificate()));
  AddToDirectory(*intermediate_);
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_intermediate_.get()), X509_V_OK);
  // No file at all: the directory alone.
  fs::remove(directory_ / "bundle.pem");
  AddToDirectory(*namesake_);
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_namesake_.get()), X509_V_OK);
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_intermediate_.get()), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
}

TEST_F(TrustStoreTest, DecodesOnlyTheCertificatesItLooksUp) {
  WriteBundle(Text(intermediate_->ca_certificate()) + Text(root_->ca_certificate()) +
              Text(namesake_->ca_certificate()));
  const Expected<TrustStore> system = TrustStore::System();
  ASSERT_TRUE(system.has_value());
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(system->get())), 0);
  EXPECT_EQ(Verify(system->get(), leaf_of_root_.get()), X509_V_OK);
  // The root and its namesake, not the intermediate: nothing asked for its name.
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(system->get())), 2);
}

TEST_F(TrustStoreTest, ADamagedFileFailsAsInOpenssl) {
  // OpenSSL loads nothing from a CA file with a block it cannot decode, whatever the damage: a
  // certificate without a subject, one damaged after its subject (here a certificate whose name
  // is never looked up), a block cut short.
  const std::string root = Text(root_->ca_certificate());
  for (const std::string& damage :
       {std::string("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n"),
        DamagedPem(intermediate_->ca_certificate()),
        std::string("-----BEGIN CERTIFICATE-----\nMIIB\n")}) {
    SCOPED_TRACE(damage);
    WriteBundle(root + damage);
    EXPECT_EQ(VerifyAgainstSystem(leaf_of_root_.get()),
              X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  }
}

TEST_F(TrustStoreTest, AFileWithOtherBlocksIsReadAsInOpenssl) {
  // A private key among the certificates: OpenSSL's loader reads past it.
  WriteBundle(Text(root_->ca_certificate()) + Text(directory_ / "root" / "ca.key"));
  EXPECT_EQ(VerifyAgainstSystem(leaf_of_root_.get()), X509_V_OK);
}

TEST_F(TrustStoreTest, AgreesWithOpensslOnTheMachinesOwnBundle) {
  unsetenv(X509_get_default_cert_file_env());
  unsetenv(X509_get_default_cert_dir_env());
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(X509_get_default_cert_file(), "r"),
                                             std::fclose);
  if (file == nullptr) GTEST_SKIP() << "no CA file at " << X509_get_default_cert_file();
  int roots = 0;
  int verified = 0;
  while (X509* read = PEM_read_X509(file.get(), nullptr, nullptr, nullptr)) {
    const CertificatePtr root(read);
    // A root presented alone is found in the store by its own name (unless it has expired).
    if (++roots % 10 == 1 && VerifyAgainstSystem(root.get(), /*as_server=*/false) == X509_V_OK) {
      ++verified;
    }
  }
  EXPECT_GT(verified, 0);
  EXPECT_NE(VerifyAgainstSystem(leaf_of_root_.get()), X509_V_OK);
}

}  // namespace
}  // namespace pgward::probe
