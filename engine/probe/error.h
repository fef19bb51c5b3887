#pragma once

// Errors of the probe and its connector as values: a network failure is an expected outcome of
// probing a server, so no exception crosses the probe's API for one.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

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

// The reasons OpenSSL queued on this thread, oldest first, and the queue emptied.
std::string DrainOpensslErrors();

struct Error {
  ErrorKind kind = ErrorKind::kNetworkError;
  std::string message;
  // The TLS alert the server sent, when it sent one (70 = protocol version, 40 = handshake
  // failure, ...).
  std::optional<int> alert{};
};

// A value or the error that prevented it (std::expected is C++23).
template <typename T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace pgward::probe
