#pragma once

// What a change to a pg_hba.conf opens or closes, and for whom: the first-match access analysis
// of two versions of a file, compared connection kind by kind, address range by address range,
// for each database and user its records name. A reordering that changes no outcome yields no
// change; a line that only moves (comments inserted above it) yields none either.

#include <optional>
#include <string>
#include <vector>

#include "engine/hba/access.h"
#include "engine/hba/model.h"
#include "engine/model/ip.h"

namespace pgward::hba {

enum class AccessChangeKind {
  kOpened,        // no entry or reject before, accepted now
  kClosed,        // accepted before, rejected (or no entry) now
  kWeakened,      // accepted both times, with a weaker method or client certificate check
  kStrengthened,  // accepted both times, with a stronger one
  kMoved,         // accepted both times as strongly, by another record
};

std::string_view AccessChangeKindName(AccessChangeKind kind);  // opened, closed, ...

// The record that decides a connection on one side, and how.
struct DecidingRecord {
  std::string file;
  int line = 0;
  std::string method;      // "reject" for an explicit reject line
  std::string clientcert;  // verify-ca, verify-full; empty without a client certificate check
};

struct AccessChange {
  AccessChangeKind kind = AccessChangeKind::kOpened;
  ConnectionKind connection = ConnectionKind::kTcpPlaintext;
  // Who: token texts as the records write them ("app", "+ops", "/^a.*$"), "all" when every name
  // the two versions mention and every other one is concerned, or "(any other)" for names that
  // neither version mentions.
  std::vector<std::string> databases;
  std::vector<std::string> users;
  std::vector<IpRange> ranges;         // empty for local connections and host-name records
  std::string address_label;           // for host-name and samehost/samenet records
  std::optional<DecidingRecord> base;  // absent: no record matched (the implicit reject)
  std::optional<DecidingRecord> head;
};

struct AccessDiff {
  std::vector<AccessChange> changes;  // by connection kind, change kind, deciding records
  // A file with a line the server refuses is not loaded at all: on reload the server keeps its
  // old rules, and a server that starts with it refuses to start.
  bool base_loads = true;
  bool head_loads = true;
};

// Each file with its access map (AnalyzeAccess, without the server's networks).
AccessDiff DiffAccess(const HbaFile& base, const AccessMap& base_access, const HbaFile& head,
                      const AccessMap& head_access);

// The ordering behind weakened and strengthened: trust < password-based methods sent in clear
// (password, ldap, radius, pam, bsd) and ident < md5 < scram-sha-256, peer, gss, sspi < cert;
// then, for the same rank, clientcert verify-full above verify-ca above none.
int MethodStrength(AuthMethod method);

}  // namespace pgward::hba
