#include "tests/sandbox/live_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <utility>

namespace pgward::sandbox {
namespace {

constexpr uint32_t kSslRequestCode = 80877103;
constexpr uint32_t kProtocolVersion3 = 196608;

std::string BigEndian(uint32_t value) {
  const uint32_t network = htonl(value);
  return std::string(reinterpret_cast<const char*>(&network), sizeof network);
}

uint32_t ReadBigEndian(const char* bytes) {
  uint32_t network;
  std::memcpy(&network, bytes, sizeof network);
  return ntohl(network);
}

std::string OpensslError() {
  char detail[256] = "unknown error";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, detail, sizeof detail);
  }
  return detail;
}

int ConnectSocket(const Sandbox& sandbox, Transport transport) {
  const bool unix_socket = transport == Transport::kUnixSocket;
  const int fd = socket(unix_socket ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("live client: socket() failed");
  timeval timeout{.tv_sec = 15, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int result;
  if (unix_socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path =
        (sandbox.socket_directory() / (".s.PGSQL." + std::to_string(sandbox.port()))).string();
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(sandbox.port()));
    inet_pton(AF_INET, sandbox.host().c_str(), &address.sin_addr);
    result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  if (result != 0) {
    const int error = errno;
    close(fd);
    throw std::runtime_error(std::string("live client: connect failed: ") + std::strerror(error));
  }
  return fd;
}

}  // namespace

LiveClient::LiveClient(const Sandbox& sandbox, const ClientSpec& spec) : spec_(spec) {
  fd_ = ConnectSocket(sandbox, spec.transport);
  try {
    if (spec.transport == Transport::kTcpTls) StartTls(sandbox);
    StartSession();
  } catch (...) {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (context_ != nullptr) SSL_CTX_free(context_);
    close(fd_);
    throw;
  }
}

LiveClient::LiveClient(LiveClient&& other) noexcept
    : spec_(std::move(other.spec_)),
      fd_(std::exchange(other.fd_, -1)),
      context_(std::exchange(other.context_, nullptr)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      backend_pid_(other.backend_pid_) {}

LiveClient::~LiveClient() {
  if (fd_ < 0) return;
  try {
    Send(std::string("X") + BigEndian(4));  // Terminate: the server logs a clean disconnect.
  } catch (const std::runtime_error&) {
    // The server may already be gone; closing the socket is all that is left to do.
  }
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (context_ != nullptr) SSL_CTX_free(context_);
  close(fd_);
}

void LiveClient::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const long n = ssl_ != nullptr
                       ? SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent))
                       : write(fd_, bytes.data() + sent, bytes.size() - sent);
    if (n <= 0) throw std::runtime_error("live client: write failed");
    sent += static_cast<size_t>(n);
  }
}

void LiveClient::Receive(char* buffer, size_t length) {
  size_t received = 0;
  while (received < length) {
    const long n = ssl_ != nullptr
                       ? SSL_read(ssl_, buffer + received, static_cast<int>(length - received))
                       : read(fd_, buffer + received, length - received);
    if (n <= 0) throw std::runtime_error("live client: server closed the connection");
    received += static_cast<size_t>(n);
  }
}

void LiveClient::StartTls(const Sandbox& sandbox) {
  Send(BigEndian(8) + BigEndian(kSslRequestCode));
  char answer = 0;
  Receive(&answer, 1);
  if (answer == 'N') throw std::runtime_error("live client: server refused TLS (answered 'N')");
  if (answer != 'S') throw std::runtime_error("live client: unexpected answer to SSLRequest");

  context_ = SSL_CTX_new(TLS_client_method());
  if (context_ == nullptr) throw std::runtime_error("live client: " + OpensslError());
  if ((spec_.min_tls_version != 0 &&
       SSL_CTX_set_min_proto_version(context_, spec_.min_tls_version) != 1) ||
      (spec_.max_tls_version != 0 &&
       SSL_CTX_set_max_proto_version(context_, spec_.max_tls_version) != 1) ||
      (!spec_.cipher_list.empty() &&
       SSL_CTX_set_cipher_list(context_, spec_.cipher_list.c_str()) != 1) ||
      (!spec_.ciphersuites.empty() &&
       SSL_CTX_set_ciphersuites(context_, spec_.ciphersuites.c_str()) != 1)) {
    throw std::runtime_error("live client: TLS options rejected: " + OpensslError());
  }
  if (!spec_.client_certificate_role.empty()) {
    const std::string role = spec_.client_certificate_role;
    if (SSL_CTX_use_certificate_file(context_, sandbox.client_certificate(role).c_str(),
                                     SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(context_, sandbox.client_key(role).c_str(), SSL_FILETYPE_PEM) !=
            1) {
      throw std::runtime_error("live client: client certificate: " + OpensslError());
    }
  }
  // Verify the server as sslmode=verify-full would: chain to the sandbox CA, IP in the SAN.
  if (SSL_CTX_load_verify_locations(context_, sandbox.pki().ca_certificate().c_str(), nullptr) !=
      1) {
    throw std::runtime_error("live client: CA file: " + OpensslError());
  }
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(context_), sandbox.host().c_str());

  ssl_ = SSL_new(context_);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    throw std::runtime_error("live client: TLS handshake failed: " + OpensslError());
  }
}

void LiveClient::StartSession() {
  std::string parameters;
  auto add = [&](const std::string& name, const std::string& value) {
    parameters += name + '\0' + value + '\0';
  };
  add("user", spec_.user);
  add("database", spec_.database);
  if (!spec_.application_name.empty()) add("application_name", spec_.application_name);
  parameters += '\0';
  Send(BigEndian(static_cast<uint32_t>(8 + parameters.size())) + BigEndian(kProtocolVersion3) +
       parameters);

  while (true) {
    char header[5];
    Receive(header, sizeof header);
    const uint32_t length = ReadBigEndian(header + 1);
    if (length < 4 || length > (1u << 20)) throw std::runtime_error("live client: bad message");
    std::string body(length - 4, '\0');
    Receive(body.data(), body.size());
    switch (header[0]) {
      case 'R':  // Authentication: the sandbox's lines are trust or cert, which need no reply.
        if (body.size() < 4 || ReadBigEndian(body.data()) != 0) {
          throw std::runtime_error("live client: the server asked for a password");
        }
        break;
      case 'K':  // BackendKeyData: pid, secret key
        backend_pid_ = static_cast<pid_t>(ReadBigEndian(body.data()));
        break;
      case 'E': {  // ErrorResponse: fields of (code byte, C string); 'M' is the message
        std::string message = "unknown error";
        for (size_t at = 0; at < body.size() && body[at] != '\0';) {
          const char field = body[at++];
          const std::string value(body.c_str() + at);
          at += value.size() + 1;
          if (field == 'M') message = value;
        }
        throw std::runtime_error("live client: server error: " + message);
      }
      case 'Z':  // ReadyForQuery: the session is established and idle
        if (backend_pid_ == 0) throw std::runtime_error("live client: no BackendKeyData");
        return;
      default:  // ParameterStatus, NoticeResponse: nothing to act on
        break;
    }
  }
}

std::string LiveClient::tls_version() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

std::string LiveClient::tls_cipher() const {
  return ssl_ != nullptr ? SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)) : "";
}

}  // namespace pgward::sandbox
