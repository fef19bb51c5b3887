#include "tests/sandbox/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace pgward::sandbox {
namespace {

// Debian's 15, or an npm build of the other majors where scripts/install-deps puts it.
std::filesystem::path PostgresBinDirectory(int major) {
  if (major == 15) {
    const char* configured = std::getenv("PGWARD_PG_BINDIR");
    return configured != nullptr ? configured : "/usr/lib/postgresql/15/bin";
  }
  const std::filesystem::path bin = std::filesystem::path(PGWARD_SOURCE_DIR) / ".tools" /
                                    "embedded-pg" / "node_modules" /
                                    ("pg" + std::to_string(major)) / "native" / "bin";
  if (!std::filesystem::exists(bin / "postgres")) {
    throw std::runtime_error("sandbox: PostgreSQL " + std::to_string(major) +
                             " is not installed in " + bin.string() + ": run scripts/install-deps");
  }
  return bin;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("sandbox: cannot write " + path.string());
}

// PostgreSQL refuses to run as root, so when we are root its tools run as the `postgres` user.
struct ServerUser {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

ServerUser ToolUser() {
  if (geteuid() != 0) return {};
  const passwd* entry = getpwnam("postgres");
  if (entry == nullptr) {
    throw std::runtime_error("sandbox: running as root but there is no 'postgres' OS user");
  }
  return {true, entry->pw_uid, entry->pw_gid};
}

// Runs a PostgreSQL tool with stdout and stderr appended to `log`; throws with the log's tail
// when it fails.
void RunTool(const std::vector<std::string>& arguments, const std::filesystem::path& working_dir,
             const std::filesystem::path& log) {
  const ServerUser user = ToolUser();
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("sandbox: cannot open " + log.string());
  if (user.switch_user && fchown(log_fd, user.uid, user.gid) != 0) {
    close(log_fd);
    throw std::runtime_error("sandbox: cannot chown " + log.string());
  }
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  // Our environment without what libpq reads (the PG* variables, ~/.postgresql and ~/.pgpass of
  // whoever runs the tests): a standby's WAL receiver connects with what the
  // test wrote alone. The sandbox's directory is HOME. Built before fork: only
  // async-signal-safe calls after it.
  std::vector<std::string> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    const std::string_view text = *variable;
    if (!text.starts_with("HOME=") && !text.starts_with("PG")) environment.emplace_back(text);
  }
  environment.push_back("HOME=" + working_dir.string());
  std::vector<char*> envp;
  for (std::string& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);

  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("sandbox: fork failed");
  if (child == 0) {
    // Only async-signal-safe calls between fork and exec.
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    if (user.switch_user &&
        (setgroups(0, nullptr) != 0 || setgid(user.gid) != 0 || setuid(user.uid) != 0)) {
      _exit(126);
    }
    if (chdir(working_dir.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string output = ReadFile(log);
    if (output.size() > 4000) output = output.substr(output.size() - 4000);
    throw std::runtime_error("sandbox: " + arguments.front() + " failed (status " +
                             std::to_string(status) + "):\n" + output);
  }
}

int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("sandbox: no free TCP port on 127.0.0.1");
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool ProcessExists(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

const char* kDefaultHba =
    R"(# pgward sandbox: a deliberate mix of line types for tests and the demo.
# TYPE     DATABASE  USER             ADDRESS        METHOD  OPTIONS
local      all       all                             trust
hostssl    all       cert_only        127.0.0.1/32   cert
hostnossl  all       cert_only        127.0.0.1/32   reject
hostssl    all       ops_verify_full  127.0.0.1/32   trust   clientcert=verify-full
hostssl    all       all              127.0.0.1/32   trust
host       all       all              127.0.0.1/32   trust
hostnossl  all       all              0.0.0.0/0      reject
)";

struct PgConnClose {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct PgResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};

}  // namespace

SandboxOptions SandboxOptions::legacy_tls() {
  SandboxOptions options;
  options.settings["ssl_min_protocol_version"] = "'TLSv1'";
  options.settings["ssl_ciphers"] = "'HIGH:MEDIUM:+3DES:!aNULL:@SECLEVEL=0'";
  return options;
}

SandboxOptions SandboxOptions::ssl_off() {
  SandboxOptions options;
  options.ssl = false;
  return options;
}

Sandbox::Sandbox(SandboxOptions options)
    : major_(options.standby_of && options.standby_of->primary != nullptr
                 ? options.standby_of->primary->major()
                 : options.major),
      ssl_(options.ssl) {
  char pattern[] = "/tmp/pgward-sandbox-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("sandbox: mkdtemp failed");
  directory_ = pattern;
  data_directory_ = directory_ / "data";
  try {
    bin_directory_ = PostgresBinDirectory(major_);
    if (options.standby_of) {
      CreateStandby(*options.standby_of);
      StartServer();
    } else {
      CreateCluster(options);
      StartServer();
      CreateRoles();
    }
  } catch (...) {
    Stop();
    throw;
  }
}

Sandbox::~Sandbox() {
  try {
    Stop();
  } catch (...) {
    // A destructor must not throw; Stop() already escalated to SIGKILL where it could.
  }
}

void Sandbox::CreateCluster(const SandboxOptions& options) {
  const std::filesystem::path tls = directory_ / "tls";
  pki_.emplace(tls);
  pki_->Issue("server",
              options.server_certificate.value_or(CertificateSpec{.common_name = "localhost",
                                                                  .dns_names = {"localhost"},
                                                                  .ip_addresses = {"127.0.0.1"},
                                                                  .key_type = KeyType::kRsa2048}));
  for (const char* role : {kCertOnlyRole, kVerifyFullRole}) {
    pki_->Issue(role, {.common_name = role});
  }

  ChownToServerUser();
  std::vector<std::string> initdb = {(bin_directory_ / "initdb").string(),
                                     "-D",
                                     data_directory_.string(),
                                     "-U",
                                     kSuperuser,
                                     "-A",
                                     "trust",
                                     "-E",
                                     "UTF8",
                                     "--locale=C",
                                     "--no-sync"};
  if (major_ >= 14) initdb.push_back("--no-instructions");  // 13's initdb has no such option
  RunTool(initdb, directory_, directory_ / "initdb.log");

  std::string conf = "\n# pgward sandbox\n";
  conf += "listen_addresses = '127.0.0.1'\n";
  conf += "unix_socket_directories = '" + directory_.string() + "'\n";
  conf += std::string("ssl = ") + (options.ssl ? "on" : "off") + "\n";
  conf += "ssl_cert_file = '" + (tls / "server.crt").string() + "'\n";
  conf += "ssl_key_file = '" + (tls / "server.key").string() + "'\n";
  conf += "ssl_ca_file = '" + pki_->ca_certificate().string() + "'\n";
  // A throwaway cluster needs no durability; these make start-up and role creation fast.
  conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
  conf += "shared_buffers = '16MB'\nmax_connections = 100\n";
  // The access-analysis oracle reads "Connection matched pg_hba.conf line N" from this log.
  conf += "log_connections = on\nlog_disconnections = on\n";
  conf += "log_line_prefix = '%m [%p] %q%u@%d '\n";
  for (const auto& [name, value] : options.settings) conf += name + " = " + value + "\n";
  std::ofstream(data_directory_ / "postgresql.conf", std::ios::app) << conf;
  WriteFile(hba_file(), options.hba_conf.value_or(kDefaultHba));
}

void Sandbox::ChownToServerUser() const {
  const ServerUser user = ToolUser();
  if (!user.switch_user) return;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory_)) {
    if (lchown(entry.path().c_str(), user.uid, user.gid) != 0) {
      throw std::runtime_error("sandbox: cannot chown " + entry.path().string());
    }
  }
  if (chown(directory_.c_str(), user.uid, user.gid) != 0) {
    throw std::runtime_error("sandbox: cannot chown " + directory_.string());
  }
}

