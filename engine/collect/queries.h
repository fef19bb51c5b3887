#pragma once

// The fixed SQL pgward sends to a live server, by server version (9.6 to 18). Nothing in it
// comes from user input: the only parameter is a number pgward formats itself.

#include <span>
#include <string>

namespace pgward::collect {

inline constexpr int kOldestSupportedVersion = 90600;

// Columns of the connection query, in order. The CSV import maps `psql --csv` output of the
// documented audit query onto the same columns.
enum ConnectionColumn {
  kPid,
  kUser,
  kDatabase,
  kApplicationName,
  kClientAddr,
  kSsl,
  kTlsVersion,
  kCipher,
  kBits,
  kCompression,
  kClientDn,
  kClientSerial,
  kIssuerDn,
  kGssAuthenticated,
  kGssPrincipal,
  kGssEncrypted,
  kSuperuser,
  kReplication,
  kConnectionColumnCount,
};

// The first batch, one round trip: session settings, then in one read-only transaction
// (one statistics snapshot) three result sets:
//   1. current_user, rolsuper, stats_visible, hba_readable
//   2. name, setting of the settings pgward reads
//   3. the other client sessions, ConnectionColumn order
std::string CollectBatch(int server_version, int statement_timeout_ms);

// The second batch, when pg_hba_file_rules is readable (PostgreSQL 10+): its rows with the
// arrays as JSON: [rule_number, file_name (16+),] line_number, type, database, user_name,
// address, netmask, auth_method, options, error.
std::string HbaRulesBatch(int server_version);

// Settings the first batch asks for and the version that introduced each.
struct SettingSpec {
  const char* name;
  int since_version;
};
std::span<const SettingSpec> CollectedSettings();

}  // namespace pgward::collect
