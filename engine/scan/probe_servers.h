#pragma once

// `--probe`: the TLS probe of every server a live collection reached, on the host and port
// pgward connected to, with its facts and errors added to that server's evidence.

#include <chrono>
#include <filesystem>
#include <optional>

#include "engine/model/collection.h"
#include "engine/model/fact_table.h"
#include "engine/model/probe_result.h"

namespace pgward::scan {

struct ProbeServersOptions {
  // Trust anchors for every chain; unset: the sslrootcert pgward's connection to the server used
  // (ServerEvidence::root_cert), else the system store.
  std::optional<std::filesystem::path> ca_file;
  int servers_at_once = 4;
  int handshakes_per_server = 8;
  std::chrono::milliseconds timeout{5000};
  // The run's deadline (--deadline-ms), which the probe ends by as collection does: what a
  // server had not answered by then is an error of that server.
  std::chrono::steady_clock::time_point end = std::chrono::steady_clock::time_point::max();
};

// How to start TLS with a server of `server_version_num`: direct TLS first from PostgreSQL 17
// (the probe falls back to SSLRequest when the server does not take it).
probe::TlsStart PreferredTlsStart(int server_version_num);

// Probes the servers of `evidence` (as CollectLive returns them) and appends their certificate,
// probe_protocol and probe_cipher facts, compared with the server fact's TLS settings. A server
// that was not reached is left as it is (its error says why); one reached through a Unix socket
// cannot be probed, which is an error of that server.
void ProbeServers(const ProbeServersOptions& options, Evidence& evidence, FactSet& facts);

}  // namespace pgward::scan
