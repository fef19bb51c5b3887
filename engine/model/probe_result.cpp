#include "engine/model/probe_result.h"

#include <algorithm>

namespace pgward::probe {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid_argument";
    case ErrorKind::kResolveFailed:
      return "resolve_failed";
    case ErrorKind::kConnectionRefused:
      return "connection_refused";
    case ErrorKind::kTimedOut:
      return "timed_out";
    case ErrorKind::kNetworkError:
      return "network_error";
    case ErrorKind::kNotPostgresql:
      return "not_postgresql";
    case ErrorKind::kServerError:
      return "server_error";
    case ErrorKind::kClosedDuringHandshake:
      return "closed_during_handshake";
    case ErrorKind::kHandshakeRejected:
      return "handshake_rejected";
    case ErrorKind::kCertificateUnverified:
      return "certificate_unverified";
    case ErrorKind::kTlsProtocolError:
      return "tls_protocol_error";
    case ErrorKind::kLocalTlsError:
      return "local_tls_error";
  }
  return "unknown";
}

bool ProbeResult::complete() const {
  if (error.has_value() || latency_error.has_value()) return false;
  return std::none_of(versions.begin(), versions.end(),
                      [](const VersionResult& version) { return version.error.has_value(); });
}

}  // namespace pgward::probe