void Sandbox::CreateStandby(const SandboxOptions::Standby& standby) {
  if (standby.primary == nullptr) throw std::runtime_error("sandbox: a standby needs a primary");
  if (standby.primary_conninfo.find('\'') != std::string::npos) {
    throw std::runtime_error("sandbox: primary_conninfo may not contain single quotes");
  }
  primary_ = standby.primary;
  ssl_ = standby.primary->ssl_;
  CopyBaseBackup(*standby.primary);
  // The copied postgresql.conf is the primary's: only where the sockets go and whom to follow
  // differ. A later line of the file wins (and postgresql.auto.conf, read after it, sets neither:
  // sandboxes use ALTER SYSTEM for no such setting).
  std::string conf = "\n# pgward sandbox: standby\n";
  conf += "unix_socket_directories = '" + directory_.string() + "'\n";
  conf += "primary_conninfo = '" + standby.primary_conninfo + "'\n";
  std::ofstream(data_directory_ / "postgresql.conf", std::ios::app) << conf;
  WriteFile(data_directory_ / "standby.signal", "");
  ChownToServerUser();
}

// The low-level backup API (the server's documentation, "Making a Base Backup Using the Low
// Level API"), in one session: the data directory copied between the backup's start and stop,
// without what the server makes anew (its pid file and its sessions' transient state), then the
// WAL written until the stop, and the backup_label the stop returns.
void Sandbox::CopyBaseBackup(const Sandbox& primary) {
  std::unique_ptr<PGconn, PgConnClose> session(PQconnectdb(primary.socket_dsn().c_str()));
  const auto run = [&](const std::string& sql) {
    std::unique_ptr<PGresult, PgResultClear> result(PQexec(session.get(), sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
      throw std::runtime_error("sandbox: base backup: " + sql + ": " +
                               PQerrorMessage(session.get()));
    }
    return result;
  };
  if (PQstatus(session.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("sandbox: base backup: ") + PQerrorMessage(session.get()));
  }
  const bool renamed = primary.major() >= 15;  // pg_start_backup before 15
  run(renamed ? "SELECT pg_catalog.pg_backup_start('pgward standby', true)"
              : "SELECT pg_catalog.pg_start_backup('pgward standby', true, false)");
  const std::filesystem::path source = primary.data_directory_;
  std::filesystem::create_directory(data_directory_);
  std::filesystem::permissions(data_directory_, std::filesystem::perms::owner_all);
  static const std::set<std::string> kLeftOut = {
      "postmaster.pid", "postmaster.opts", "pg_wal",      "pg_replslot",
      "pg_stat_tmp",    "pg_dynshmem",     "pg_notify",   "pg_serial",
      "pg_snapshots",   "pg_subtrans",     "backup_label"};
  for (const auto& entry : std::filesystem::directory_iterator(source)) {
    const std::string name = entry.path().filename().string();
    const std::filesystem::path target = data_directory_ / name;
    if (!kLeftOut.contains(name)) {
      std::filesystem::copy(entry.path(), target, std::filesystem::copy_options::recursive);
    } else if (entry.is_directory()) {
      std::filesystem::create_directory(target);  // there, and empty
    }
  }
  const auto stopped =
      run(renamed ? "SELECT labelfile FROM pg_catalog.pg_backup_stop(false)"
                  : "SELECT labelfile FROM pg_catalog.pg_stop_backup(false, false)");
  std::filesystem::remove(data_directory_ / "pg_wal");
  std::filesystem::copy(source / "pg_wal", data_directory_ / "pg_wal",
                        std::filesystem::copy_options::recursive);
  WriteFile(data_directory_ / "backup_label", PQgetvalue(stopped.get(), 0, 0));
  ChownToServerUser();
}

const TestPki& Sandbox::pki() const { return pki_ ? *pki_ : primary_->pki(); }

void Sandbox::StartServer() {
  // The port is free when chosen but may be taken before the server binds it: retry with
  // another one, as a port clash is the only start failure that is not a real error.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    port_ = FreeTcpPort();
    try {
      RunTool(
          {(bin_directory_ / "pg_ctl").string(), "-D", data_directory_.string(), "-l",
           server_log().string(), "-o", "-p " + std::to_string(port_), "-w", "-t", "60", "start"},
          directory_, directory_ / "pg_ctl.log");
      break;
    } catch (const std::runtime_error&) {
      const bool port_clash = ReadFile(server_log()).find("could not bind") != std::string::npos;
      if (!port_clash || attempt == kAttempts) throw;
    }
  }
  std::istringstream pid_file(ReadFile(data_directory_ / "postmaster.pid"));
  pid_file >> postmaster_pid_;
  if (postmaster_pid_ <= 0) throw std::runtime_error("sandbox: no postmaster.pid after start");
}

