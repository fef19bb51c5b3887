#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/sandbox/test_pki.h"

namespace pgward::sandbox {

// Roles every sandbox creates. `scanner` holds pg_monitor; `limited_scanner` does not, so the
// privilege checks of the collector can be exercised against the real server.
inline constexpr const char* kSuperuser = "postgres";
inline constexpr const char* kScannerRole = "pgward_scanner";
inline constexpr const char* kLimitedScannerRole = "limited_scanner";
inline constexpr const char* kPlainAppRole = "app_plain";
inline constexpr const char* kTlsAppRole = "app_tls";
inline constexpr const char* kCertOnlyRole = "cert_only";          // hostssl ... cert
inline constexpr const char* kVerifyFullRole = "ops_verify_full";  // clientcert=verify-full

class Sandbox;

struct SandboxOptions {
  // The PostgreSQL major version: 15 is Debian's (PGWARD_PG_BINDIR may point elsewhere); 13, 14,
  // 16, 17 and 18 are the @embedded-postgres builds scripts/install-deps puts in
  // .tools/embedded-pg (OpenSSL 1.1, no GSSAPI, PAM or LDAP).
  int major = 15;
  bool ssl = true;
  // postgresql.conf settings appended after the sandbox's own, e.g. {"ssl_ciphers", "'HIGH'"}.
  // Values are written verbatim, so strings need their single quotes.
  std::map<std::string, std::string> settings;
  // Replaces the default pg_hba.conf (which mixes hostssl, hostnossl and host lines).
  std::optional<std::string> hba_conf;
  // Replaces the default server certificate (CN and DNS name localhost, IP 127.0.0.1, RSA 2048,
  // valid 365 days), e.g. with a short-lived one. The sandbox CA issues it either way.
  std::optional<CertificateSpec> server_certificate;
  // Makes the sandbox a streaming standby of `primary`, of any version: a base backup taken with
  // the low-level backup API over the primary's Unix socket (Debian's pg_basebackup reaches no
  // server newer than 15, and the npm builds have none; no tablespaces, which sandboxes do not
  // make), then started with `primary_conninfo` (libpq keywords, no single quotes). A standby has
  // the primary's settings, certificates (pki() is the primary's, which must outlive it) and roles;
  // the other options are ignored.
  struct Standby {
    const Sandbox* primary = nullptr;
    std::string primary_conninfo;
  };
  std::optional<Standby> standby_of;

  // TLS 1.0 and legacy ciphers accepted: OpenSSL 3 needs security level 0 for either.
  static SandboxOptions legacy_tls();
  static SandboxOptions ssl_off();
};

// A throwaway PostgreSQL cluster (15 unless SandboxOptions::major says otherwise) on a free port of
// 127.0.0.1, with its own CA, server and client certificates. initdb runs as the `postgres` OS user
// when the process is root. The destructor stops the server (by its own data directory and pid) and
// removes every file, whatever happened in between.
class Sandbox {
 public:
  explicit Sandbox(SandboxOptions options = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  int major() const { return major_; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const std::filesystem::path& directory() const { return directory_; }
  const std::filesystem::path& socket_directory() const { return directory_; }
  std::filesystem::path hba_file() const { return data_directory_ / "pg_hba.conf"; }
  std::filesystem::path server_log() const { return directory_ / "server.log"; }
  const TestPki& pki() const;  // a standby's is its primary's
  std::filesystem::path client_certificate(const std::string& role) const;
  std::filesystem::path client_key(const std::string& role) const;
  std::filesystem::path server_certificate() const { return pki().directory() / "server.crt"; }

  // libpq connection string for `role` over the Unix socket (no TLS, trusted locally).
  std::string socket_dsn(const std::string& role = kSuperuser) const;
  // libpq connection string for `role` over TCP with TLS verified against the sandbox CA.
  std::string tls_dsn(const std::string& role = kSuperuser) const;
  // How a client reaches this server over TCP: tls_dsn, or sslmode=disable when ssl is off.
  std::string tcp_dsn(const std::string& role = kSuperuser) const;

  // Runs SQL as `role` over the Unix socket; returns the rows, SQL NULL as nullopt.
  using Row = std::vector<std::optional<std::string>>;
  std::vector<Row> Query(const std::string& sql, const std::string& role = kSuperuser) const;

  // Lets the scanner role read the server's own pg_hba.conf through pg_hba_file_rules, which
  // PostgreSQL 15 keeps to superusers unless granted.
  void GrantScannerHbaFileRules() const;
  // The same for pg_ident.conf through pg_ident_file_mappings.
  void GrantScannerIdentFileMappings() const;
  std::filesystem::path ident_file() const { return data_directory_ / "pg_ident.conf"; }

  // Issues a new server certificate (the sandbox CA signs it) in place of the current one and
  // reloads the server; returns once the server has reloaded, so new connections see it.
  void ReplaceServerCertificate(const CertificateSpec& spec) const;
  // Reloads the configuration (after ALTER SYSTEM, say); returns once the server has.
  void Reload() const;

  pid_t postmaster_pid() const { return postmaster_pid_; }
  // Stops the server and removes the files now; the destructor does it otherwise.
  void Stop();

 private:
  void CreateCluster(const SandboxOptions& options);
  void CreateStandby(const SandboxOptions::Standby& standby);
  void CopyBaseBackup(const Sandbox& primary);
  // Gives the sandbox's files to the `postgres` OS user when tools run as it.
  void ChownToServerUser() const;
  void StartServer();
  void CreateRoles();

  int major_ = 15;
  std::filesystem::path bin_directory_;  // initdb, pg_ctl, postgres of major_
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::filesystem::path directory_;
  std::filesystem::path data_directory_;
  std::optional<TestPki> pki_;        // none for a standby: it serves its primary's certificates
  const Sandbox* primary_ = nullptr;  // a standby's
  pid_t postmaster_pid_ = 0;
  bool ssl_ = true;
  bool stopped_ = false;
};

}  // namespace pgward::sandbox
