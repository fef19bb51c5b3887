#pragma once

// The trust anchors a server's certificate chain is verified against.

#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/probe/error.h"

namespace pgward::probe {

class TrustStore {
 public:
  // Every certificate of a PEM file (the probe's --ca-file, a target's sslrootcert).
  static Expected<TrustStore> FromCaFile(const std::filesystem::path& path);

  // The system store as OpenSSL's clients use it by default (SSL_CTX_set_default_verify_paths:
  // the CA file, the CA directory and the store URI, SSL_CERT_FILE and SSL_CERT_DIR overriding
  // the built-in locations). The CA file's certificates are decoded when the verification looks
  // their name up, as the directory's are: OpenSSL 3 takes about 20 ms to decode a
  // distribution's bundle of 150 roots, most of it in public keys a verification never uses,
  // and 2 ms to read their names. What a verification finds is what it finds in the whole file.
  // A file that holds anything but well-formed certificates (a damaged block, a CRL, a key) is
  // loaded as OpenSSL loads it instead, so that it has the effect it has there.
  static Expected<TrustStore> System();

  // `ca_file` when given, else the system store: what a client's verification uses.
  static Expected<TrustStore> Load(const std::optional<std::filesystem::path>& ca_file);

  X509_STORE* get() const { return store_.get(); }
  // How reports name the store: the CA file's path, or "system".
  const std::string& name() const { return name_; }

 private:
  TrustStore(std::shared_ptr<X509_STORE> store, std::string name)
      : store_(std::move(store)), name_(std::move(name)) {}

  std::shared_ptr<X509_STORE> store_;
  std::string name_;
};

}  // namespace pgward::probe
