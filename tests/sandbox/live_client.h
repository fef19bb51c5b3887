#pragma once

#include <openssl/ssl.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "engine/probe/connection.h"
#include "tests/sandbox/sandbox.h"

namespace pgward::sandbox {

enum class Transport { kUnixSocket, kTcpPlaintext, kTcpTls };

struct ClientSpec {
  Transport transport = Transport::kTcpPlaintext;
  std::string user = kPlainAppRole;
  std::string database = "postgres";
  std::string application_name{};
  // TLS only. Versions are OpenSSL constants (TLS1_2_VERSION, ...); 0 leaves OpenSSL's default.
  int min_tls_version = 0;
  int max_tls_version = 0;
  std::string cipher_list{};   // TLS <= 1.2 suites, OpenSSL syntax; empty = default
  std::string ciphersuites{};  // TLS 1.3 suites; empty = default
  // Presents the sandbox's client certificate for this role (its CN is the role name).
  std::string client_certificate_role{};
  // TCP only: connect from this local address (any of 127.0.0.0/8 on Linux).
  std::string source_address{};
  // Sent when the server asks for a cleartext password (the `password` method).
  std::optional<std::string> password{};
};

// A live session held open against a sandbox server, as an application would hold one.
// It speaks the frontend/backend protocol itself (startup, authentication) over pgward's
// connector (SSLRequest and TLS through OpenSSL) so that each client can pin its own TLS version
// and cipher, which libpq cannot do per connection.
class LiveClient {
 public:
  LiveClient(const Sandbox& sandbox, const ClientSpec& spec);
  ~LiveClient();
  LiveClient(LiveClient&&) noexcept;
  LiveClient& operator=(LiveClient&&) = delete;
  LiveClient(const LiveClient&) = delete;
  LiveClient& operator=(const LiveClient&) = delete;

  // The server process serving this session (from BackendKeyData), the key to pg_stat_*.
  pid_t backend_pid() const { return backend_pid_; }
  const ClientSpec& spec() const { return spec_; }
  // Negotiated protocol and suite as OpenSSL names them ("TLSv1.3", ...); empty without TLS.
  std::string tls_version() const;
  std::string tls_cipher() const;

 private:
  void Send(const std::string& bytes);
  void Receive(char* buffer, size_t length);
  void StartTls(const Sandbox& sandbox);
  void StartSession();

  ClientSpec spec_;
  std::optional<probe::Connection> connection_;  // empty once moved from
  pid_t backend_pid_ = 0;
};

}  // namespace pgward::sandbox
