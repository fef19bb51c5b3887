#pragma once

// Who can reach the server, over what: the server's choice of pg_hba.conf line (hba.c:
// check_hba, first match wins) for one connection, and for whole address spaces at once.

#include <optional>
#include <string>
#include <vector>

#include "engine/hba/model.h"
#include "engine/model/ip.h"

namespace pgward::hba {

// How a connection reaches the server; each selects the record types that can match it.
enum class ConnectionKind { kLocal, kTcpPlaintext, kTcpTls, kTcpGssEnc };

std::string_view ConnectionKindName(ConnectionKind kind);  // local, tcp_plaintext, ...

// The server's own addresses and networks, which `samehost` and `samenet` refer to. Without
// them those records stay symbolic: they may match, pgward cannot say where.
struct LocalNetworks {
  std::vector<IpRange> networks;  // each CIDR: its address is a host address, its range a net
  bool known() const { return !networks.empty(); }
};

// ---- One connection (pgward hba explain) ------------------------------------------------

struct ConnectionAttempt {
  ConnectionKind kind = ConnectionKind::kTcpPlaintext;
  std::optional<IpAddress> address;  // TCP connections
  std::string database;
  std::string user;
  // Roles the user is a member of, directly or through other roles (not through superuser):
  // what +group and samerole test.
  std::vector<std::string> member_of;
  bool replication = false;  // a physical replication connection (walsender, no database)
};

// Why one record does not match the connection, or that it does.
struct RecordVerdict {
  size_t rule_index = 0;  // in HbaFile::rules
  enum class Outcome {
    kMatches,
    kNotLoaded,     // the record has an error: the server would refuse to load the file
    kWrongType,     // connection type (local, hostssl, ...) does not apply
    kWrongAddress,  // client address not covered
    kMaybeAddress,  // host name or samehost/samenet: cannot be decided offline
    kWrongDatabase,
    kWrongUser,
  } outcome = Outcome::kMatches;
  std::string reason;
};

struct Explanation {
  // The first record that matches, if any: without one the server rejects the connection.
  std::optional<size_t> matched;
  // Every record before the match (or every record without one), with why it was passed over.
  std::vector<RecordVerdict> verdicts;
  // Records whose match depends on DNS or the server's interfaces, before `matched`: when one
  // of them does match, it is the server's choice instead.
  std::vector<size_t> undecided;
  bool file_loads = true;  // false: some record has an error; the server keeps its old rules
};

// check_role for one token of a role field: whether `token` admits the role `role`, a member of
// the groups `member_of` (pg_hba.conf's user field; pg_ident.conf's PG-USERNAME from 16).
bool RoleMatches(const Token& token, std::string_view role,
                 const std::vector<std::string>& member_of);

Explanation ExplainConnection(const HbaFile& file, const ConnectionAttempt& attempt,
                              const LocalNetworks& local_networks, int pg_version);

// ---- Every connection (the access map) ----------------------------------------------------

// Where one record can be the first match for some database and user.
struct RecordAccess {
  size_t rule_index = 0;
  bool definite_address = true;  // false: host name, samehost/samenet, non-prefix netmask
  std::string symbolic_label;    // for those: what the record names ("samenet", a host name)
  // Per connection kind, the address ranges (IPv4 and IPv6; [0,0] of family v4 for local)
  // from which this record is the first match for at least one database and user.
  std::vector<std::pair<ConnectionKind, IpRange>> reachable;
  // For symbolic records: the kinds for which they are not shadowed.
  std::vector<ConnectionKind> symbolic_reachable;
  bool shadowed = false;
  std::vector<size_t> shadowed_by;  // earlier records that cover it (rule indexes)
  // hostssl records: the parts of their range where a plaintext connection for their
  // databases and users is not refused by an explicit reject record.
  std::vector<IpRange> plaintext_not_rejected;
  // For a symbolic hostssl record: whether some address it may name is not refused so.
  bool plaintext_not_rejected_symbolic = false;
  // Records naming the replication keyword: where a plaintext physical replication connection
  // (which only that keyword matches) can have them as its first match; for a symbolic record,
  // whether one can somewhere. A record that names other databases too can be reachable for
  // them alone.
  bool names_replication = false;
  std::vector<IpRange> replication_plaintext;
  bool replication_plaintext_symbolic = false;
};

// One range of the partition of a connection kind's address space, and the records that can be
// the first match there, in file order.
struct AccessRange {
  ConnectionKind kind = ConnectionKind::kTcpPlaintext;
  std::optional<IpRange> range;      // absent: a symbolic record's own entry
  std::string label;                 // the range as text, or the symbolic address
  std::vector<size_t> rules;         // rule indexes
  bool ends_with_catch_all = false;  // the last record matches all databases and all users
};

struct AccessMap {
  std::vector<RecordAccess> records;  // one per valid record, in file order
  std::vector<AccessRange> ranges;    // by kind, then address; symbolic entries last
  bool file_loads = true;
};

// Cost: about O(N log N) for N records with short database and user lists.
AccessMap AnalyzeAccess(const HbaFile& file, const LocalNetworks& local_networks);

}  // namespace pgward::hba
