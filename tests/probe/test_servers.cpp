#include "tests/probe/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace pgward::probe::testing {
namespace {

// Waits until `fd` is readable; false when the server stops first.
bool WaitReadable(int fd, int stop_fd) {
  pollfd descriptors[2] = {{.fd = fd, .events = POLLIN, .revents = 0},
                           {.fd = stop_fd, .events = POLLIN, .revents = 0}};
  while (poll(descriptors, 2, -1) < 0) {
  }
  return descriptors[1].revents == 0;
}

void SendAll(int fd, std::string_view bytes) { send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

// Reads exactly `size` bytes; false when the peer or the server stops first.
bool ReadExactly(int fd, int stop_fd, char* bytes, size_t size) {
  for (size_t done = 0; done < size;) {
    if (!WaitReadable(fd, stop_fd)) return false;
    const ssize_t got = recv(fd, bytes + done, size - done, 0);
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

std::string Int32(std::uint32_t value) {
  const std::uint32_t network = htonl(value);
  return std::string(reinterpret_cast<const char*>(&network), 4);
}

// A backend message: its type byte, its length (itself included) and its body.
std::string Message(char type, std::string_view body) {
  return type + Int32(static_cast<std::uint32_t>(body.size() + 4)) + std::string(body);
}

}  // namespace

TestServer::TestServer(Serve serve) : serve_(std::move(serve)) {
  // The servers write to clients that may have gone (a probe drops connections after the
  // ServerHello): that must fail the write, not kill the test process.
  signal(SIGPIPE, SIG_IGN);
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("test server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestServer::~TestServer() {
  const uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) != sizeof one) std::abort();
  acceptor_.join();
  for (std::thread& worker : workers_) worker.join();
  close(listen_fd_);
  close(stop_fd_);
}

void TestServer::AcceptLoop() {
  while (WaitReadable(listen_fd_, stop_fd_)) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] {
      serve_(fd, stop_fd_);
      close(fd);
    });
  }
}

void AnswerLikeHttp(int fd, int stop_fd) {
  char buffer[256];
  if (!WaitReadable(fd, stop_fd) || recv(fd, buffer, sizeof buffer, 0) <= 0) return;
  SendAll(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

void Echo(int fd, int stop_fd) {
  char buffer[4096];
  while (WaitReadable(fd, stop_fd)) {
    const ssize_t received = recv(fd, buffer, sizeof buffer, 0);
    if (received <= 0) return;
    SendAll(fd, std::string_view(buffer, static_cast<size_t>(received)));
  }
}

void CloseWithoutAnswer(int fd, int stop_fd) {
  char request[8];
  if (WaitReadable(fd, stop_fd)) recv(fd, request, sizeof request, MSG_WAITALL);
}

void StaySilent(int fd, int stop_fd) {
  char buffer[4096];
  while (WaitReadable(fd, stop_fd) && recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
}

void AcceptTlsThenClose(int fd, int stop_fd) {
  char request[8];
  if (!WaitReadable(fd, stop_fd) || recv(fd, request, sizeof request, MSG_WAITALL) != 8) return;
  SendAll(fd, "S");
  char client_hello[64];
  if (WaitReadable(fd, stop_fd)) recv(fd, client_hello, sizeof client_hello, 0);
}

TestServer::Serve DirectTlsServer(const DirectTlsOptions& options) {
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (SSL_CTX_use_certificate_file(context.get(), options.certificate.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_use_PrivateKey_file(context.get(), options.private_key.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_set_min_proto_version(context.get(), options.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(context.get(), options.max_version) != 1 ||
      SSL_CTX_set_cipher_list(context.get(), options.cipher_list.c_str()) != 1) {
    throw std::runtime_error("direct TLS server: bad configuration");
  }
  SSL_CTX_set_options(context.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_num_tickets(context.get(), 0);
  // What PostgreSQL 17 does: ALPN "postgresql" or a no_application_protocol alert.
  SSL_CTX_set_alpn_select_cb(
      context.get(),
      [](SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
         unsigned int in_length, void*) {
        static constexpr unsigned char kProtocol[] = "postgresql";
        for (unsigned int at = 0; at < in_length; at += 1 + in[at]) {
          if (in[at] == 10 && at + 11 <= in_length &&
              std::memcmp(in + at + 1, kProtocol, 10) == 0) {
            *out = in + at + 1;
            *out_length = 10;
            return SSL_TLSEXT_ERR_OK;
          }
        }
        return SSL_TLSEXT_ERR_ALERT_FATAL;
      },
      nullptr);
  return [context](int fd, int stop_fd) {
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), SSL_free);
    SSL_set_fd(ssl.get(), fd);
    if (!WaitReadable(fd, stop_fd)) return;
    const timeval timeout{.tv_sec = 5, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (SSL_accept(ssl.get()) != 1) return;
    // A client that offered no ALPN at all completes the handshake; PostgreSQL 17 then closes.
    const unsigned char* protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl.get(), &protocol, &length);
    if (length != 0) SSL_shutdown(ssl.get());
  };
}

void AnswerQueriesWithCopy(int fd, int stop_fd) {
  // The startup packet (length first, no type byte): the client asked for no TLS and no GSS.
  char length[4];
  if (!ReadExactly(fd, stop_fd, length, 4)) return;
  std::uint32_t size = 0;
  std::memcpy(&size, length, 4);
  std::string startup(ntohl(size) - 4, '\0');
  if (!ReadExactly(fd, stop_fd, startup.data(), startup.size())) return;
  std::string greeting = Message('R', Int32(0));  // AuthenticationOk
  for (const auto& [name, value] :
       {std::pair{"server_version", "15.0"}, std::pair{"server_encoding", "UTF8"},
        std::pair{"client_encoding", "UTF8"}, std::pair{"integer_datetimes", "on"},
        std::pair{"standard_conforming_strings", "on"}}) {
    greeting += Message('S', std::string(name) + '\0' + value + '\0');
  }
  greeting += Message('K', Int32(4242) + Int32(1));
  greeting += Message('Z', "I");
  SendAll(fd, greeting);
  // Each message of the client: a type byte and a length.
  char header[5];
  while (ReadExactly(fd, stop_fd, header, 5)) {
    std::memcpy(&size, header + 1, 4);
    std::string body(ntohl(size) - 4, '\0');
    if (!ReadExactly(fd, stop_fd, body.data(), body.size()) || header[0] == 'X') return;
    // CopyOutResponse: text format, no columns.
    if (header[0] == 'Q') SendAll(fd, Message('H', std::string(1, '\0') + std::string(2, '\0')));
  }
}

int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace pgward::probe::testing
