#pragma once

// `pgward hba explain`: which pg_hba.conf record the server would use for one connection.

#include <iosfwd>
#include <string>
#include <vector>

#include "engine/hba/parser.h"

namespace pgward::cli {

struct HbaExplainOptions {
  std::string file;
  int pg_version = 17;
  hba::FileAccess access;  // --include-root, --path-map, the read limits
  enum class Format { kText, kJson } format = Format::kText;
  std::string address;  // TCP client address; empty with --local
  bool local = false;
  bool ssl = false;
  bool gssenc = false;
  std::string user;
  std::string database;
  std::vector<std::string> member_of;
  bool replication = false;
  std::vector<std::string> local_networks;  // CIDRs for samehost/samenet
};

// 0 when the file was read (a connection that matches nothing is an answer: implicit reject);
// 2 for an unreadable file or inconsistent options.
int RunHbaExplain(const HbaExplainOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
