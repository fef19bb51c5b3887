#include "engine/scan/probe_servers.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "engine/probe/probe_facts.h"
#include "engine/probe/prober.h"
#include "engine/probe/task_pool.h"

namespace pgward::scan {
namespace {

// The trust anchors of the server's own connection: its sslrootcert as libpq used it, unless
// that is "system" (PostgreSQL 16+) or unset, which mean the system store.
std::optional<std::filesystem::path> RootCert(const ServerEvidence& server) {
  if (!server.root_cert || *server.root_cert == "system") return std::nullopt;
  return std::filesystem::path(*server.root_cert);
}

// The server fact's TLS settings, or nullopt when the server fact is missing.
std::optional<probe::ConfiguredTls> Configured(const ServerEvidence& server, const FactSet& facts) {
  const RowRange rows = server.rows[static_cast<size_t>(FactKind::kServer)];
  if (rows.begin == rows.end) return std::nullopt;
  const FactTable& table = facts.table(FactKind::kServer);
  const size_t row = rows.begin;
  probe::ConfiguredTls configured;
  const std::optional<bool> ssl = table.Bool(row, FieldOf<FactKind::kServer>("ssl"));
  if (!ssl) return std::nullopt;
  configured.ssl = *ssl;
  configured.min_version = table.Tls(row, FieldOf<FactKind::kServer>("ssl_min_protocol_version"));
  configured.max_version = table.Tls(row, FieldOf<FactKind::kServer>("ssl_max_protocol_version"));
  if (const ValueId list = table.Id(row, FieldOf<FactKind::kServer>("ssl_ciphers_expanded"));
      list != kAbsent) {
    for (const ValueId cipher : facts.pool().List(list)) {
      configured.ciphers.emplace_back(facts.pool().String(cipher));
    }
  }
  // OpenSSL's SSL_CTX_set_ciphersuites list: TLS 1.3 suite names separated by colons, blanks
  // around each trimmed (CONF_parse_list).
  if (const ValueId value = table.Id(row, FieldOf<FactKind::kServer>("ssl_tls13_ciphers"));
      value != kAbsent && !facts.pool().String(value).empty()) {
    const std::string_view suites = facts.pool().String(value);
    std::vector<std::string>& names = configured.tls13_ciphers.emplace();
    for (std::size_t start = 0; start <= suites.size();) {
      const std::size_t end = std::min(suites.find(':', start), suites.size());
      std::string_view name = suites.substr(start, end - start);
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) {
        name.remove_prefix(1);
      }
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
        name.remove_suffix(1);
      }
      if (!name.empty()) names.emplace_back(name);
      start = end + 1;
    }
  }
  return configured;
}

// How a server answers a TLS handshake begun directly when it does not take one: it closes the
// connection (17+ with ssl off), answers as PostgreSQL with an error (before 17) or without the
// ALPN "postgresql". A timeout or a network error says nothing of the server's choice.
bool RefusesDirectTls(probe::ErrorKind kind) {
  using probe::ErrorKind;
  return kind == ErrorKind::kClosedDuringHandshake || kind == ErrorKind::kHandshakeRejected ||
         kind == ErrorKind::kNotPostgresql || kind == ErrorKind::kServerError;
}

bool IsUnixSocket(const std::string& host) {
  return host.empty() || host.front() == '/' || host.front() == '@';
}

}  // namespace

probe::TlsStart PreferredTlsStart(int server_version_num) {
  return server_version_num >= 170000 ? probe::TlsStart::kDirect : probe::TlsStart::kSslRequest;
}

void ProbeServers(const ProbeServersOptions& options, Evidence& evidence, FactSet& facts) {
  std::vector<std::optional<probe::ProbeResult>> results(evidence.servers.size());
  // Whether the server takes a direct TLS handshake: false before 17 (by its version), and on 17+
  // as the direct attempt ended; unset when that does not tell (a timeout, a network error).
  std::vector<std::optional<bool>> direct_tls(evidence.servers.size());
  probe::TaskPool pool;
  for (size_t i = 0; i < evidence.servers.size(); ++i) {
    const ServerEvidence& server = evidence.servers[i];
    if (!server.host || !server.port || IsUnixSocket(*server.host)) continue;
    probe::ProbeOptions probe_options{
        .host = *server.host,
        .port = *server.port,
        .start = PreferredTlsStart(server.version.value_or(0)),
        .ca_file = options.ca_file ? options.ca_file : RootCert(server),
        .concurrency = options.handshakes_per_server,
        .timeout = options.timeout,
        // Latency is not a fact any rule judges: one sample keeps the probe short.
        .latency_samples = 1,
        .end = options.end};
    pool.Add([probe_options, &result = results[i], &direct = direct_tls[i]]() mutable {
      result = probe::Probe(probe_options);
      if (probe_options.start != probe::TlsStart::kDirect) {
        // Before 17 there is no direct TLS, and trying it would leave an invalid startup
        // packet in the server's log.
        direct = false;
        return;
      }
      if (!result->error) {
        direct = true;
        return;
      }
      if (RefusesDirectTls(result->error->kind)) direct = false;
      // Past the run's deadline the classic way would not start either.
      if (std::chrono::steady_clock::now() >= probe_options.end) return;
      probe_options.start = probe::TlsStart::kSslRequest;
      result = probe::Probe(probe_options);
    });
  }
  pool.Run(std::max(1, options.servers_at_once));

  // Appended server by server, so that each server's facts of a kind stay contiguous.
  for (size_t i = 0; i < evidence.servers.size(); ++i) {
    ServerEvidence& server = evidence.servers[i];
    if (!server.host || !server.port) continue;
    if (!results[i]) {
      server.errors.push_back({server.name,
                               "the TLS probe needs a TCP connection, and " + server.name +
                                   " was reached through the Unix socket " + *server.host,
                               {}});
      continue;
    }
    const RowRange server_rows = server.rows[static_cast<size_t>(FactKind::kServer)];
    if (direct_tls[i] && server_rows.begin != server_rows.end) {
      facts.table(FactKind::kServer)
          .SetBool(server_rows.begin, FieldOf<FactKind::kServer>("direct_tls"), *direct_tls[i]);
    }
    const std::optional<probe::ConfiguredTls> configured = Configured(server, facts);
    const auto before = TableSizes(facts);
    probe::AddProbeFacts(server.name, *results[i], configured ? &*configured : nullptr, facts,
                         server.errors);
    const auto added = RowsSince(before, facts);
    for (const FactKind kind :
         {FactKind::kCertificate, FactKind::kProbeProtocol, FactKind::kProbeCipher}) {
      server.rows[static_cast<size_t>(kind)] = added[static_cast<size_t>(kind)];
    }
  }
}

}  // namespace pgward::scan
