#include "engine/probe/connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>

#include "engine/probe/endpoint.h"
#include "engine/probe/trust_store.h"

namespace pgward::probe {
namespace {

using Clock = std::chrono::steady_clock;

// SSLRequest: length 8, then the request code 80877103 (1234 << 16 | 5679), big-endian.
constexpr char kSslRequest[8] = {0, 0, 0, 8, 0x04, static_cast<char>(0xD2), 0x16, 0x2F};
// ALPN protocol list in wire format: one length-prefixed name.
constexpr unsigned char kPostgresqlAlpn[] = {10, 'p', 'o', 's', 't', 'g', 'r', 'e', 's', 'q', 'l'};
constexpr std::string_view kPostgresqlAlpnName = "postgresql";

std::string ErrnoText(int error) { return std::strerror(error); }

}  // namespace

struct internal::HandshakeState {
  int fd = -1;
  // The first fatal alert the server sent: it tells a refusal (protocol version, handshake
  // failure) from a broken exchange.
  std::optional<int> alert{};
  bool stop_at_server_hello = false;
  bool server_hello_seen = false;
};

namespace {

using internal::HandshakeState;

HandshakeState& StateOf(BIO* bio) { return *static_cast<HandshakeState*>(BIO_get_data(bio)); }

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE (fatal by default) when the
// server has already closed the connection, a case the probe meets on purpose. This BIO uses
// send(MSG_NOSIGNAL) instead; otherwise it behaves as the socket BIO on a non-blocking socket,
// except that it can hold back further reads once the ServerHello is in.
int SocketOf(BIO* bio) { return StateOf(bio).fd; }

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

int BioWrite(BIO* bio, const char* data, int length) {
  BIO_clear_retry_flags(bio);
  const ssize_t sent = send(SocketOf(bio), data, static_cast<size_t>(length), MSG_NOSIGNAL);
  if (sent < 0 && WouldBlock(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(sent);
}

int BioRead(BIO* bio, char* data, int length) {
  BIO_clear_retry_flags(bio);
  if (StateOf(bio).stop_at_server_hello && StateOf(bio).server_hello_seen) {
    // OpenSSL reads record by record: it has processed the ServerHello when it asks for more.
    BIO_set_retry_read(bio);
    return -1;
  }
  const ssize_t received = recv(SocketOf(bio), data, static_cast<size_t>(length), 0);
  if (received == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  if (received < 0 && WouldBlock(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(received);
}

long BioControl(BIO* bio, int command, long, void* pointer) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_EOF:
      return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_C_GET_FD:
      if (pointer != nullptr) *static_cast<int*>(pointer) = SocketOf(bio);
      return SocketOf(bio);
    default:
      return 0;
  }
}

// Lives as long as the process: OpenSSL keeps using it for every connection.
const BIO_METHOD* NoSigpipeSocketMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* created = BIO_meth_new(
        BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "pgward socket");
    BIO_meth_set_write(created, BioWrite);
    BIO_meth_set_read(created, BioRead);
    BIO_meth_set_ctrl(created, BioControl);
    return created;
  }();
  return method;
}

Error ConnectFailure(int error, const SocketAddress& address) {
  const std::string where = address.ToString();
  switch (error) {
    case ECONNREFUSED:
      return {ErrorKind::kConnectionRefused,
              "connection refused by " + where + ": nothing listens there"};
    case ENOENT:
      return {ErrorKind::kConnectionRefused, "no server socket at " + where};
    case ETIMEDOUT:
      return {ErrorKind::kTimedOut, "connecting to " + where + " timed out"};
    default:
      return {ErrorKind::kNetworkError, "cannot connect to " + where + ": " + ErrnoText(error)};
  }
}

void RecordAlert(const SSL* ssl, int where, int value) {
  // SSL_CB_READ_ALERT and SSL_CB_WRITE_ALERT share the SSL_CB_ALERT bit: test both bits.
  if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT || (value >> 8) != SSL3_AL_FATAL) return;
  auto* state = static_cast<HandshakeState*>(SSL_get_app_data(ssl));
  if (!state->alert.has_value()) state->alert = value & 0xff;
}

// The random of a TLS 1.3 HelloRetryRequest, which is a ServerHello in form (RFC 8446 4.1.3).
constexpr unsigned char kHelloRetryRandom[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// Notes the server's ServerHello as it arrives (a HelloRetryRequest is not the server's last
// word: the real ServerHello follows it).
void NoteServerHello(int write_p, int, int content_type, const void* message, size_t length, SSL*,
                     void* argument) {
  if (write_p != 0 || content_type != SSL3_RT_HANDSHAKE || length < 38) return;
  const auto* bytes = static_cast<const unsigned char*>(message);
  // type (1), length (3), legacy_version (2), random (32)
  if (bytes[0] != SSL3_MT_SERVER_HELLO ||
      std::memcmp(bytes + 6, kHelloRetryRandom, sizeof kHelloRetryRandom) == 0) {
    return;
  }
  static_cast<HandshakeState*>(argument)->server_hello_seen = true;
}

}  // namespace

std::string SocketAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = "";
  switch (storage.ss_family) {
    case AF_INET: {
      const auto* ipv4 = reinterpret_cast<const sockaddr_in*>(&storage);
      inet_ntop(AF_INET, &ipv4->sin_addr, text, sizeof text);
      return std::string(text) + ":" + std::to_string(ntohs(ipv4->sin_port));
    }
    case AF_INET6: {
      const auto* ipv6 = reinterpret_cast<const sockaddr_in6*>(&storage);
      inet_ntop(AF_INET6, &ipv6->sin6_addr, text, sizeof text);
      return "[" + std::string(text) + "]:" + std::to_string(ntohs(ipv6->sin6_port));
    }
    case AF_UNIX:
      return reinterpret_cast<const sockaddr_un*>(&storage)->sun_path;
    default:
      return "(no address)";
  }
}

Expected<std::vector<SocketAddress>> ResolveTcp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (status != 0) {
    return Error{ErrorKind::kResolveFailed,
                 "cannot resolve host '" + host + "': " + gai_strerror(status)};
  }
  std::vector<SocketAddress> addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    SocketAddress address;
    std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
    address.length = entry->ai_addrlen;
    addresses.push_back(address);
  }
  freeaddrinfo(found);
  return addresses;
}

