#pragma once

// A probe's result as facts: certificate, probe_protocol and probe_cipher rows for one server,
// and what the probe could not determine as errors (the run is then incomplete).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/evidence.h"
#include "engine/model/fact_table.h"
#include "engine/model/probe_result.h"

namespace pgward::probe {

// What the server's settings say it accepts, to set against what the probe saw: a server can
// be configured for a version its TLS library refuses (TLSv1 without @SECLEVEL=0) or accept
// suites its ssl_ciphers does not govern (TLS 1.3).
struct ConfiguredTls {
  bool ssl = false;
  std::optional<TlsVersion> min_version;  // unset: no lower bound
  std::optional<TlsVersion> max_version;  // unset: no upper bound
  // The TLS 1.2-and-older suites ssl_ciphers expands to; TLS 1.3 suites are not governed by it.
  std::vector<std::string> ciphers;
  // The TLS 1.3 suites ssl_tls13_ciphers (18+) lists; nullopt when no setting governs them
  // (before 18, or empty: OpenSSL's defaults).
  std::optional<std::vector<std::string>> tls13_ciphers;

  bool AllowsVersion(TlsVersion version) const;
};

// Appends the facts of `result` for `server`. With `configured`, probe_protocol and probe_cipher
// facts also say whether the configuration admits what was seen (field `configured`).
// A server that refuses TLS accepts no version: four probe_protocol facts with accepted=false.
// A version the probe could not decide has `accepted` absent and an error; so has a chain that
// was not obtained although a version was accepted.
void AddProbeFacts(std::string_view server, const ProbeResult& result,
                   const ConfiguredTls* configured, FactSet& facts,
                   std::vector<EvidenceError>& errors);

}  // namespace pgward::probe
