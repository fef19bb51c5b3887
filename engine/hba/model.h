#pragma once

// The typed model of a pg_hba.conf file as PostgreSQL reads it (hba.c: TokenizedAuthLine,
// HbaLine). One HbaRule is one row of the pg_hba_file_rules view: a valid rule, a rule the
// server keeps but flags (hostssl with SSL off), or an error row. Bad input is never an
// exception: it is an `error` on the row, or an HbaFile::read_error for the top-level file.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/model/ip.h"

namespace pgward::hba {

// Where a record starts: the file it was read from (the top-level path as given, included
// files as the server builds their absolute path) and its first physical line. The records of
// a file share one immutable path (a large file has a record per line): copies of rules and
// files share it too, and keep it alive. Never null in the rules the parser or the view makes.
struct SourceLocation {
  std::shared_ptr<const std::string> file;
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
  Token() = default;
  // For TokenList::emplace_back: the text is copied once, into its place in the list.
  Token(std::string_view text, bool quoted, bool regex = false)
      : text(text), quoted(quoted), regex(regex) {}

  std::string text;
  bool quoted = false;
  bool regex = false;

  bool IsKeyword(std::string_view keyword) const { return !quoted && text == keyword; }
  bool IsGroupMembership() const { return !quoted && !text.empty() && text.front() == '+'; }
};

// The names of a database or role field, in order. Nearly every rule has a single name per
// field, which is kept inline: a large file would otherwise pay two allocations per rule.
class TokenList {
 public:
  TokenList() = default;
  TokenList(const TokenList&) = default;
  TokenList& operator=(const TokenList&) = default;
  // A moved-from list is empty, like a moved-from vector (not one moved-from name).
  TokenList(TokenList&& other) noexcept : tokens_(std::exchange(other.tokens_, {})) {}
  TokenList& operator=(TokenList&& other) noexcept {
    tokens_ = std::exchange(other.tokens_, {});
    return *this;
  }

  // Room for `count` names; more than one are kept together on the heap.
  void reserve(std::size_t count) {
    if (count <= 1) return;
    if (auto* many = std::get_if<std::vector<Token>>(&tokens_)) {
      many->reserve(count);
      return;
    }
    Token first = std::move(std::get<Token>(tokens_));
    std::vector<Token>& many = tokens_.emplace<std::vector<Token>>();
    many.reserve(count);
    many.push_back(std::move(first));
  }

  // Appends a name built from `args` (Token's constructor arguments) in its place: a short
  // string moved would be copied again.
  template <typename... Args>
  Token& emplace_back(Args&&... args) {
    if (std::holds_alternative<Token>(tokens_)) reserve(2);
    std::vector<Token>& many = std::get<std::vector<Token>>(tokens_);
    if (many.capacity() == 0) return tokens_.emplace<Token>(std::forward<Args>(args)...);
    return many.emplace_back(std::forward<Args>(args)...);
  }

  std::size_t size() const {
    const auto* many = std::get_if<std::vector<Token>>(&tokens_);
    return many != nullptr ? many->size() : 1;
  }
  bool empty() const { return size() == 0; }

  const Token* begin() const { return data(); }
  const Token* end() const { return data() + size(); }
  Token* begin() { return const_cast<Token*>(data()); }
  Token* end() { return begin() + size(); }
  const Token& front() const { return *data(); }
  const Token& operator[](std::size_t index) const { return data()[index]; }

 private:
  const Token* data() const {
    const auto* many = std::get_if<std::vector<Token>>(&tokens_);
    return many != nullptr ? many->data() : &std::get<Token>(tokens_);
  }

  std::variant<std::vector<Token>, Token> tokens_;
};

// A numeric address with its mask, as getaddrinfo(AI_NUMERICHOST) parsed it. The address is
// kept unmasked, like the server (10.0.0.1/8 stays 10.0.0.1 with mask 255.0.0.0).
struct IpNetwork {
  IpAddress address;
  IpAddress mask;                    // of the address's family
  std::optional<int> prefix_length;  // set for the CIDR form; nullopt for "address netmask"
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

// clientcert: whether a hostssl line asks for a client certificate, and checks its name.
enum class ClientCert { kOff, kVerifyCa, kVerifyFull };

// "verify-ca", "verify-full"; "off" for none (the view then shows no clientcert option).
std::string_view ClientCertName(ClientCert clientcert);
std::optional<ClientCert> ParseClientCertName(std::string_view name);

struct Option {
  Option() = default;
  // For emplace_back: the texts are copied once, into their place in the list.
  Option(std::string_view name, std::string_view value) : name(name), value(value) {}

  std::string name;
  std::string value;
};

struct HbaRule {
  // Provided, so that a new rule (rules.emplace_back(), once per line) gets its members
  // initialized one by one, not the whole object cleared with a block store first.
  HbaRule() {}

  SourceLocation location;
  // Numbering of the rows without error, as pg_hba_file_rules shows it from PostgreSQL 16.
  std::optional<int> rule_number;

  // False when the server has no parsed line for this row (error rows, and the rows of
  // options hba.c rejects without an error message); the fields below are then empty.
  bool parsed = false;
  ConnectionType type = ConnectionType::kLocal;
  TokenList databases;
  TokenList users;
  Address address;
  AuthMethod method = AuthMethod::kReject;
  // The options that decide who gets in, typed (implied ones included: cert asks for
  // verify-full).
  ClientCert clientcert = ClientCert::kOff;
  std::optional<std::string> usermap;  // map=, for cert, gss, sspi, ident and peer
  // clientname=DN (14+): the certificate's subject DN, not its CN, is its name for the role
  // and the map.
  bool clientname_dn = false;
  // Every effective option as the view shows it (get_hba_options), in its order, including the
  // implied ones: clientcert=verify-full for cert, include_realm=true for gss, ldapscope=2 for
  // ldap.
  std::vector<Option> options;

  std::optional<std::string> error;
};

// The top-level file could not be read: no row at all, like the server's ERROR.
struct FileReadError {
  std::string path;
  std::string message;  // strerror text
};

// A file the hba file names (include, include_if_exists, include_dir, @file) that pgward did not
// open because it lies outside the include root: its row carries an error saying so.
struct RefusedReference {
  SourceLocation location;  // the line that names it
  std::string path;         // the path the server would open
};

struct HbaFile {
  std::string path;
  std::vector<HbaRule> rules;
  // The top-level file could not be read (or was refused): no rows, evidence is missing.
  std::optional<FileReadError> read_error;
  // References refused by the include root; each also has its error row.
  std::vector<RefusedReference> refused;
  // The input is not one pgward reads: a device, FIFO or socket, or past a read limit. No rows
  // are kept; this is an input error, not a finding.
  std::optional<std::string> input_error;
};

}  // namespace pgward::hba
