#pragma once

// Certificate facts from an established TLS session.

#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "engine/probe/probe_result.h"

namespace pgward::probe {

// The facts of one certificate; days_to_expiry counts from `now`.
CertificateFacts DescribeCertificate(X509* certificate, std::chrono::system_clock::time_point now);

// The chain the server sent on `tls`, verified against the trust store of `context` and matched
// against `name` (a host name or an IP literal). `trust_store` is how the report names the store.
Expected<ChainFacts> DescribeChain(const SSL* tls, const TlsContext& context,
                                   const std::string& name, const std::string& trust_store,
                                   std::chrono::system_clock::time_point now);

}  // namespace pgward::probe
