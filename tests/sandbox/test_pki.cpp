#include "tests/sandbox/test_pki.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace pgward::sandbox {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FileClose {
  void operator()(FILE* file) const { std::fclose(file); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using File = std::unique_ptr<FILE, FileClose>;

[[noreturn]] void fail(const std::string& what) {
  char detail[256] = "";
  ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
  throw std::runtime_error("test PKI: " + what + ": " + detail);
}

Pkey GenerateKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (key == nullptr) fail("key generation");
  return Pkey(key);
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr || X509_add_ext(cert, extension, -1) != 1) fail("extension " + value);
  X509_EXTENSION_free(extension);
}

Cert BuildCertificate(const CertificateSpec& spec, EVP_PKEY* key, X509* issuer,
                      EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  // Random 64-bit serials: a reissued certificate never collides with an earlier one.
  unsigned char serial_bytes[8];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);

  constexpr long kDay = 24L * 60 * 60;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.valid_from_days * kDay);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), (spec.valid_from_days + spec.valid_days) * kDay);
  X509_set_pubkey(cert.get(), key);

  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("pgward sandbox"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));

  AddExtension(cert.get(), signer, NID_basic_constraints,
               spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExtension(
      cert.get(), signer, NID_key_usage,
      spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  // As real CAs issue them: the key identifier tells apart issuers that share a name.
  if (issuer != nullptr) {
    AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (!spec.is_ca) AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
  std::string alt_names;
  for (const std::string& dns : spec.dns_names)
    alt_names += (alt_names.empty() ? "" : ",") + ("DNS:" + dns);
  for (const std::string& ip : spec.ip_addresses)
    alt_names += (alt_names.empty() ? "" : ",") + ("IP:" + ip);
  if (!alt_names.empty()) AddExtension(cert.get(), signer, NID_subject_alt_name, alt_names);

  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    fail("signing " + spec.common_name);
  }
  return cert;
}

File OpenForWrite(const std::filesystem::path& path, mode_t mode) {
  File file(std::fopen(path.c_str(), "w"));
  if (!file) throw std::runtime_error("test PKI: cannot write " + path.string());
  chmod(path.c_str(), mode);
  return file;
}

void WritePem(const std::filesystem::path& certificate_path, const std::filesystem::path& key_path,
              X509* cert, EVP_PKEY* key) {
  File cert_file = OpenForWrite(certificate_path, 0644);
  if (PEM_write_X509(cert_file.get(), cert) != 1) fail("writing " + certificate_path.string());
  // PostgreSQL refuses a private key readable by group or others.
  File key_file = OpenForWrite(key_path, 0600);
  if (PEM_write_PrivateKey(key_file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("writing " + key_path.string());
  }
}

Pkey ReadKey(const std::filesystem::path& path) {
  File file(std::fopen(path.c_str(), "r"));
  if (!file) throw std::runtime_error("test PKI: cannot read " + path.string());
  Pkey key(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  if (!key) fail("reading " + path.string());
  return key;
}

Cert ReadCertificate(const std::filesystem::path& path) {
  File file(std::fopen(path.c_str(), "r"));
  if (!file) throw std::runtime_error("test PKI: cannot read " + path.string());
  Cert cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("reading " + path.string());
  return cert;
}

}  // namespace

TestPki::TestPki(std::filesystem::path directory)
    : directory_(std::move(directory)),
      ca_certificate_(directory_ / "ca.crt"),
      ca_private_key_(directory_ / "ca.key") {
  CreateCa({.common_name = "pgward sandbox CA",
            .key_type = KeyType::kRsa2048,
            .valid_days = 3650,
            .is_ca = true},
           nullptr);
}

TestPki::TestPki(std::filesystem::path directory, const TestPki& parent)
    : directory_(std::move(directory)),
      ca_certificate_(directory_ / "ca.crt"),
      ca_private_key_(directory_ / "ca.key") {
  CreateCa({.common_name = "pgward sandbox intermediate CA", .valid_days = 3650, .is_ca = true},
           &parent);
}

void TestPki::CreateCa(const CertificateSpec& spec, const TestPki* parent) {
  std::filesystem::create_directories(directory_);
  Pkey key = GenerateKey(spec.key_type);
  Cert cert = parent == nullptr ? BuildCertificate(spec, key.get(), nullptr, nullptr)
                                : BuildCertificate(spec, key.get(),
                                                   ReadCertificate(parent->ca_certificate_).get(),
                                                   ReadKey(parent->ca_private_key_).get());
  WritePem(ca_certificate_, ca_private_key_, cert.get(), key.get());
}

std::filesystem::path TestPki::WriteRevocationList(
    const std::string& name, const std::vector<std::filesystem::path>& revoked) const {
  Pkey ca_key = ReadKey(ca_private_key_);
  Cert ca_cert = ReadCertificate(ca_certificate_);
  const std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), X509_CRL_free);
  const std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> now(X509_gmtime_adj(nullptr, 0),
                                                                  ASN1_TIME_free);
  const std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(
      X509_gmtime_adj(nullptr, 7 * 24 * 3600), ASN1_TIME_free);
  if (!crl || !now || !next || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), now.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    fail("building a revocation list");
  }
  for (const std::filesystem::path& path : revoked) {
    const Cert cert = ReadCertificate(path);
    X509_REVOKED* entry = X509_REVOKED_new();
    if (entry == nullptr ||
        X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(cert.get())) != 1 ||
        X509_REVOKED_set_revocationDate(entry, now.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), entry) != 1) {
      X509_REVOKED_free(entry);
      fail("revoking " + path.string());
    }
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), ca_key.get(), EVP_sha256()) == 0) {
    fail("signing a revocation list");
  }
  const std::filesystem::path path = directory_ / (name + ".crl");
  const File file = OpenForWrite(path, 0644);
  if (PEM_write_X509_CRL(file.get(), crl.get()) != 1) fail("writing " + path.string());
  return path;
}

TestPki::Issued TestPki::Issue(const std::string& name, const CertificateSpec& spec) const {
  Pkey ca_key = ReadKey(ca_private_key_);
  Cert ca_cert = ReadCertificate(ca_certificate_);
  Pkey key = GenerateKey(spec.key_type);
  Cert cert = BuildCertificate(spec, key.get(), ca_cert.get(), ca_key.get());
  Issued issued{directory_ / (name + ".crt"), directory_ / (name + ".key")};
  WritePem(issued.certificate, issued.private_key, cert.get(), key.get());
  return issued;
}

}  // namespace pgward::sandbox
