#pragma once

// The typed model of a pg_hba.conf file as PostgreSQL reads it (hba.c: TokenizedAuthLine,
// HbaLine). One HbaRule is one row of the pg_hba_file_rules view: a valid rule, a rule the
// server keeps but flags (hostssl with SSL off), or an error row. Bad input is never an
// exception: it is an `error` on the row, or an HbaFile::read_error for the top-level file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pgward::hba {

// Where a record starts: the file it was read from (the top-level path as given, included
// files as the server builds their absolute path) and its first physical line.
struct SourceLocation {
  std::string file;
  int line = 0;
};

enum class ConnectionType { kLocal, kHost, kHostSsl, kHostNoSsl, kHostGssEnc, kHostNoGssEnc };

// The keyword as written in pg_hba.conf and shown in the view's `type` column.
std::string_view ConnectionTypeName(ConnectionType type);

// One database or role name. `quoted` is the server's notion: a double quote was seen before
// the first character, so the token can never be a keyword (`all`, `+group`, `sameuser`...).
// `regex` is set when the server compiles the token as a regular expression (PostgreSQL 16+,
// any token starting with '/', quoted or not: regcomp_auth_token only looks at the first byte).
struct Token {
  std::string text;
  bool quoted = false;
  bool regex = false;

  bool IsKeyword(std::string_view keyword) const { return !quoted && text == keyword; }
  bool IsGroupMembership() const { return !quoted && !text.empty() && text.front() == '+'; }
};

enum class AddressFamily { kIpv4, kIpv6 };

// A numeric address with its mask, as getaddrinfo(AI_NUMERICHOST) parsed it. The address is
// kept unmasked, like the server (10.0.0.1/8 stays 10.0.0.1 with mask 255.0.0.0).
struct IpNetwork {
  AddressFamily family = AddressFamily::kIpv4;
  std::array<std::uint8_t, 16> address{};  // network byte order; 4 bytes used for IPv4
  std::array<std::uint8_t, 16> mask{};
  std::optional<int> prefix_length;  // set for the CIDR form; nullopt for "address netmask"
  std::string text;                  // the address token as written
};

enum class SymbolicAddressKind {
  kAll,             // unquoted `all`
  kSameHost,        // unquoted `samehost`
  kSameNet,         // unquoted `samenet`
  kHostName,        // anything getaddrinfo(AI_NUMERICHOST) rejects with EAI_NONAME
  kHostNameSuffix,  // a host name starting with '.', matched as a suffix
};

struct SymbolicAddress {
  SymbolicAddressKind kind = SymbolicAddressKind::kAll;
  std::string text;  // the token as the view shows it
};

// `local` rules have no address (std::monostate).
using Address = std::variant<std::monostate, IpNetwork, SymbolicAddress>;

enum class AuthMethod {
  kTrust,
  kReject,
  kMd5,
  kPassword,
  kScramSha256,
  kGss,
  kSspi,
  kIdent,
  kPeer,
  kPam,
  kLdap,
  kRadius,
  kCert,
  kBsd,
  kOAuth,  // PostgreSQL 18+
};

// The name the server shows in `auth_method` (hba_authname).
std::string_view AuthMethodName(AuthMethod method);

struct Option {
  std::string name;
  std::string value;
};

struct HbaRule {
  SourceLocation location;
  // Numbering of the rows without error, as pg_hba_file_rules shows it from PostgreSQL 16.
  std::optional<int> rule_number;

  // False when the server has no parsed line for this row (error rows, and the rows of
  // options hba.c rejects without an error message); the fields below are then empty.
  bool parsed = false;
  ConnectionType type = ConnectionType::kLocal;
  std::vector<Token> databases;
  std::vector<Token> users;
  Address address;
  AuthMethod method = AuthMethod::kReject;
  // The effective options in the view's order (get_hba_options), including the implied ones:
  // clientcert=verify-full for cert, include_realm=true for gss, ldapscope=2 for ldap.
  std::vector<Option> options;

  std::optional<std::string> error;
};

// The top-level file could not be read: no row at all, like the server's ERROR.
struct FileReadError {
  std::string path;
  std::string message;  // strerror text
};

struct HbaFile {
  std::string path;
  std::vector<HbaRule> rules;
  std::optional<FileReadError> read_error;
};

}  // namespace pgward::hba
