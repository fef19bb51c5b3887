#pragma once

// The connector: one connection to a PostgreSQL server, TLS started the classic way (SSLRequest,
// one answer byte, TLS on the same socket) or directly (PostgreSQL 17+, ALPN "postgresql"), and
// I/O bounded by a timeout. The probe and the sandbox's live clients both use it: this is the
// project's only implementation of SSLRequest + TLS.

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/probe/error.h"

namespace pgward::probe {

// A resolved address to connect to: TCP (IPv4 or IPv6) or a Unix socket.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  // "127.0.0.1:5432", "[::1]:5432" or the socket's path.
  std::string ToString() const;
};

// Every address of `host` (a name or an IP literal) in getaddrinfo's order.
Expected<std::vector<SocketAddress>> ResolveTcp(const std::string& host, int port);
Expected<SocketAddress> UnixSocket(const std::filesystem::path& path);

namespace internal {
// What OpenSSL's callbacks and the connection's socket BIO share during a handshake
// (connection.cpp).
struct HandshakeState;
}  // namespace internal

struct TlsContextOptions {
  // Trust anchors for the server's chain: a PEM file, or the system store when unset.
  std::optional<std::filesystem::path> ca_file{};
  // False for handshakes that verify nothing (the probe's enumeration): no anchors are loaded.
  bool load_trust_anchors = true;
  // A client certificate and its key (PEM), presented when the server asks for one.
  std::optional<std::filesystem::path> client_certificate{};
  std::optional<std::filesystem::path> client_key{};
  // Aborts the handshake when the chain (or HandshakeOptions::verify_name) does not verify, as
  // libpq's sslmode=verify-full. Otherwise the handshake goes on and the verification result is
  // only recorded, which is what a probe needs: it reports on certificates it does not trust.
  bool require_verified_server = false;
};

// What the handshakes made from one set of TlsContextOptions share (trust store, client
// certificate); loaded once, safe to use from several threads at a time.
class TlsContext {
 public:
  static Expected<TlsContext> Create(const TlsContextOptions& options);

  SSL_CTX* get() const { return context_.get(); }

 private:
  explicit TlsContext(std::shared_ptr<SSL_CTX> context) : context_(std::move(context)) {}
  std::shared_ptr<SSL_CTX> context_;
};

// Options of one handshake: the probe pins one version and a set of suites per attempt.
struct HandshakeOptions {
  // OpenSSL constants (TLS1_VERSION ... TLS1_3_VERSION); 0 keeps OpenSSL's default.
  int min_version = 0;
  int max_version = 0;
  std::optional<std::string> cipher_list{};   // TLS <= 1.2 suites, OpenSSL syntax
  std::optional<std::string> ciphersuites{};  // TLS 1.3 suites
  // 0 lets OpenSSL 3 offer TLS 1.0/1.1 and weak suites at all; unset keeps the default (1).
  std::optional<int> security_level{};
  std::string server_name{};  // SNI; empty sends none
  // The host name or IP literal the certificate must match when the context requires a
  // verified server.
  std::string verify_name{};
  // Direct TLS requires it; the handshake fails unless the server selects "postgresql".
  bool offer_postgresql_alpn = false;
};

class Connection {
 public:
  // Connects within `timeout`; every later operation (the SSLRequest answer, the whole TLS
  // handshake, each Send and Receive) gets the same timeout of its own, and none waits past
  // `end` (a run's deadline: a server that answers each step just in time cannot hold it).
  // `source` binds the local end first: a chosen interface on a multi-homed host, or one of
  // 127.0.0.0/8's addresses so that tests can act as distinct clients.
  static Expected<Connection> Open(
      const SocketAddress& address, std::chrono::milliseconds timeout,
      const std::optional<SocketAddress>& source = std::nullopt,
      std::chrono::steady_clock::time_point end = std::chrono::steady_clock::time_point::max());

  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the 8-byte SSLRequest and reads exactly one byte. Any answer other than 'S' or 'N',
  // or none, is kNotPostgresql.
  Expected<SslRequestAnswer> RequestSsl();

  // The TLS handshake on this socket: after RequestSsl() answered kAccepted, or as the very
  // first bytes for direct TLS (then with offer_postgresql_alpn).
  std::optional<Error> StartTls(const TlsContext& context, const HandshakeOptions& options);

  // What the server decided in its ServerHello.
  struct ServerHello {
    int version = 0;                     // TLS1_VERSION ... TLS1_3_VERSION
    const SSL_CIPHER* cipher = nullptr;  // OpenSSL's static description of the suite
  };
  // Starts the handshake as StartTls() does but stops once the server's ServerHello has been
  // processed: the server has then chosen its version and suite, which is all that enumeration
  // needs, without the certificate checks and key exchange that make up most of a handshake's
  // cost. The connection carries no usable TLS session afterwards.
  Expected<ServerHello> ReadServerHello(const TlsContext& context, const HandshakeOptions& options);

  // Bytes of the frontend/backend protocol, over TLS once StartTls() succeeded.
  std::optional<Error> Send(std::string_view bytes);
  std::optional<Error> Receive(char* buffer, std::size_t length);

  // The established TLS session, nullptr before StartTls() succeeded. Owned by the connection.
  const SSL* tls() const { return ssl_; }
  // Negotiated protocol and suite as OpenSSL names them ("TLSv1.3", ...); empty without TLS.
  std::string tls_version() const;
  std::string tls_cipher() const;

 private:
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  using SslPointer = std::unique_ptr<SSL, SslFree>;

  Connection(int fd, std::chrono::milliseconds timeout, std::chrono::steady_clock::time_point end);
  void Close();
  // When the operation starting now must be done: its timeout, or the end if sooner.
  std::chrono::steady_clock::time_point StepDeadline() const;
  // Runs the handshake until it completes, or until the ServerHello with stop_at_server_hello.
  Expected<SslPointer> Handshake(const TlsContext& context, const HandshakeOptions& options,
                                 bool stop_at_server_hello);
  // Waits until the socket is readable (or writable) or the deadline passes.
  std::optional<Error> WaitFor(short events, std::chrono::steady_clock::time_point deadline,
                               std::string_view doing) const;
  Error HandshakeFailure(const SSL* ssl, int ssl_error, int saved_errno) const;

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point end_;
  SSL* ssl_ = nullptr;
  // On the heap so that the pointer OpenSSL holds stays valid when the Connection is moved.
  std::unique_ptr<internal::HandshakeState> state_;
};

}  // namespace pgward::probe
