#pragma once

// Waivers: accepted exceptions, each with a justification, an owner and an expiry date.
//
//   apiVersion: pgward/v1
//   kind: Waivers
//   waivers:
//     - rule: PGW-CONN-001
//       match:                    # every key given must match the finding
//         target: db1             # server name or pg_hba.conf path
//         location: pg_hba.conf:12
//         user: legacy_app
//         application_name: old-jdbc
//         client_addr: 10.20.0.0/16
//         fingerprint: 0123abcd...
//       justification: vendor appliance without TLS, replaced in Q1
//       owner: dba-team@example.com
//       expires: 2027-03-31
//
// A waived finding keeps status `waived` and never fails a run. Once expired, the waiver no
// longer applies: the finding fails again, with a note naming the waiver.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/findings/finding.h"
#include "engine/model/ip.h"
#include "engine/policy/loader.h"

namespace pgward::policy {

struct Waiver {
  std::string rule_id;
  std::optional<std::string> target;
  std::optional<std::string> location;  // file:line
  std::optional<std::string> user;
  std::optional<std::string> application_name;
  std::optional<IpRange> client_addr;
  std::optional<std::string> fingerprint;
  std::string justification;
  std::string owner;
  std::string expires;          // YYYY-MM-DD
  std::int64_t expires_at = 0;  // the end of that day, UTC
  std::string source;           // file:line of the waiver
};

struct WaiversLoadResult {
  std::vector<Waiver> waivers;
  std::vector<LoadError> errors;  // nothing is waived from a file with an error
};

// Reads a waivers file; rule ids must be among `known_rules` (a typo waives nothing, silently,
// otherwise).
WaiversLoadResult LoadWaivers(const std::string& path, const std::set<std::string>& known_rules);

// Applies the waivers to failing findings as of `now` (seconds since the epoch) and returns a
// warning for each waiver that matched no finding.
std::vector<std::string> ApplyWaivers(const std::vector<Waiver>& waivers,
                                      std::vector<Finding>& findings, std::int64_t now);

}  // namespace pgward::policy
