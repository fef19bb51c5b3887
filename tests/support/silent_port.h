#pragma once

// A TCP port on 127.0.0.1 that accepts connections (the kernel completes them into its backlog)
// and never answers: a server that hangs, for timeouts and deadlines.

namespace pgward::testing {

class SilentPort {
 public:
  SilentPort();  // fails the test (and port() is 0) when no socket can be bound
  ~SilentPort();
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;

  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
};

}  // namespace pgward::testing
