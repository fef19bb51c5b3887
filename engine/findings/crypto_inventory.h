#pragma once

// The inventory PCI DSS 4.2.1.1 (trusted keys and certificates) and 12.3.3 (cipher suites and
// protocols in use) ask for, made from a run's facts: every certificate seen (the servers'
// chains from the probe, the clients' from their sessions) with where it is used, and per
// server the protocols and suites configured, accepted (probe) and in use (sessions).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/fact_table.h"

namespace pgward {

struct InventoryCertificate {
  std::string server;    // the target that uses it
  std::string endpoint;  // host:port, when the server's settings say
  std::string role;      // "server" (the server's own), "chain" (its issuers), "client"
  std::optional<std::int64_t> depth;  // in the server's chain
  std::string subject, issuer, serial;
  std::string not_before, not_after;  // ISO 8601 UTC; empty when not known (clients)
  std::string key_type;
  std::optional<std::int64_t> key_bits;
  std::string signature_algorithm;
  std::vector<std::string> sans;
  // verified (chains to a trusted CA), self-signed, unverified, or for clients: accepted by the
  // server (it verified the certificate against its ssl_ca_file); unknown when not probed.
  std::string trust;
  std::optional<bool> hostname_match;
  std::uint64_t sessions = 0;  // clients: sessions that presented it
  // What the evidence cannot say: pg_stat_ssl keeps 63 bytes (NAMEDATALEN - 1) of a client's
  // subject and issuer, so a name of that length may have been cut.
  std::string note;
};

struct InventoryProtocol {
  std::string version;
  std::optional<bool> configured;  // the settings admit it
  std::optional<bool> accepted;    // the probe completed a handshake with it
};

struct InventorySuite {
  std::string protocol, cipher;
  std::optional<std::int64_t> bits;
  bool accepted = false;       // the probe saw it accepted
  std::uint64_t sessions = 0;  // sessions that use it
};

struct InventoryServer {
  std::string server;
  std::string endpoint;
  std::string ssl, ssl_min_protocol_version, ssl_max_protocol_version, ssl_ciphers;
  // The key-exchange groups the server offers (ssl_groups, ssl_ecdh_curve before 18): absent
  // when not visible.
  std::optional<std::vector<std::string>> ssl_groups;
  std::vector<InventoryProtocol> protocols;
  std::vector<InventorySuite> suites;  // accepted, in use, or both: by protocol, then cipher
};

struct CryptoInventory {
  // The servers whose evidence is incomplete (collection errors): what they use may be missing
  // here, and an inventory without them is not the whole fleet's. Set by the scan, by name.
  std::vector<std::string> incomplete;
  std::vector<InventoryServer> servers;            // by name
  std::vector<InventoryCertificate> certificates;  // by server, role, depth, subject
};

CryptoInventory BuildCryptoInventory(const FactSet& facts);

}  // namespace pgward
