#pragma once

// Detached CMS signatures (RFC 5652) of an evidence bundle's manifest, made and checked with
// OpenSSL's CMS API: what `openssl cms -verify -binary -inform DER -content FILE` accepts.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pgward::evidence {

// The DER signature of `content` by the private key in `key_file` (PEM, unencrypted) and its
// certificate in `cert_file` (PEM), or why it cannot be made.
struct SignatureError {
  std::string message;
};
std::variant<std::string, SignatureError> SignDetached(std::string_view content,
                                                       const std::string& key_file,
                                                       const std::string& cert_file);

struct SignatureCheck {
  bool valid = false;
  std::string signer;  // the signing certificate's subject
  std::string error;   // why it is not valid
};

// Checks `signature` (DER) over `content`. With `ca_file` (PEM), the signer's certificate must
// chain to it; without, only that the content is what the embedded certificate signed.
SignatureCheck VerifyDetached(std::string_view content, std::string_view signature,
                              const std::optional<std::string>& ca_file);

}  // namespace pgward::evidence