Expected<SocketAddress> UnixSocket(const std::filesystem::path& path) {
  SocketAddress address;
  auto* unix_address = reinterpret_cast<sockaddr_un*>(&address.storage);
  if (path.native().size() >= sizeof unix_address->sun_path) {
    return Error{ErrorKind::kInvalidArgument, "Unix socket path too long: " + path.string()};
  }
  unix_address->sun_family = AF_UNIX;
  std::memcpy(unix_address->sun_path, path.c_str(), path.native().size() + 1);
  address.length = sizeof(sockaddr_un);
  return address;
}

Expected<TlsContext> TlsContext::Create(const TlsContextOptions& options) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (context == nullptr) {
    return Error{ErrorKind::kLocalTlsError, "cannot create a TLS context: " + DrainOpensslErrors()};
  }
  if (!options.load_trust_anchors) {
    if (options.require_verified_server) {
      return Error{ErrorKind::kInvalidArgument, "a verified server needs trust anchors"};
    }
  } else {
    const Expected<TrustStore> anchors = TrustStore::Load(options.ca_file);
    if (!anchors) return anchors.error();
    SSL_CTX_set1_cert_store(context.get(), anchors->get());
  }
  if (options.client_certificate.has_value() != options.client_key.has_value()) {
    return Error{ErrorKind::kInvalidArgument, "a client certificate needs its key, and vice versa"};
  }
  if (options.client_certificate.has_value() &&
      (SSL_CTX_use_certificate_chain_file(context.get(), options.client_certificate->c_str()) !=
           1 ||
       SSL_CTX_use_PrivateKey_file(context.get(), options.client_key->c_str(), SSL_FILETYPE_PEM) !=
           1 ||
       SSL_CTX_check_private_key(context.get()) != 1)) {
    return Error{ErrorKind::kInvalidArgument, "cannot use client certificate " +
                                                  options.client_certificate->string() + ": " +
                                                  DrainOpensslErrors()};
  }
  SSL_CTX_set_verify(context.get(),
                     options.require_verified_server ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return TlsContext(std::move(context));
}

