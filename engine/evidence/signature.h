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
  std::string signer;     // the signing certificate's subject
  std::string signed_at;  // its signing time (ISO 8601 UTC); empty when it has none
  std::string error;      // why it is not valid
};

// Checks `signature` (DER) over `content`. With `ca_file` (PEM), the signer's certificate must
// chain to it, valid as of the signing time: a bundle signed while its certificate was valid
// still verifies after the certificate expired (an assessor checks last year's evidence).
// Without a time-stamping authority the signing time is the signer's own word, signed with the
// rest: whoever holds the key can date a signature within its certificate's validity, which is
// why a signing time to come is refused and `evidence verify` holds it to the run the manifest
// describes. A signature without a signing time is checked as of now; one with several signers
// is refused. Without `ca_file`, only that the content is what the embedded certificate signed.
SignatureCheck VerifyDetached(std::string_view content, std::string_view signature,
                              const std::optional<std::string>& ca_file);

}  // namespace pgward::evidence