void Sandbox::CreateRoles() {
  Query(std::string("CREATE ROLE ") + kScannerRole + " LOGIN; GRANT pg_monitor TO " + kScannerRole +
        "; CREATE ROLE " + kLimitedScannerRole + " LOGIN; CREATE ROLE " + kPlainAppRole +
        " LOGIN; CREATE ROLE " + kTlsAppRole + " LOGIN; CREATE ROLE " + kCertOnlyRole +
        " LOGIN; CREATE ROLE " + kVerifyFullRole + " LOGIN;");
}

std::filesystem::path Sandbox::client_certificate(const std::string& role) const {
  return pki().directory() / (role + ".crt");
}

std::filesystem::path Sandbox::client_key(const std::string& role) const {
  return pki().directory() / (role + ".key");
}

std::string Sandbox::socket_dsn(const std::string& role) const {
  return "host=" + directory_.string() + " port=" + std::to_string(port_) + " user=" + role +
         " dbname=postgres connect_timeout=10";
}

std::string Sandbox::tls_dsn(const std::string& role) const {
  return "host=" + host_ + " port=" + std::to_string(port_) + " user=" + role +
         " dbname=postgres sslmode=verify-full sslrootcert=" + pki().ca_certificate().string() +
         " connect_timeout=10";
}