Expected<Connection> Connection::Open(const SocketAddress& address,
                                      std::chrono::milliseconds timeout,
                                      const std::optional<SocketAddress>& source,
                                      Clock::time_point end) {
  const int family = address.storage.ss_family;
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Error{ErrorKind::kNetworkError, "socket(): " + ErrnoText(errno)};
  Connection connection(fd, timeout, end);
  if (family != AF_UNIX) {
    // Handshake messages are small and each one waits for the other side: without this, Nagle's
    // algorithm and delayed ACKs add tens of milliseconds to some handshakes.
    const int enable = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof enable);
  }
  if (source &&
      bind(fd, reinterpret_cast<const sockaddr*>(&source->storage), source->length) != 0) {
    return Error{ErrorKind::kNetworkError,
                 "cannot bind to " + source->ToString() + ": " + ErrnoText(errno)};
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) return ConnectFailure(errno, address);
    if (auto error = connection.WaitFor(POLLOUT, connection.StepDeadline(),
                                        "connecting to " + address.ToString())) {
      return *error;
    }
    int socket_error = 0;
    socklen_t length = sizeof socket_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (socket_error != 0) return ConnectFailure(socket_error, address);
  }
  return connection;
}

Connection::Connection(int fd, std::chrono::milliseconds timeout, Clock::time_point end)
    : fd_(fd), timeout_(timeout), end_(end), state_(std::make_unique<HandshakeState>()) {
  state_->fd = fd;
}

Clock::time_point Connection::StepDeadline() const {
  const Clock::time_point now = Clock::now();
  // end_ may be time_point::max(): compared before adding, so that nothing overflows.
  return end_ - now <= timeout_ ? end_ : now + timeout_;
}

Connection::~Connection() { Close(); }

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      end_(other.end_),
      ssl_(std::exchange(other.ssl_, nullptr)),
      state_(std::move(other.state_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    end_ = other.end_;
    ssl_ = std::exchange(other.ssl_, nullptr);
    state_ = std::move(other.state_);
  }
  return *this;
}

void Connection::Close() {
  if (ssl_ != nullptr) {
    // One non-blocking attempt at close_notify: the server may be gone, and it is not waited for.
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
    ERR_clear_error();
  }
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::optional<Error> Connection::WaitFor(short events, Clock::time_point deadline,
                                         std::string_view doing) const {
  while (true) {
    // Rounded up: poll() must not wake before the deadline and report a timeout early.
    const auto remaining =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) {
      if (deadline == end_) {
        return Error{ErrorKind::kTimedOut,
                     "stopped at the run's deadline while " + std::string(doing)};
      }
      return Error{ErrorKind::kTimedOut, "timed out after " + std::to_string(timeout_.count()) +
                                             " ms " + std::string(doing)};
    }
    pollfd descriptor{.fd = fd_, .events = events, .revents = 0};
    // A timeout of 2^31 ms or more must not wrap to a negative one (wait for ever).
    const int ready =
        poll(&descriptor, 1, static_cast<int>(std::min<std::int64_t>(remaining, INT_MAX)));
    if (ready > 0) return std::nullopt;  // errors and hang-ups show in the next read or write
    if (ready < 0 && errno != EINTR) {
      return Error{ErrorKind::kNetworkError, "poll(): " + ErrnoText(errno)};
    }
  }
}

