#pragma once

// `pgward probe HOST[:PORT] [--sni NAME] [--ca-file F] [--format text|json] [--direct]
//  [--concurrency N] [--timeout-ms N]`: what a server's TLS endpoint accepts and sends.

#include <iosfwd>
#include <string>

namespace pgward::cli {

struct ProbeCommandOptions {
  std::string target{};   // HOST[:PORT]; IPv6 as [::1]:5432; the port defaults to 5432
  std::string sni{};      // empty: the host when it is a name, none for an IP address
  std::string ca_file{};  // empty: the system trust store
  enum class Format { kText, kJson } format = Format::kText;
  bool direct = false;    // PostgreSQL 17+ direct TLS (ALPN "postgresql") instead of SSLRequest
  int concurrency = 8;    // handshakes in flight at once
  int timeout_ms = 5000;  // per connect, SSLRequest answer and handshake
};

// Writes the report to `out` and problems to `err`. Returns 0 when the probe completed (what it
// found is reported, not judged: a server refusing TLS is a finding), 2 for usage errors (bad
// target, unreadable CA file, out-of-range numbers) and 3 when the server could not be reached
// or some fact could not be determined (the report says which).
int RunProbeCommand(const ProbeCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
