#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pgward::sandbox {

enum class KeyType { kRsa2048, kEcP256 };

// What a generated certificate says about itself; the tests compare what servers and the probe
// report against these fields.
struct CertificateSpec {
  std::string common_name{};
  std::vector<std::string> dns_names{};
  std::vector<std::string> ip_addresses{};
  KeyType key_type = KeyType::kEcP256;
  int valid_from_days = 0;  // relative to now; negative backdates
  int valid_days = 365;
  bool is_ca = false;
};

// A throwaway certificate authority that issues server and client certificates as PEM files.
// Everything is generated with OpenSSL's API at construction: no openssl binary, no fixtures
// that expire in the repository.
class TestPki {
 public:
  explicit TestPki(std::filesystem::path directory);
  // An intermediate CA ("pgward sandbox intermediate CA") that `parent`'s CA signs.
  TestPki(std::filesystem::path directory, const TestPki& parent);
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::filesystem::path& ca_certificate() const { return ca_certificate_; }
  const std::filesystem::path& directory() const { return directory_; }

  struct Issued {
    std::filesystem::path certificate;
    std::filesystem::path private_key;
  };
  // Writes <name>.crt and <name>.key (mode 0600) signed by this CA.
  Issued Issue(const std::string& name, const CertificateSpec& spec) const;
  // Writes <name>.crl: this CA's certificate revocation list (PEM, valid for a week), revoking
  // the certificates at `revoked` (as Issue wrote them).
  std::filesystem::path WriteRevocationList(
      const std::string& name, const std::vector<std::filesystem::path>& revoked) const;

 private:
  void CreateCa(const CertificateSpec& spec, const TestPki* parent);

  std::filesystem::path directory_;
  std::filesystem::path ca_certificate_;
  std::filesystem::path ca_private_key_;
};

}  // namespace pgward::sandbox