Expected<SslRequestAnswer> Connection::RequestSsl() {
  if (auto error = Send(std::string_view(kSslRequest, sizeof kSslRequest))) return *error;
  // Exactly one byte: what follows 'S' belongs to TLS.
  const Clock::time_point deadline = StepDeadline();
  char answer = 0;
  while (true) {
    const ssize_t received = recv(fd_, &answer, 1, 0);
    if (received == 1) break;
    if (received == 0) {
      return Error{ErrorKind::kNotPostgresql,
                   "the server closed the connection without answering SSLRequest: "
                   "not a PostgreSQL server"};
    }
    if (!WouldBlock(errno)) {
      return Error{ErrorKind::kNotPostgresql,
                   "the connection failed instead of an answer to SSLRequest (" + ErrnoText(errno) +
                       "): not a PostgreSQL server"};
    }
    if (auto error = WaitFor(POLLIN, deadline, "waiting for the answer to SSLRequest")) {
      return *error;
    }
  }
  if (answer == 'S') return SslRequestAnswer::kAccepted;
  if (answer == 'N') return SslRequestAnswer::kRefused;
  if (answer == 'E') {
    // A PostgreSQL server that cannot serve the connection (e.g. it failed to fork a backend)
    // writes an error message before it closes; its text is what the operator needs.
    std::string message;
    char buffer[512];
    while (message.size() < 2048) {
      if (WaitFor(POLLIN, deadline, "reading the server's error")) break;
      const ssize_t received = recv(fd_, buffer, sizeof buffer, 0);
      if (received <= 0) break;
      message.append(buffer, static_cast<size_t>(received));
    }
    std::string printable;
    for (const char c : message) {
      if (c >= 0x20 && c < 0x7f)
        printable += c;
      else if (!printable.empty() && printable.back() != ' ')
        printable += ' ';
    }
    return Error{ErrorKind::kServerError,
                 "the server answered SSLRequest with an error: " + printable};
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(answer));
  std::string shown = hex;
  if (answer >= 0x20 && answer < 0x7f) shown += std::string(" ('") + answer + "')";
  return Error{ErrorKind::kNotPostgresql,
               "the server answered " + shown +
                   " to SSLRequest instead of 'S' or 'N': not a PostgreSQL server"};
}

Expected<Connection::SslPointer> Connection::Handshake(const TlsContext& context,
                                                       const HandshakeOptions& options,
                                                       bool stop_at_server_hello) {
  ERR_clear_error();
  SslPointer ssl(SSL_new(context.get()));
  if (ssl == nullptr) {
    return Error{ErrorKind::kLocalTlsError, "cannot create a TLS session: " + DrainOpensslErrors()};
  }
  *state_ = HandshakeState{.fd = fd_, .stop_at_server_hello = stop_at_server_hello};
  SSL_set_app_data(ssl.get(), state_.get());
  SSL_set_info_callback(ssl.get(), RecordAlert);
  SSL_set_msg_callback(ssl.get(), NoteServerHello);
  SSL_set_msg_callback_arg(ssl.get(), state_.get());

  // The security level goes first: a cipher list is checked against it.
  if (options.security_level.has_value()) {
    SSL_set_security_level(ssl.get(), *options.security_level);
  }
  if ((options.min_version != 0 &&
       SSL_set_min_proto_version(ssl.get(), options.min_version) != 1) ||
      (options.max_version != 0 &&
       SSL_set_max_proto_version(ssl.get(), options.max_version) != 1) ||
      (options.cipher_list.has_value() &&
       SSL_set_cipher_list(ssl.get(), options.cipher_list->c_str()) != 1) ||
      (options.ciphersuites.has_value() &&
       SSL_set_ciphersuites(ssl.get(), options.ciphersuites->c_str()) != 1) ||
      (!options.server_name.empty() &&
       SSL_set_tlsext_host_name(ssl.get(), options.server_name.c_str()) != 1) ||
      (options.offer_postgresql_alpn &&
       SSL_set_alpn_protos(ssl.get(), kPostgresqlAlpn, sizeof kPostgresqlAlpn) != 0)) {
    return Error{ErrorKind::kInvalidArgument, "TLS options rejected: " + DrainOpensslErrors()};
  }
  if (!options.verify_name.empty()) {
    const bool set = IsIpAddress(options.verify_name)
                         ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()),
                                                         options.verify_name.c_str()) == 1
                         : SSL_set1_host(ssl.get(), options.verify_name.c_str()) == 1;
    if (!set) {
      return Error{ErrorKind::kInvalidArgument,
                   "cannot verify against '" + options.verify_name + "': " + DrainOpensslErrors()};
    }
  }
  BIO* bio = BIO_new(NoSigpipeSocketMethod());
  if (bio == nullptr) {
    return Error{ErrorKind::kLocalTlsError, "cannot create a socket BIO: " + DrainOpensslErrors()};
  }
  BIO_set_data(bio, state_.get());
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl.get(), bio, bio);

  const Clock::time_point deadline = StepDeadline();
  while (true) {
    const int result = SSL_connect(ssl.get());
    if (result == 1) break;
    const int saved_errno = errno;
    const int ssl_error = SSL_get_error(ssl.get(), result);
    if (ssl_error == SSL_ERROR_WANT_READ && state_->stop_at_server_hello &&
        state_->server_hello_seen) {
      return ssl;
    }
    if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) {
      if (auto error = WaitFor(ssl_error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                               "in the TLS handshake")) {
        return *error;
      }
      continue;
    }
    return HandshakeFailure(ssl.get(), ssl_error, saved_errno);
  }
  // A ServerHello-only handshake may still complete, if the server's whole flight came in one
  // record; its ALPN answer is then not checked, as it is not when the handshake stops early.
  if (options.offer_postgresql_alpn && !stop_at_server_hello) {
    const unsigned char* selected = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl.get(), &selected, &length);
    const std::string_view protocol(reinterpret_cast<const char*>(selected), length);
    if (protocol != kPostgresqlAlpnName) {
      return Error{ErrorKind::kNotPostgresql,
                   "the TLS server did not select ALPN \"postgresql\"" +
                       (protocol.empty() ? std::string(" (it selected none)")
                                         : " (it selected \"" + std::string(protocol) + "\")") +
                       ": not a PostgreSQL server with direct TLS"};
    }
  }
  return ssl;
}

