#include "tests/sandbox/live_client.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace pgward::sandbox {
namespace {

constexpr uint32_t kProtocolVersion3 = 196608;
// Long enough for a loaded CI machine; a sandbox server answers in milliseconds.
constexpr std::chrono::milliseconds kIoTimeout{15'000};

std::string BigEndian(uint32_t value) {
  const uint32_t network = htonl(value);
  return std::string(reinterpret_cast<const char*>(&network), sizeof network);
}

uint32_t ReadBigEndian(const char* bytes) {
  uint32_t network;
  std::memcpy(&network, bytes, sizeof network);
  return ntohl(network);
}

probe::SocketAddress ServerAddress(const Sandbox& sandbox, Transport transport) {
  if (transport == Transport::kUnixSocket) {
    const probe::Expected<probe::SocketAddress> address = probe::UnixSocket(
        sandbox.socket_directory() / (".s.PGSQL." + std::to_string(sandbox.port())));
    if (!address) throw std::runtime_error("live client: " + address.error().message);
    return *address;
  }
  const probe::Expected<std::vector<probe::SocketAddress>> addresses =
      probe::ResolveTcp(sandbox.host(), sandbox.port());
  if (!addresses) throw std::runtime_error("live client: " + addresses.error().message);
  return addresses->front();
}

std::optional<probe::SocketAddress> SourceAddress(const ClientSpec& spec) {
  if (spec.source_address.empty()) return std::nullopt;
  // Port 0: any local port, from the chosen address.
  const probe::Expected<std::vector<probe::SocketAddress>> addresses =
      probe::ResolveTcp(spec.source_address, 0);
  if (!addresses) throw std::runtime_error("live client: " + addresses.error().message);
  return addresses->front();
}

}  // namespace

LiveClient::LiveClient(const Sandbox& sandbox, const ClientSpec& spec) : spec_(spec) {
  probe::Expected<probe::Connection> connection = probe::Connection::Open(
      ServerAddress(sandbox, spec.transport), kIoTimeout, SourceAddress(spec));
  if (!connection) {
    throw std::runtime_error("live client: connect failed: " + connection.error().message);
  }
  connection_.emplace(std::move(*connection));
  if (spec.transport == Transport::kTcpTls) StartTls(sandbox);
  StartSession();
}

LiveClient::LiveClient(LiveClient&& other) noexcept
    : spec_(std::move(other.spec_)),
      connection_(std::exchange(other.connection_, std::nullopt)),
      backend_pid_(other.backend_pid_) {}

LiveClient::~LiveClient() {
  if (!connection_.has_value()) return;
  // Terminate, so that the server logs a clean disconnect; it may already be gone, and closing
  // the connection is all that is left to do then.
  connection_->Send(std::string("X") + BigEndian(4));
}

void LiveClient::Send(const std::string& bytes) {
  if (auto error = connection_->Send(bytes)) {
    throw std::runtime_error("live client: " + error->message);
  }
}

void LiveClient::Receive(char* buffer, size_t length) {
  if (auto error = connection_->Receive(buffer, length)) {
    throw std::runtime_error("live client: " + error->message);
  }
}

void LiveClient::StartTls(const Sandbox& sandbox) {
  const probe::Expected<probe::SslRequestAnswer> answer = connection_->RequestSsl();
  if (!answer) {
    throw std::runtime_error("live client: unexpected answer to SSLRequest: " +
                             answer.error().message);
  }
  if (*answer == probe::SslRequestAnswer::kRefused) {
    throw std::runtime_error("live client: server refused TLS (answered 'N')");
  }
  // Verify the server as sslmode=verify-full would: chain to the sandbox CA, IP in the SAN.
  probe::TlsContextOptions context_options{.ca_file = sandbox.pki().ca_certificate(),
                                           .require_verified_server = true};
  if (!spec_.client_certificate_role.empty()) {
    context_options.client_certificate = sandbox.client_certificate(spec_.client_certificate_role);
    context_options.client_key = sandbox.client_key(spec_.client_certificate_role);
  }
  const probe::Expected<probe::TlsContext> context = probe::TlsContext::Create(context_options);
  if (!context) throw std::runtime_error("live client: " + context.error().message);

  probe::HandshakeOptions handshake{.min_version = spec_.min_tls_version,
                                    .max_version = spec_.max_tls_version,
                                    .verify_name = sandbox.host()};
  if (!spec_.cipher_list.empty()) handshake.cipher_list = spec_.cipher_list;
  if (!spec_.ciphersuites.empty()) handshake.ciphersuites = spec_.ciphersuites;
  if (auto error = connection_->StartTls(*context, handshake)) {
    throw std::runtime_error("live client: TLS handshake failed: " + error->message);
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
      case 'R': {  // Authentication: 0 done, 3 cleartext password; trust and cert need nothing.
        const uint32_t code = body.size() >= 4 ? ReadBigEndian(body.data()) : 0xffffffff;
        if (code == 3 && spec_.password) {
          const std::string password = *spec_.password + '\0';
          Send("p" + BigEndian(static_cast<uint32_t>(4 + password.size())) + password);
        } else if (code != 0) {
          throw std::runtime_error("live client: the server asked for a password");
        }
        break;
      }
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

std::string LiveClient::tls_version() const { return connection_->tls_version(); }

std::string LiveClient::tls_cipher() const { return connection_->tls_cipher(); }

}  // namespace pgward::sandbox
