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
  // For a field that needs a privilege to read, or that older snapshots lack: what would give
  // it, said where it is missing (a snapshot keeps what its role could read, and a later scan
  // of it only sees the absence).
  std::string_view how_to_collect = "";
  // For a list of addresses, ranges or names that says how far a problem reaches (where
  // plaintext gets in): a value a baseline's finding did not reach makes the finding worse,
  // though its fingerprint, which leaves volatile fields out, stays the same.
  bool reach = false;
};

// The kinds of facts policies range over (a rule's `target`). The order is the column order
// of reports and the order in which facts are evaluated.
enum class FactKind {
  kConnection,       // a live session: a client's, or a replication sender's (walsender)
  kServer,           // a server's settings and the scanner's own connection
  kCertificate,      // a certificate of a server's chain, from the TLS probe
  kProbeProtocol,    // a protocol version the TLS probe tried
  kProbeCipher,      // a cipher suite the TLS probe saw accepted
  kHbaRule,          // a pg_hba.conf record (from a file or the server's pg_hba_file_rules)
  kHbaAccess,        // a range of the first-match access map
  kLogSession,       // sessions a server log shows authorized, grouped by who and how
  kLogFailure,       // failed connection attempts a server log shows, grouped by kind and who
  kReplicationLink,  // a server's own connection to a server it replicates from
  kLogReload,        // a configuration a server log shows the server failed to reload
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

// The one declaration of every fact type and field, in the header so that FieldOf can check a
// field's name when the program is compiled. docs/policy-language.md documents it and a test
// keeps the two in step.
namespace internal {

using enum FieldType;

inline constexpr FieldSpec kConnectionFields[] = {
    {"server", kString, "name of the server (target) the session is on"},
    {"pid", kInteger, "backend process id", true},
    {"user", kString, "role name (pg_stat_activity.usename)"},
    {"database", kString, "database name (pg_stat_activity.datname)"},
    {"application_name", kString, "application_name the client set"},
    {"client_addr", kAddress, "client address; absent for Unix-socket sessions"},
    {"local", kBool,
     "connected over a Unix socket (client_addr absent, with the privilege "
     "to see it)"},
    {"ssl", kBool, "the session uses TLS (pg_stat_ssl.ssl)"},
    {"tls_version", kTlsVersion, "negotiated protocol version (pg_stat_ssl.version)"},
    {"cipher", kString, "negotiated cipher suite, OpenSSL name (pg_stat_ssl.cipher)"},
    {"bits", kInteger, "symmetric key length in bits (pg_stat_ssl.bits)"},
    {"compression", kBool,
     "TLS compression is on (pg_stat_ssl.compression, PostgreSQL 13 and older; CRIME)"},
    {"client_dn", kString, "client certificate subject, absent without one"},
    {"client_serial", kString, "client certificate serial number"},
    {"issuer_dn", kString, "client certificate issuer"},
    {"client_revoked", kBool,
     "the revocation list of the client certificate's issuer (--crl-file) revokes it; absent "
     "without a client certificate or a list of its issuer",
     true},
    {"gss_authenticated", kBool, "authenticated with GSSAPI (pg_stat_gssapi)"},
    {"gss_encrypted", kBool, "the session uses GSSAPI encryption (pg_stat_gssapi)"},
    {"gss_principal", kString, "GSSAPI principal"},
    {"encrypted", kBool, "encrypted by TLS or by GSSAPI"},
    {"superuser", kBool, "the role is a superuser (pg_roles.rolsuper)"},
    {"replication", kBool, "the role has the REPLICATION attribute"},
    // Left out of fingerprints: the rules that judge a session's transport keep to one kind, so
    // their ids tell the kinds apart, and a client session's findings keep the fingerprints they
    // had before replication senders were collected. The certificate rules (PGW-CONN-005, 007)
    // judge every kind: a client and a walsender alike in every other field fold into one.
    {"session_kind", kString,
     "client (a client backend), physical_replication (a walsender without a database: a "
     "streaming standby or a base backup) or logical_replication (a walsender connected to a "
     "database: a subscription or logical decoding client)",
     true},
    {"replication_state", kString,
     "replication sessions: pg_stat_replication.state (startup, catchup, streaming, backup or "
     "stopping)",
     true},
};

// Snapshots written before pgward recorded its own login lack these fields.
inline constexpr std::string_view kCollectScannerLoginAgain =
    "snapshots written before pgward recorded its own login lack them: collect again";

inline constexpr FieldSpec kServerFields[] = {
    {"server", kString, "name of the server (target)"},
    {"host", kString, "host the scanner connected to"},
    {"port", kInteger, "server port"},
    {"version", kInteger, "server_version_num, e.g. 150018"},
    {"ssl", kBool, "the ssl setting"},
    {"ssl_min_protocol_version", kTlsVersion, "ssl_min_protocol_version; absent when unset"},
    {"ssl_max_protocol_version", kTlsVersion, "ssl_max_protocol_version; absent when unset"},
    {"ssl_ciphers", kString, "the ssl_ciphers setting, as configured"},
    {"ssl_ciphers_expanded", kStringList,
     "the TLS 1.2-and-older suites OpenSSL enables for ssl_ciphers on this machine"},
    // Left out of fingerprints, as later settings should be: a server's findings keep the
    // fingerprints they had before pgward read it.
    {"ssl_tls13_ciphers", kString,
     "ssl_tls13_ciphers (18+): the TLS 1.3 suites, colon-separated; empty: OpenSSL's defaults; "
     "absent before 18, whose TLS 1.3 suites no setting governs",
     true},
    {"ssl_cert_file", kString, "ssl_cert_file"},
    {"ssl_ca_file", kString, "ssl_ca_file; empty when client certificates cannot be verified"},
    {"ssl_crl_file", kString, "ssl_crl_file"},
    {"ssl_crl_dir", kString, "ssl_crl_dir (14+); empty before 14, which has no such setting"},
    {"ssl_groups", kStringList,
     "key-exchange groups the server offers: ssl_groups (18+), ssl_ecdh_curve before; OpenSSL's "
     "? and * marks removed, groups excluded with - left out"},
    {"password_encryption", kString, "password_encryption (md5 or scram-sha-256)"},
    {"md5_password_roles", kStringList,
     "roles, whether they may log in or not, whose stored password is no SCRAM-SHA-256 verifier: "
     "an md5 hash (or plain text, before PostgreSQL 10); read from pg_authid (a superuser, or a "
     "role granted its rolname and rolpassword columns), absent when not read",
     true,
     "pg_authid.rolpassword is readable by superusers only: collect as a superuser, or GRANT "
     "SELECT (rolname, rolpassword) ON pg_catalog.pg_authid TO the scanning role"},
    {"listen_addresses", kString, "listen_addresses"},
    {"log_connections", kBool, "log_connections"},
    {"log_disconnections", kBool, "log_disconnections"},
    {"hba_file", kString, "path of the server's pg_hba.conf"},
    {"scanner_ssl", kBool, "the scanner's own connection uses TLS"},
    {"scanner_tls_version", kTlsVersion, "protocol version of the scanner's own connection"},
    {"scanner_verified", kBool,
     "the scanner verified the server certificate (sslmode verify-ca or verify-full)"},
    // Left out of fingerprints, as later fields should be: a server's findings keep the
    // fingerprints they had before pgward recorded its own login.
    {"scanner_password", kBool,
     "the server asked the scanner's connection for a password (md5, scram-sha-256 or password)",
     true, kCollectScannerLoginAgain},
    {"scanner_channel_binding", kString,
     "channel_binding of the scanner's connection as configured (libpq's default prefer): with "
     "require, libpq connects only when the SCRAM exchange was bound to the TLS channel",
     true, kCollectScannerLoginAgain},
    {"scanner_require_auth", kString,
     "require_auth of the scanner's connection: the authentication methods it accepts from the "
     "server (libpq 16 and later); absent when not set",
     true},
    {"direct_tls", kBool,
     "the TLS probe completed a handshake begun directly (sslnegotiation=direct, ALPN "
     "postgresql), which PostgreSQL 17 and later take with ssl on; false before 17, which has "
     "none; absent when not probed, or when the direct attempt ended in a timeout or a network "
     "error",
     true, "collect or scan with --probe, over TCP"},
    {"require_direct_tls", kBool,
     "the inventory asks the server to take TLS begun directly (require_direct_tls: true), as "
     "clients with sslnegotiation=direct need; false for targets that do not ask, and in "
     "snapshots written before pgward read the key (no inventory could ask then)",
     true},
};

inline constexpr FieldSpec kCertificateFields[] = {
    {"server", kString, "name of the server (target)"},
    {"depth", kInteger, "position in the chain the server sent: 0 is the server's own"},
    {"subject", kString, "subject distinguished name"},
    {"issuer", kString, "issuer distinguished name"},
    {"serial", kString, "serial number, hexadecimal"},
    {"sans", kStringList, "subject alternative names (DNS: and IP: entries)"},
    {"not_before", kTimestamp, "start of validity"},
    {"not_after", kTimestamp, "end of validity"},
    {"days_to_expiry", kInteger, "whole days from the scan to not_after (negative: expired)", true},
    {"key_type", kString, "public key algorithm: RSA, EC, ED25519, ..."},
    {"key_bits", kInteger, "public key size in bits"},
    {"signature_algorithm", kString, "signature algorithm, e.g. sha256WithRSAEncryption"},
    {"self_signed", kBool, "issuer and subject are the same and the signature verifies"},
    {"chain_verified", kBool, "the chain verifies against the CA file or the system store"},
    {"hostname_match", kBool,
     "the certificate names the host that was probed (depth 0 only; absent for the others)"},
    // From --crl-file: the lists change while the certificate stays the same.
    {"revoked", kBool,
     "the revocation list of its issuer (--crl-file) revokes it; absent without a list of that "
     "issuer",
     true},
};

inline constexpr FieldSpec kProbeProtocolFields[] = {
    {"server", kString, "name of the server (target)"},
    {"version", kTlsVersion, "the protocol version offered alone"},
    {"accepted", kBool, "the server completed a handshake at this version"},
    {"configured", kBool,
     "ssl and ssl_min/max_protocol_version admit this version; absent when the settings are "
     "unknown"},
    {"ciphers", kStringList,
     "the suites the server accepted at this version (OpenSSL names), one probe_cipher fact "
     "each"},
};

inline constexpr FieldSpec kProbeCipherFields[] = {
    {"server", kString, "name of the server (target)"},
    {"version", kTlsVersion, "protocol version of the handshake"},
    {"cipher", kString, "accepted cipher suite, OpenSSL name"},
    {"bits", kInteger, "symmetric key length in bits"},
    {"configured", kBool,
     "the setting that governs the suite admits it: ssl_ciphers (TLS 1.2 and older, as OpenSSL "
     "on the scanning machine expands it) or ssl_tls13_ciphers (TLS 1.3, 18+, when set); absent "
     "for TLS 1.3 suites no setting governs (before 18, or ssl_tls13_ciphers empty: OpenSSL's "
     "defaults) and when the settings are unknown"},
    {"setting", kString, "with configured: ssl_ciphers or ssl_tls13_ciphers", true},
};

inline constexpr FieldSpec kHbaRuleFields[] = {
    {"file", kString, "file the record was read from"},
    {"line", kInteger, "line number of the record's first line", true},
    {"rule_number", kInteger, "position among the valid rules (PostgreSQL 16+ numbering)", true},
    {"type", kString, "local, host, hostssl, hostnossl, hostgssenc or hostnogssenc"},
    {"databases", kStringList,
     "database field: keywords bare (all, sameuser, replication), names that were quoted to "
     "avoid a keyword in double quotes (\"all\"), regular expressions with their / (before "
     "PostgreSQL 16, where there are none, a name that begins with / is in double quotes)"},
    {"users", kStringList, "user field, written like databases (+group for memberships)"},
    {"address", kString, "address field as the view shows it; absent for local"},
    {"netmask", kString, "netmask as the view shows it"},
    {"network", kString,
     "what the line admits, as written in reports: 10.0.0.0/8, all, samenet, db.example.com "
     "(address/netmask for a netmask that is not a prefix); absent for local"},
    {"address_kind", kString,
     "cidr (an address with a prefix or netmask), all, samehost, samenet, hostname, "
     "hostname_suffix; absent for local"},
    {"address_family", kString, "ipv4 or ipv6 for cidr addresses"},
    {"address_range", kRange, "the addresses a cidr or address/netmask rule covers"},
    {"prefix_length", kInteger, "prefix length of a cidr rule (contiguous netmask)"},
    {"method", kString, "authentication method"},
    {"options", kStringList, "options as name=value, secrets masked"},
    {"clientcert", kString, "verify-ca or verify-full; absent when not required"},
    {"error", kString, "why the server would refuse to load this record"},
    // Volatile: a server's upgrade changes how a record is judged (a variant of its rule), not
    // which record and problem a finding is about.
    {"pg_version", kInteger,
     "PostgreSQL major version the record is read as: the server's, or scan --pg-version "
     "(default 17) for a file",
     true},
    // What the other records make of this one: they change when another line does, while the
    // record and its problem stay the same, so they are volatile (a finding keeps its
    // fingerprint when an unrelated line is added).
    {"shadowed", kBool, "no connection can ever have this record as its first match", true},
    {"shadowed_by", kStringList, "file:line of the earlier records that shadow it", true},
    {"reachable_plaintext_from", kStringList,
     "ranges (or symbolic addresses) from which a plaintext TCP connection can have this record "
     "as its first match",
     true, "", true},
    {"plaintext_not_rejected", kStringList,
     "hostssl records: ranges of theirs where a plaintext connection for their databases and "
     "users is not refused by an explicit reject record",
     true, "", true},
    {"replication_plaintext_from", kStringList,
     "records naming the replication keyword: ranges (or symbolic addresses) from which a "
     "plaintext physical replication connection can have this record as its first match",
     true, "", true},
    // Who a client certificate logs in as (cert lines, and clientcert=verify-full on any
    // method): the lists come from the pg_ident.conf and the server's roles, which change while
    // the record stays the same, so they are volatile; the map's name is in `options` already,
    // which keeps the fingerprints of every record what they were before these fields.
    {"certificate_map", kString,
     "records that check a client certificate's name through a pg_ident.conf map (map= on "
     "cert, or on gss, sspi or ident with clientcert=verify-full): the map's name",
     true},
    {"certificate_map_privileged", kStringList,
     "with certificate_map: the privileged roles (superusers, replication roles and those that "
     "can become one) the line admits and a certificate of a name nobody chose for them logs in "
     "as through the map, each with the pg_ident.conf line that lets it; absent when the maps "
     "in force are not known (no pg_ident.conf read, or one the server refuses)",
     true},
    {"certificate_name_privileged", kStringList,
     "records where a client certificate is the only credential (cert, or trust with "
     "clientcert=verify-full): the privileged roles the line admits that a certificate named "
     "after them logs in as (without a map its name must be the role; with one, through a "
     "pg_ident.conf line whose \\1 makes the role of the name, named with that line); absent "
     "with a map whose lines are not known",
     true},
    {"log_authenticated", kInteger,
     "connections the server log shows this record authenticated in its window (`connection "
     "authenticated`, PostgreSQL 14+); absent without a log that names the file (by its name) "
     "in such lines",
     true},
};

inline constexpr FieldSpec kHbaAccessFields[] = {
    {"file", kString, "pg_hba.conf file (or server) the access map is for"},
    {"connection", kString, "local, tcp_plaintext, tcp_tls or tcp_gssenc"},
    {"range", kRange, "client address range (absent for local and symbolic addresses)"},
    {"range_label", kString, "the range as text, or the symbolic address (samenet, host name)"},
    {"rule_file", kString, "file of a record that can be the first match; absent: none can"},
    {"rule_line", kInteger, "line of that record", true},
    {"method", kString, "authentication method of that record"},
    {"databases", kStringList, "databases it matches"},
    {"users", kStringList, "users it matches"},
    {"reachable", kBool, "some connection from this range can have it as first match"},
    {"catch_all", kBool, "it matches every database and user: later records are unreachable"},
    {"first_in_range", kBool, "the first row of its range: one row per range has it"},
    {"range_methods", kStringList,
     "methods of every record that can be the first match in the range, then 'implicit-reject' "
     "when some connections match no record"},
};

// Server logs (`scan --server-log`, inventory `server_logs`): evidence over the period a log
// covers. Rows group what agrees on every non-volatile field, with a count and the times.
inline constexpr FieldSpec kLogSessionFields[] = {
    {"log", kString, "the server log: the file, or target:file for an inventory's server_logs"},
    {"transport", kString,
     "local, tcp_plaintext, tcp_tls or tcp_gssenc; absent when the log does not tell: a session "
     "without TLS whose client it does not say (no `connection received` line, no client in the "
     "prefix), or one whose application name imitates the TLS or GSS text the server writes "
     "after it"},
    {"replication", kBool, "a replication connection (walsender)"},
    {"tls_version", kTlsVersion, "negotiated protocol (TLS sessions)"},
    {"cipher", kString, "negotiated cipher suite, OpenSSL name (TLS sessions)"},
    {"bits", kInteger, "symmetric key length in bits (TLS sessions)"},
    {"user", kString, "role name"},
    {"database", kString, "database name (absent for physical replication)"},
    {"client", kString, "client address or host name; [local] for the Unix socket"},
    {"application_name", kString, "application_name, when the log says it"},
    {"sessions", kInteger, "sessions of this group authorized in the log's window", true},
    {"first_seen", kTimestamp, "the first of them (absent when the log's zone is not known)", true},
    {"last_seen", kTimestamp, "the last of them", true},
};

inline constexpr FieldSpec kLogFailureFields[] = {
    {"log", kString, "the server log: the file, or target:file for an inventory's server_logs"},
    {"failure", kString,
     "client_certificate_required, certificate_authentication, ssl_handshake, "
     "hba_reject_no_encryption, hba_reject, no_hba_entry or password_authentication"},
    {"user", kString, "role name, when the log says it"},
    {"database", kString, "database name, when the log says it"},
    {"client", kString, "client address or host name, when the log says it"},
    {"application_name", kString, "application_name, when the log says it"},
    {"reason", kString, "ssl_handshake: why OpenSSL refused the handshake"},
    {"attempts", kInteger, "attempts of this group in the log's window", true},
    {"first_seen", kTimestamp, "the first of them (absent when the log's zone is not known)", true},
    {"last_seen", kTimestamp, "the last of them", true},
};

// What a reload (SIGHUP, pg_reload_conf()) failed to apply: PostgreSQL then keeps running the
// configuration it had, while pg_settings, pg_hba_file_rules and the files show the new one.
inline constexpr FieldSpec kLogReloadFields[] = {
    {"log", kString, "the server log: the file, or target:file for an inventory's server_logs"},
    {"configuration", kString,
     "what was not reloaded, as the server names it: SSL configuration, pg_hba.conf or "
     "pg_ident.conf (13 to 15), or the file's path (16+)"},
    {"outdated", kBool,
     "a reload failed for it and no reload or start has certainly applied it since: the server "
     "runs an older configuration than its settings and files say; absent when not known (a "
     "reload or start after it that a client could have written: docs/security.md)"},
    {"failed_reloads", kInteger, "reloads that failed for it in the log's window", true},
    {"first_failed", kTimestamp,
     "the first of them (absent when the log's zone is not known, or when it failed only before "
     "the window: before --since, or in what a previous scheduled run read)",
     true},
    {"last_failed", kTimestamp,
     "the last time it failed: in the window, before it, or in a previous scheduled run", true},
};

// A standby's WAL receiver and a subscriber's subscriptions: the connections that bring data in,
// judged by the parameters they connect with (never the connection string, which a
// subscription keeps its password in).
inline constexpr FieldSpec kReplicationLinkFields[] = {
    {"server", kString, "name of the server (target) that connects: the standby or subscriber"},
    {"kind", kString,
     "standby (its WAL receiver, pg_stat_wal_receiver) or subscription (pg_subscription)"},
    {"name", kString,
     "where the connection is configured: primary_conninfo for a standby, the subscription's "
     "name for a subscription"},
    {"database", kString, "the subscription's database; absent for a standby"},
    {"enabled", kBool, "the subscription is enabled; absent for a standby (its receiver runs)"},
    {"host", kString, "host (or hostaddr) the connection string names"},
    {"port", kString, "port the connection string names"},
    {"sslmode", kString,
     "sslmode it connects with: the connection string's, else libpq's default prefer; absent when "
     "the string is unreadable or cannot be parsed, or leaves it to a service file"},
    {"channel_binding", kString,
     "channel_binding it connects with, read as sslmode is (libpq's default: prefer, disable "
     "before 13)"},
    // Left out of fingerprints: a link's findings keep the ones they had before it was read.
    {"require_auth", kString,
     "require_auth of the connection string (a standby or subscriber of 16 and later): the "
     "authentication methods it accepts from the upstream; absent when not set, or left to a "
     "service file",
     true},
};

inline constexpr FactTypeSpec kFactTypes[] = {
    {FactKind::kConnection, "connection",
     "a live session (pg_stat_activity, pg_stat_ssl, pg_stat_gssapi, pg_stat_replication, "
     "pg_roles): a client's, or a replication sender's (walsender)",
     kConnectionFields, "server"},
    {FactKind::kServer, "server", "a server's TLS and authentication settings", kServerFields,
     "server"},
    {FactKind::kCertificate, "certificate", "a certificate the server presented to the TLS probe",
     kCertificateFields, "server"},
    {FactKind::kProbeProtocol, "probe_protocol", "a protocol version tried by the TLS probe",
     kProbeProtocolFields, "server"},
    {FactKind::kProbeCipher, "probe_cipher", "a cipher suite the server accepted in the TLS probe",
     kProbeCipherFields, "server"},
    {FactKind::kHbaRule, "hba_rule", "a pg_hba.conf record", kHbaRuleFields, "file"},
    {FactKind::kHbaAccess, "hba_access", "a range of the first-match access map", kHbaAccessFields,
     "file"},
    {FactKind::kLogSession, "log_session", "sessions a server log shows authorized",
     kLogSessionFields, "log"},
    {FactKind::kLogFailure, "log_failure", "failed connection attempts a server log shows",
     kLogFailureFields, "log"},
    {FactKind::kReplicationLink, "replication_link",
     "a standby's or subscriber's connection to the server it replicates from",
     kReplicationLinkFields, "server"},
    {FactKind::kLogReload, "log_reload",
     "a configuration a server log shows the server failed to reload", kLogReloadFields, "log"},
};

}  // namespace internal

// A field of the fact type `kind`: its column index in a FactTable of that kind.
template <FactKind kind>
struct FieldHandle {
  size_t index;
  constexpr operator size_t() const { return index; }  // NOLINT: a column index by design
};

// The field `name` of the fact type `kind`, looked up when the program is compiled: a misspelt
// name is not a constant expression, so it does not build.
//   constexpr auto kUser = FieldOf<FactKind::kConnection>("user");
template <FactKind kind>
consteval FieldHandle<kind> FieldOf(std::string_view name) {
  const std::span<const FieldSpec> fields = internal::kFactTypes[static_cast<size_t>(kind)].fields;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return {i};
  }
  throw "no such field in this fact type";
}

std::span<const FactTypeSpec> AllFactTypes();
const FactTypeSpec& FactType(FactKind kind);
const FactTypeSpec* FindFactType(std::string_view name);

}  // namespace pgward