std::optional<Error> Connection::StartTls(const TlsContext& context,
                                          const HandshakeOptions& options) {
  Expected<SslPointer> ssl = Handshake(context, options, /*stop_at_server_hello=*/false);
  if (!ssl) return ssl.error();
  ssl_ = ssl->release();
  return std::nullopt;
}

Expected<Connection::ServerHello> Connection::ReadServerHello(const TlsContext& context,
                                                              const HandshakeOptions& options) {
  Expected<SslPointer> ssl = Handshake(context, options, /*stop_at_server_hello=*/true);
  if (!ssl) return ssl.error();
  // The version and suite the ServerHello set; the session itself is abandoned.
  const SSL_CIPHER* cipher = SSL_is_init_finished(ssl->get()) ? SSL_get_current_cipher(ssl->get())
                                                              : SSL_get_pending_cipher(ssl->get());
  return ServerHello{SSL_version(ssl->get()), cipher};
}

Error Connection::HandshakeFailure(const SSL* ssl, int ssl_error, int saved_errno) const {
  if (state_->alert.has_value()) {
    const int alert = *state_->alert;
    const std::string named =
        "alert " + std::to_string(alert) + " (" + SSL_alert_desc_string_long(alert) + ")";
    ERR_clear_error();
    // Before its ServerHello the server has agreed to nothing: an alert then is its answer to
    // the offer, whichever alert it chose (OpenSSL 3 answers a TLS 1.0 offer it cannot sign for
    // with internal_error). After the ServerHello, an alert breaks an agreed handshake.
    if (!state_->server_hello_seen) {
      return {ErrorKind::kHandshakeRejected, "the server refused the handshake: " + named, alert};
    }
    return {ErrorKind::kTlsProtocolError, "the server aborted the handshake: " + named, alert};
  }
  if (ssl_error == SSL_ERROR_SSL) {
    const int reason = ERR_GET_REASON(ERR_peek_error());
    const std::string detail = DrainOpensslErrors();
    switch (reason) {
      case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return {ErrorKind::kClosedDuringHandshake,
                "the server closed the connection during the TLS handshake"};
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_SSL_VERSION:
      case SSL_R_VERSION_TOO_LOW:
      case SSL_R_VERSION_TOO_HIGH:
        return {
            ErrorKind::kHandshakeRejected,
            "the server answered with a protocol version that was not offered (" + detail + ")"};
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return {ErrorKind::kCertificateUnverified,
                std::string("the server's certificate did not verify: ") +
                    X509_verify_cert_error_string(SSL_get_verify_result(ssl))};
      case SSL_R_NO_PROTOCOLS_AVAILABLE:
      case SSL_R_NO_CIPHERS_AVAILABLE:
        return {ErrorKind::kLocalTlsError, "nothing to offer with these TLS options: " + detail};
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_RECORD_LENGTH_MISMATCH:
        return {ErrorKind::kTlsProtocolError,
                "the server did not answer with TLS (" + detail + ")"};
      default:
        return {ErrorKind::kTlsProtocolError, "TLS handshake failed: " + detail};
    }
  }
  ERR_clear_error();
  if (ssl_error == SSL_ERROR_ZERO_RETURN ||
      (ssl_error == SSL_ERROR_SYSCALL &&
       (saved_errno == 0 || saved_errno == ECONNRESET || saved_errno == EPIPE))) {
    return {ErrorKind::kClosedDuringHandshake,
            "the server closed the connection during the TLS handshake"};
  }
  return {ErrorKind::kNetworkError, "the TLS handshake failed: " + ErrnoText(saved_errno)};
}

