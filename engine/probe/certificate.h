#pragma once

// Certificate facts from an established TLS session.

#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "engine/model/probe_result.h"
#include "engine/probe/trust_store.h"

namespace pgward::probe {

// A distinguished name as certificate facts write it: RFC 2253, most specific part first.
std::string NameToString(const X509_NAME* name);

// The facts of one certificate; days_to_expiry counts from `now`.
CertificateFacts DescribeCertificate(X509* certificate, std::chrono::system_clock::time_point now);

// The chain the server sent on `tls`, verified against `anchors` and matched against `name` (a
// host name or an IP literal).
Expected<ChainFacts> DescribeChain(const SSL* tls, const TrustStore& anchors,
                                   const std::string& name,
                                   std::chrono::system_clock::time_point now);

}  // namespace pgward::probe
