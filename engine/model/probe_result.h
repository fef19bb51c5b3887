#pragma once

// What a probe learned about a server's TLS endpoint, as plain values. Facts only: the probe
// reports what the server accepted and sent, never whether that is good; the policies judge.
// Whatever could not be determined is an Error in the result, never a default that looks like
// an answer. In the model, apart from the probe that fills it, so that the reporters can render
// it and the probe facts can be made from it without OpenSSL.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/tls_version.h"

namespace pgward::probe {

enum class ErrorKind {
  kInvalidArgument,        // the caller's input: bad host, unreadable CA or key file
  kResolveFailed,          // the host name did not resolve
  kConnectionRefused,      // nothing listens on the port
  kTimedOut,               // a connect, read or handshake did not finish in time
  kNetworkError,           // any other socket failure (unreachable, reset before TLS, ...)
  kNotPostgresql,          // the port answered, but not as a PostgreSQL server does
  kServerError,            // a PostgreSQL server answered with an error message instead
  kClosedDuringHandshake,  // the server closed the connection in the middle of the TLS handshake
  kHandshakeRejected,      // the server refused what was offered (alert, or another version)
  kCertificateUnverified,  // the server's certificate failed a verification that was required
  kTlsProtocolError,       // the TLS exchange failed otherwise, so nothing can be concluded
  kLocalTlsError,          // OpenSSL on our side could not set up or run the handshake
};

// A stable identifier of the kind, used in JSON output ("connection_refused", ...).
std::string_view ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kNetworkError;
  std::string message;
  // The TLS alert the server sent, when it sent one (70 = protocol version, 40 = handshake
  // failure, ...).
  std::optional<int> alert{};
};

// What the server answered to SSLRequest: 'S' (start TLS) or 'N' (no TLS on this server).
enum class SslRequestAnswer { kAccepted, kRefused };

// The one TLS version type of the project (engine/model), so that probe results become facts
// without translation.
using pgward::kAllTlsVersions;
using pgward::TlsVersion;
using pgward::TlsVersionName;

// How TLS starts: SSLRequest then TLS (every version), or a TLS ClientHello with ALPN
// "postgresql" as the first bytes (PostgreSQL 17+).
enum class TlsStart { kSslRequest, kDirect };

struct CipherSuite {
  std::string name;       // OpenSSL's name, as pg_stat_ssl and ssl_ciphers spell it
  std::string iana_name;  // the IANA registry's name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  std::uint16_t id = 0;   // the code point on the wire
  int bits = 0;           // symmetric key length, as pg_stat_ssl's `bits` shows it

  friend bool operator==(const CipherSuite&, const CipherSuite&) = default;
};

// Whose preference picks the suite when the client offers several that the server accepts. The
// enumeration offers every other time in reverse order: a pick that is not the first accepted
// suite of its offer shows the server's order. When every pick was (the server's order may
// agree with the client's), one more handshake decides: the server's favourite (its pick from
// an offer of everything) is offered last among the accepted suites: picked again, the order is
// the server's; the first offered picked, the client's; anything else is undetermined.
enum class CipherOrder { kServer, kClient, kUndetermined };

enum class VersionStatus {
  kAccepted,    // the server chose at least one suite at this version in a ServerHello
  kRejected,    // the server refused every offer at this version
  kIncomplete,  // an error stopped the enumeration: see VersionResult::error
};

struct VersionResult {
  TlsVersion version = TlsVersion::kTls1_2;
  VersionStatus status = VersionStatus::kIncomplete;
  // Sorted by name. For kIncomplete, the suites found before the error (a lower bound).
  std::vector<CipherSuite> accepted_suites{};
  // For kRejected: how the server refused the first offer (alert, other version), verbatim.
  std::string refusal{};
  // Set for kAccepted with two suites or more.
  std::optional<CipherOrder> cipher_order{};
  // What went wrong; also set (with status kAccepted) when only the order check failed.
  std::optional<Error> error{};
};

struct CertificateFacts {
  std::string subject;  // RFC 2253, most significant last: "CN=localhost,O=pgward sandbox"
  std::string issuer;
  std::vector<std::string> dns_names{};     // subjectAltName dNSName entries, in order
  std::vector<std::string> ip_addresses{};  // subjectAltName iPAddress entries, in order
  std::string serial;                       // upper-case hex, as `openssl x509 -serial`
  // Absent when the certificate's time cannot be read (a malformed time the server sent): its
  // facts are then missing evidence for the rules that read them, not a date of 1899.
  std::optional<std::chrono::sys_seconds> not_before;
  std::optional<std::chrono::sys_seconds> not_after;
  // Whole days from the probe to not_after, rounded down; negative once expired.
  std::optional<std::int64_t> days_to_expiry;
  std::string key_type;  // OpenSSL's name: "RSA", "EC", "ED25519", ...
  int key_bits = 0;
  std::string key_curve;            // the named curve of an EC key, else empty
  std::string signature_algorithm;  // e.g. "sha256WithRSAEncryption"
  bool self_signed = false;         // issued by its own key (signature checked)
  std::string sha256_fingerprint;   // upper-case hex pairs joined by ':'
};

struct ChainFacts {
  std::vector<CertificateFacts> certificates{};  // as the server sent them, leaf first
  std::string trust_store;                       // the CA file's path, or "system"
  // The chain verified against the trust store for a TLS server, at OpenSSL's default security
  // level (what libpq with sslmode=verify-ca would conclude).
  bool verified = false;
  std::string verification_error{};  // OpenSSL's reason when not verified
  std::string checked_name;          // the host name or IP address matched against the leaf
  bool name_matches = false;         // OpenSSL's host or IP matching rules
};

struct LatencyFacts {
  int samples = 0;
  // Each sample is a fresh TCP connection, the SSLRequest exchange and a full handshake.
  double median_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
};

struct ProbeResult {
  std::string host;
  int port = 0;
  std::string address{};  // the address probed, e.g. "127.0.0.1:5432"
  TlsStart start = TlsStart::kSslRequest;
  std::string server_name{};  // the SNI sent; empty when none
  // The answer to SSLRequest; unset for direct TLS or when the server gave none.
  std::optional<SslRequestAnswer> ssl_request_answer{};
  // Set when the probe could not begin (unreachable, not PostgreSQL, no handshake): then
  // nothing below is known.
  std::optional<Error> error{};
  // TLS 1.0 to 1.3 in that order; empty when there was no TLS to probe.
  std::vector<VersionResult> versions{};
  std::optional<ChainFacts> chain{};
  std::optional<LatencyFacts> latency{};
  std::optional<Error> latency_error{};
  int handshakes = 0;  // connections attempted, each for one TLS handshake, all steps together

  bool tls_refused() const { return ssl_request_answer == SslRequestAnswer::kRefused; }
  // True when every fact the probe looks for was determined (a refused TLS is a fact).
  bool complete() const;
};

}  // namespace pgward::probe