std::optional<Error> Connection::Send(std::string_view bytes) {
  const Clock::time_point deadline = StepDeadline();
  size_t sent = 0;
  while (sent < bytes.size()) {
    const char* data = bytes.data() + sent;
    const size_t length = bytes.size() - sent;
    short wait_for = POLLOUT;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int written = SSL_write(ssl_, data, static_cast<int>(length));
      if (written > 0) {
        sent += static_cast<size_t>(written);
        continue;
      }
      const int ssl_error = SSL_get_error(ssl_, written);
      if (ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE) {
        return Error{ErrorKind::kNetworkError,
                     "writing to the server failed: " +
                         (ssl_error == SSL_ERROR_SSL ? DrainOpensslErrors() : ErrnoText(errno))};
      }
      if (ssl_error == SSL_ERROR_WANT_READ) wait_for = POLLIN;
    } else {
      const ssize_t written = send(fd_, data, length, MSG_NOSIGNAL);
      if (written > 0) {
        sent += static_cast<size_t>(written);
        continue;
      }
      if (written < 0 && !WouldBlock(errno)) {
        return Error{ErrorKind::kNetworkError, "writing to the server failed: " + ErrnoText(errno)};
      }
    }
    if (auto error = WaitFor(wait_for, deadline, "writing to the server")) return error;
  }
  return std::nullopt;
}

std::optional<Error> Connection::Receive(char* buffer, std::size_t length) {
  const Clock::time_point deadline = StepDeadline();
  size_t received = 0;
  while (received < length) {
    short wait_for = POLLIN;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int read = SSL_read(ssl_, buffer + received, static_cast<int>(length - received));
      if (read > 0) {
        received += static_cast<size_t>(read);
        continue;
      }
      const int ssl_error = SSL_get_error(ssl_, read);
      if (ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return Error{ErrorKind::kNetworkError, "the server closed the connection"};
      }
      if (ssl_error == SSL_ERROR_WANT_WRITE) wait_for = POLLOUT;
    } else {
      const ssize_t read = recv(fd_, buffer + received, length - received, 0);
      if (read > 0) {
        received += static_cast<size_t>(read);
        continue;
      }
      if (read == 0 || !WouldBlock(errno)) {
        return Error{ErrorKind::kNetworkError, "the server closed the connection"};
      }
    }
    if (auto error = WaitFor(wait_for, deadline, "reading from the server")) return error;
  }
  return std::nullopt;
}

std::string Connection::tls_version() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

std::string Connection::tls_cipher() const {
  return ssl_ != nullptr ? SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)) : "";
}

}  // namespace pgward::probe
