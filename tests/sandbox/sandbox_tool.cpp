// pgward-sandbox: runs a command next to a live sandbox server with a mix of clients, for the
// demo and the benchmarks. The server is stopped and its files removed when the command ends.
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"

namespace {

using pgward::sandbox::ClientSpec;
using pgward::sandbox::Transport;

std::vector<ClientSpec> FullClientMix() {
  std::vector<ClientSpec> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back({.transport = Transport::kTcpPlaintext,
                       .user = pgward::sandbox::kPlainAppRole,
                       .application_name = "billing-api"});
  }
  clients.push_back({.transport = Transport::kTcpTls,
                     .user = pgward::sandbox::kTlsAppRole,
                     .application_name = "reporting",
                     .max_tls_version = TLS1_2_VERSION,
                     .cipher_list = "ECDHE-RSA-AES128-GCM-SHA256"});
  clients.push_back({.transport = Transport::kTcpTls,
                     .user = pgward::sandbox::kTlsAppRole,
                     .application_name = "web",
                     .min_tls_version = TLS1_3_VERSION});
  clients.push_back({.transport = Transport::kTcpTls,
                     .user = pgward::sandbox::kCertOnlyRole,
                     .application_name = "batch-cert",
                     .client_certificate_role = pgward::sandbox::kCertOnlyRole});
  clients.push_back({.transport = Transport::kUnixSocket,
                     .user = pgward::sandbox::kPlainAppRole,
                     .application_name = "local-cron"});
  return clients;
}

// A small application landscape: pooled plaintext connections, TLS at different versions, a
// certificate-authenticated batch job, and a local cron job on the Unix socket. Against a server
// with ssl off, the TLS clients connect in plaintext, as sslmode=prefer clients (libpq's
// default) do, and the certificate job is left out: its role is refused without TLS.
std::vector<ClientSpec> ClientMix(bool server_tls) {
  std::vector<ClientSpec> clients = FullClientMix();
  if (server_tls) return clients;
  std::vector<ClientSpec> fallen_back;
  for (const ClientSpec& spec : clients) {
    if (!spec.client_certificate_role.empty()) continue;
    if (spec.transport != Transport::kTcpTls) {
      fallen_back.push_back(spec);
      continue;
    }
    fallen_back.push_back({.transport = Transport::kTcpPlaintext,
                           .user = spec.user,
                           .database = spec.database,
                           .application_name = spec.application_name});
  }
  return fallen_back;
}

int RunCommand(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& argument : command) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    execvp(argv[0], argv.data());
    std::cerr << "pgward-sandbox: cannot run " << command.front() << "\n";
    _exit(127);
  }
  // Ctrl-C reaches the command; this process waits for it, then still stops the server.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Runs COMMAND next to a throwaway PostgreSQL sandbox (15 unless --major says otherwise) "
      "with TLS and live clients.\n"
      "COMMAND sees PGWARD_SANDBOX_HOST, _PORT, _SOCKET_DIR, _CA, _HBA, _DSN (superuser, "
      "Unix socket), _SCANNER_DSN (pg_monitor over TCP: TLS verify-full, or sslmode=disable "
      "with --variant ssl-off).",
      "pgward-sandbox"};
  std::string variant = "default";
  int major = 15;
  bool with_clients = false;
  std::vector<std::string> command;
  app.add_option("--variant", variant, "Server variant")
      ->check(CLI::IsMember({"default", "legacy-tls", "ssl-off"}));
  app.add_option("--major", major,
                 "PostgreSQL major version: 15 is Debian's, 13, 14, 16, 17 and 18 the npm builds "
                 "scripts/install-deps fetches")
      ->check(CLI::IsMember({13, 14, 15, 16, 17, 18}));
  app.add_flag("--clients", with_clients, "Open the demo's mix of live client sessions first");
  app.add_option("command", command, "Command to run (after --)")->required();
  CLI11_PARSE(app, argc, argv);

  try {
    pgward::sandbox::SandboxOptions options =
        variant == "legacy-tls" ? pgward::sandbox::SandboxOptions::legacy_tls()
        : variant == "ssl-off"  ? pgward::sandbox::SandboxOptions::ssl_off()
                                : pgward::sandbox::SandboxOptions{};
    options.major = major;
    pgward::sandbox::Sandbox sandbox(options);
    // The demo's scanner reads the server's own pg_hba.conf (pgward collect names these grants
    // when they are missing).
    sandbox.GrantScannerHbaFileRules();
    std::vector<pgward::sandbox::LiveClient> clients;
    if (with_clients) {
      for (const ClientSpec& spec : ClientMix(options.ssl)) clients.emplace_back(sandbox, spec);
    }
    setenv("PGWARD_SANDBOX_HOST", sandbox.host().c_str(), 1);
    setenv("PGWARD_SANDBOX_PORT", std::to_string(sandbox.port()).c_str(), 1);
    setenv("PGWARD_SANDBOX_SOCKET_DIR", sandbox.socket_directory().c_str(), 1);
    setenv("PGWARD_SANDBOX_CA", sandbox.pki().ca_certificate().c_str(), 1);
    setenv("PGWARD_SANDBOX_HBA", sandbox.hba_file().c_str(), 1);
    setenv("PGWARD_SANDBOX_DSN", sandbox.socket_dsn().c_str(), 1);
    setenv("PGWARD_SANDBOX_SCANNER_DSN", sandbox.tcp_dsn(pgward::sandbox::kScannerRole).c_str(), 1);
    return RunCommand(command);
  } catch (const std::exception& error) {
    std::cerr << "pgward-sandbox: " << error.what() << "\n";
    return 1;
  }
}
