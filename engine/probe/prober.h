#pragma once

// The TLS probe: which protocol versions and cipher suites a PostgreSQL server accepts, whose
// suite order applies, the certificate chain it sends and how long a handshake takes.
//
// Enumeration, per version: offer every suite OpenSSL can offer at that version (security
// level 0), note the one the server picks, remove it and offer the rest again, until the server
// refuses: accepted + 1 handshakes. Once a version has accepted a suite, the remaining suites are
// split between parallel chains of the same kind (a suite's acceptance does not depend on what
// else is offered), each costing one more refusal. Every handshake is a fresh TCP connection, and
// an enumeration handshake stops at the ServerHello: the server's choice is made there, and the
// certificate checks and key exchange after it would only cost time. The certificate and the
// latency come from complete handshakes (which, for direct TLS, also check that the server
// selected ALPN "postgresql"), made one at a time before the parallel chains. They are
// enumeration steps too: the first offers every suite of every version, and the server's pick
// is the first step of the version it chose; the next ones continue that version's enumeration
// while it has suites to find.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/model/probe_result.h"
#include "engine/probe/connection.h"

namespace pgward::probe {

struct ProbeOptions {
  std::string host{};  // a name or an IP literal (IPv6 without brackets)
  int port = 5432;
  TlsStart start = TlsStart::kSslRequest;
  // The SNI to send. Unset: the host when it is a name, none for an IP literal (as libpq).
  std::optional<std::string> server_name{};
  // Trust anchors for the chain verification; the system store when unset.
  std::optional<std::filesystem::path> ca_file{};
  // Handshakes in flight at once, at least 1.
  int concurrency = 8;
  // Bounds each step: the TCP connect, the SSLRequest answer, each TLS handshake.
  std::chrono::milliseconds timeout{5000};
  // Handshakes timed for the latency median, at least 1.
  int latency_samples = 3;
  // The whole probe's end (the run's --deadline): a step still waiting then fails as timed out.
  std::chrono::steady_clock::time_point end = std::chrono::steady_clock::time_point::max();
};

// Runs the probe. Network failures and refusals are values in the result, never exceptions.
ProbeResult Probe(const ProbeOptions& options);

// TLS1_VERSION ... TLS1_3_VERSION.
int OpensslVersion(TlsVersion version);

// The suites OpenSSL 3 can offer at `version` (every suite it knows, security level 0), in
// OpenSSL's order: what the enumeration offers first.
std::vector<CipherSuite> OfferableSuites(TlsVersion version);

}  // namespace pgward::probe