std::string Sandbox::tcp_dsn(const std::string& role) const {
  if (ssl_) return tls_dsn(role);
  return "host=" + host_ + " port=" + std::to_string(port_) + " user=" + role +
         " dbname=postgres sslmode=disable connect_timeout=10";
}

void Sandbox::ReplaceServerCertificate(const CertificateSpec& spec) const {
  if (!pki_) throw std::logic_error("sandbox: a standby serves its primary's certificate");
  const TestPki::Issued issued = pki_->Issue("server", spec);
  const ServerUser user = ToolUser();
  if (user.switch_user) {
    for (const std::filesystem::path& file : {issued.certificate, issued.private_key}) {
      if (chown(file.c_str(), user.uid, user.gid) != 0) {
        throw std::runtime_error("sandbox: cannot chown " + file.string());
      }
    }
  }
  Reload();
}

void Sandbox::Reload() const {
  // pg_reload_conf() only signals the postmaster: wait for its log line of the reload.
  const auto reloads = [&] {
    std::ifstream log(server_log());
    size_t count = 0;
    for (std::string line; std::getline(log, line);) {
      count += line.find("received SIGHUP, reloading configuration files") != std::string::npos;
    }
    return count;
  };
  const size_t before = reloads();
  Query("SELECT pg_reload_conf()");
  for (int waited_ms = 0; reloads() == before; waited_ms += 20) {
    if (waited_ms > 10000) throw std::runtime_error("sandbox: the server did not reload");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Sandbox::GrantScannerHbaFileRules() const {
  Query(std::string("GRANT SELECT ON pg_catalog.pg_hba_file_rules TO ") + kScannerRole +
        "; GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules() TO " + kScannerRole);
}

void Sandbox::GrantScannerIdentFileMappings() const {
  Query(std::string("GRANT SELECT ON pg_catalog.pg_ident_file_mappings TO ") + kScannerRole +
        "; GRANT EXECUTE ON FUNCTION pg_catalog.pg_ident_file_mappings() TO " + kScannerRole);
}

std::vector<Sandbox::Row> Sandbox::Query(const std::string& sql, const std::string& role) const {
  std::unique_ptr<PGconn, PgConnClose> connection(PQconnectdb(socket_dsn(role).c_str()));
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("sandbox: cannot connect: ") +
                             PQerrorMessage(connection.get()));
  }
  std::unique_ptr<PGresult, PgResultClear> result(PQexec(connection.get(), sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error("sandbox: query failed: " + sql + ": " +
                             PQresultErrorMessage(result.get()));
  }
  std::vector<Row> rows;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    Row values;
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      if (PQgetisnull(result.get(), row, column)) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(PQgetvalue(result.get(), row, column));
      }
    }
    rows.push_back(std::move(values));
  }
  return rows;
}

void Sandbox::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (postmaster_pid_ <= 0) {
    // Start-up failed part-way: a server may be running that we never learned the pid of.
    std::istringstream(ReadFile(data_directory_ / "postmaster.pid")) >> postmaster_pid_;
  }
  if (postmaster_pid_ > 0 && ProcessExists(postmaster_pid_)) {
    try {
      RunTool({(bin_directory_ / "pg_ctl").string(), "-D", data_directory_.string(), "-m",
               "immediate", "-w", "-t", "30", "stop"},
              directory_, directory_ / "pg_ctl.log");
    } catch (const std::runtime_error&) {
      // Fall through to the signal below: the server must not outlive the sandbox.
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ProcessExists(postmaster_pid_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (ProcessExists(postmaster_pid_)) kill(postmaster_pid_, SIGKILL);
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace pgward::sandbox
