#pragma once

// Small servers the probe tests point at: they behave as the ports a probe meets in the wild
// (something that is not PostgreSQL, a server that hangs or drops the connection) and as a
// PostgreSQL 17 direct-TLS endpoint, which the PostgreSQL 15 sandbox cannot be.

#include <openssl/ssl.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pgward::probe::testing {

// Accepts TCP connections on a free port of 127.0.0.1 and runs `serve` on each (in a thread of
// its own) until destroyed. `serve` gets the connected socket and a stop signal to poll.
class TestServer {
 public:
  using Serve = std::function<void(int fd, int stop_fd)>;
  explicit TestServer(Serve serve);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void AcceptLoop();

  Serve serve_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd, readable once the server stops
  int port_ = 0;
  std::atomic<int> connections_ = 0;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// Behaviours for TestServer.
void AnswerLikeHttp(int fd, int stop_fd);      // reads, answers "HTTP/1.1 400 ..."
void Echo(int fd, int stop_fd);                // sends back what it reads
void CloseWithoutAnswer(int fd, int stop_fd);  // reads the request, closes without a byte
void StaySilent(int fd, int stop_fd);          // reads and never answers
void AcceptTlsThenClose(int fd, int stop_fd);  // answers 'S', reads the ClientHello, closes
// A PostgreSQL 15 as a hostile server may play one, over the protocol (version 3) without TLS: it
// lets anyone in and answers every query with COPY TO STDOUT (CopyOutResponse), which no query of
// pgward's asks for, and then sends nothing more.
void AnswerQueriesWithCopy(int fd, int stop_fd);

// A TLS server as PostgreSQL 17 is for direct TLS: a ClientHello first, ALPN "postgresql"
// required (a no_application_protocol alert for other protocols, the connection closed after
// the handshake when the client offered no ALPN).
struct DirectTlsOptions {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string cipher_list = "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA";
};
TestServer::Serve DirectTlsServer(const DirectTlsOptions& options);

// A port of 127.0.0.1 nothing listens on: bound once to learn a free number, then closed.
int ClosedPort();

}  // namespace pgward::probe::testing
