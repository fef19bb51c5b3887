#pragma once

// What a run saw, beside what it judged: the figures a dashboard follows from one scheduled run
// to the next (sessions by encryption and protocol, certificate expiry, the protocols the probe
// found accepted, whether plaintext TCP reaches a pg_hba.conf line). Bounded per target: no pids,
// no client addresses.

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/fact_table.h"

namespace pgward {

struct Observations {
  struct Sessions {
    std::string target;
    std::string encryption;  // tls, gss, plaintext or local
    std::string protocol;    // the TLS version; "none" without TLS
    std::int64_t count = 0;
    auto operator<=>(const Sessions&) const = default;
  };
  struct Certificate {
    std::string target;
    std::string subject;
    std::string serial;
    std::int64_t not_after = 0;  // Unix seconds
    auto operator<=>(const Certificate&) const = default;
  };
  struct ProbeProtocol {
    std::string target;
    std::string protocol;  // TLSv1 .. TLSv1.3
    bool accepted = false;
    auto operator<=>(const ProbeProtocol&) const = default;
  };
  struct HbaExposure {
    std::string target;  // the file, as findings name it
    // A line other than reject is the first match for some plaintext TCP connection from
    // outside loopback (or from a host name or samenet, which pgward cannot place).
    bool plaintext_reachable = false;
    auto operator<=>(const HbaExposure&) const = default;
  };
  std::vector<Sessions> sessions;  // each sorted by its labels
  std::vector<Certificate> certificates;
  std::vector<ProbeProtocol> probe_protocols;
  std::vector<HbaExposure> hba;
};

Observations Observe(const FactSet& facts);

// Puts each list in the order Observe gives it (by its labels), after lists were joined.
void SortObservations(Observations& observations);

}  // namespace pgward
