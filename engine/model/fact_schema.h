#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace pgward {

// The types a fact field can have; each has its own predicates in the policy language.
enum class FieldType {
  kString,
  kBool,
  kInteger,
  kTimestamp,   // seconds since the Unix epoch, UTC
  kTlsVersion,  // ordered: TLSv1 < TLSv1.1 < TLSv1.2 < TLSv1.3
  kAddress,     // one IPv4 or IPv6 address
  kRange,       // an inclusive range of addresses of one family
  kStringList,  // ordered list of strings
};

std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string_view name;
  FieldType type;
  std::string_view description;
  // Volatile fields (pids, line numbers, days left) change from run to run while the problem
  // stays the same: they are left out of fingerprints and of the grouping of findings.
  bool is_volatile = false;
};

// The kinds of facts policies range over (a rule's `target`). The order is the column order
// of reports and the order in which facts are evaluated.
enum class FactKind {
  kConnection,     // a live client session
  kServer,         // a server's settings and the scanner's own connection
  kCertificate,    // a certificate of a server's chain, from the TLS probe
  kProbeProtocol,  // a protocol version the TLS probe tried
  kProbeCipher,    // a cipher suite the TLS probe saw accepted
  kHbaRule,        // a pg_hba.conf record (from a file or the server's pg_hba_file_rules)
  kHbaAccess,      // a range of the first-match access map
};

struct FactTypeSpec {
  FactKind kind;
  std::string_view name;  // as written in policies: `target: connection`
  std::string_view description;
  std::span<const FieldSpec> fields;
  // The field naming what a finding is about: the server, or the pg_hba.conf file.
  std::string_view target_field;

  // The field's position in `fields`, the column index of a FactTable.
  std::optional<size_t> FieldIndex(std::string_view field) const;
};

// The one declaration of every fact type and field; docs/policy-language.md documents it and
// a test keeps the two in step.
std::span<const FactTypeSpec> AllFactTypes();
const FactTypeSpec& FactType(FactKind kind);
const FactTypeSpec* FindFactType(std::string_view name);

}  // namespace pgward
