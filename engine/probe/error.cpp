#include "engine/probe/error.h"

#include <openssl/err.h>

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

std::string DrainOpensslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

}  // namespace pgward::probe
