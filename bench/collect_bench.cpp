// make bench (collection): four measurements in one run (`collect_bench snapshot`, `fleet`,
// `inventory` or `large-fleet` runs one of them).
//
// 1. Snapshot load: a 1,000,000-connection snapshot (about 260 MB) read into facts, in a child
//    process so that its peak memory (VmHWM) is the load's alone. Goal: under 1 s (#15) and 600 MB.
// 2. Fleet collection of 100 targets against the way teams do it today, the same audit query
//    through the real psql (/usr/lib/postgresql/15/bin/psql, not Debian's wrapper): a
//    sequential loop, and xargs -P 16. On loopback (goal: 3x faster than the loop) and with
//    50 ms of round-trip time (goal: 10x faster than the loop, 3x faster than xargs -P 16).
//    Every target is a distinct connection (SCRAM + TLS) to one of two sandbox servers.
//    Each contender runs three times, in turns (the loop once behind the relay), and the
//    medians are compared; on loopback, the CPU each took per target on either side (the
//    client's, and the servers' backends') is printed too.
//    The RTT comes from a delay relay in this process that holds every chunk 25 ms in each
//    direction, on loopback: the kernels this was written on have no sch_netem, so the netem
//    + veth + network namespace setup the issue describes cannot run there. Memory per target:
//    the growth of pgward's peak RSS while it holds 100 connections at once.
//    A floor runs in the same turns: every target connected and closed without a query, by the
//    same libpq calls in the same event loops, which is the least any libpq-based collector
//    does; on two cores it is what bounds the loopback ratio.
// 3. Inventory load (#20): 10,000 targets loaded and validated. Goal: under 100 ms.
// 4. A fleet of 1,000 targets (#20), each a distinct connection, over four sandbox servers,
//    collected in one run against the floor in the same run. Goals: within 1.3x of the floor,
//    under 100 kB of peak memory per target; pgward's CPU per target is printed.
//
// A load that misses its goal (1 and 3) fails the run, as any other failure does. The fleets'
// ratios (2 and 4) are printed beside their floors and do not: on a machine whose cores the
// client shares with the servers, the servers' CPU per connection sets them (on two cores the
// floor alone is under 3x the psql loop), not pgward.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/collect/event_loops.h"
#include "engine/collect/inventory.h"
#include "engine/collect/live_collector.h"
#include "engine/collect/snapshot.h"
#include "engine/scan/gather.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace collect = pgward::collect;

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// A /proc/self/status value in kB (VmHWM: peak resident set, VmRSS: current).
long StatusKb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// --- 1. Snapshot load --------------------------------------------------------------------

// One server with `count` connection facts shaped like a busy fleet's: a thousand client
// addresses, a few dozen users and applications, TLS 1.3 and 1.2 and some plaintext.
void WriteLargeSnapshot(const std::string& path, size_t count) {
  pgward::FactSet facts;
  pgward::FactTable& table = facts.table(pgward::FactKind::kConnection);
  std::mt19937 random(42);
  const size_t f_server = pgward::FieldOf<pgward::FactKind::kConnection>("server"),
               f_pid = pgward::FieldOf<pgward::FactKind::kConnection>("pid"),
               f_user = pgward::FieldOf<pgward::FactKind::kConnection>("user"),
               f_database = pgward::FieldOf<pgward::FactKind::kConnection>("database"),
               f_app = pgward::FieldOf<pgward::FactKind::kConnection>("application_name"),
               f_addr = pgward::FieldOf<pgward::FactKind::kConnection>("client_addr"),
               f_local = pgward::FieldOf<pgward::FactKind::kConnection>("local"),
               f_ssl = pgward::FieldOf<pgward::FactKind::kConnection>("ssl"),
               f_version = pgward::FieldOf<pgward::FactKind::kConnection>("tls_version"),
               f_cipher = pgward::FieldOf<pgward::FactKind::kConnection>("cipher"),
               f_bits = pgward::FieldOf<pgward::FactKind::kConnection>("bits"),
               f_dn = pgward::FieldOf<pgward::FactKind::kConnection>("client_dn"),
               f_issuer = pgward::FieldOf<pgward::FactKind::kConnection>("issuer_dn"),
               f_gss_auth = pgward::FieldOf<pgward::FactKind::kConnection>("gss_authenticated"),
               f_gss_enc = pgward::FieldOf<pgward::FactKind::kConnection>("gss_encrypted"),
               f_encrypted = pgward::FieldOf<pgward::FactKind::kConnection>("encrypted"),
               f_super = pgward::FieldOf<pgward::FactKind::kConnection>("superuser"),
               f_replication = pgward::FieldOf<pgward::FactKind::kConnection>("replication");
  for (size_t i = 0; i < count; ++i) {
    const size_t row = table.AppendRow();
    const unsigned kind = random() % 10;  // 6 TLS 1.3, 3 TLS 1.2, 1 plaintext
    table.SetString(row, f_server, "db-prod-1");
    table.SetInteger(row, f_pid, 100000 + static_cast<std::int64_t>(i));
    const std::string user = "app_" + std::to_string(random() % 40);
    table.SetString(row, f_user, user);
    table.SetString(row, f_database, "orders_" + std::to_string(random() % 8));
    table.SetString(row, f_app, "service-" + std::to_string(random() % 30) + "/v2.4.1");
    pgward::IpAddress address;
    address.bytes = {10, 20, static_cast<std::uint8_t>(random() % 4),
                     static_cast<std::uint8_t>(random() % 250)};
    table.SetAddress(row, f_addr, address);
    table.SetBool(row, f_local, false);
    table.SetBool(row, f_ssl, kind < 9);
    table.SetBool(row, f_encrypted, kind < 9);
    table.SetBool(row, f_gss_auth, false);
    table.SetBool(row, f_gss_enc, false);
    table.SetBool(row, f_super, false);
    table.SetBool(row, f_replication, false);
    if (kind < 6) {
      table.SetTlsVersion(row, f_version, pgward::TlsVersion::kTls1_3);
      table.SetString(row, f_cipher, "TLS_AES_256_GCM_SHA384");
      table.SetInteger(row, f_bits, 256);
    } else if (kind < 9) {
      table.SetTlsVersion(row, f_version, pgward::TlsVersion::kTls1_2);
      table.SetString(row, f_cipher, "ECDHE-RSA-AES128-GCM-SHA256");
      table.SetInteger(row, f_bits, 128);
      if (kind == 8) {
        table.SetString(row, f_dn, "/O=example/CN=" + user);
        table.SetString(row, f_issuer, "/O=example/CN=example CA");
      }
    }
  }
  pgward::Evidence evidence;
  evidence.collector_version = "bench";
  evidence.collected_at = "2026-01-01T00:00:00Z";
  pgward::ServerEvidence server;
  server.name = "db-prod-1";
  server.host = "10.0.0.1";
  server.port = 5432;
  server.version = 150018;
  server.rows[static_cast<size_t>(pgward::FactKind::kConnection)] = {0, count};
  evidence.servers.push_back(server);
  std::ofstream(path, std::ios::binary) << collect::WriteSnapshot(evidence, facts);
}

// The child: load, then print seconds, peak kB and the number of connection facts.
int LoadAndReport(const std::string& path) {
  const Clock::time_point start = Clock::now();
  pgward::FactSet facts;
  pgward::Evidence evidence;
  if (std::optional<std::string> error = collect::LoadSnapshot(path, facts, evidence)) {
    std::cerr << *error << "\n";
    return 1;
  }
  const double seconds = Seconds(Clock::now() - start);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::cout << seconds << " " << StatusKb("VmHWM") << " "
            << facts.table(pgward::FactKind::kConnection).size() << " " << cpu << "\n";
  return 0;
}

bool BenchSnapshotLoad(const std::string& self, const std::filesystem::path& directory) {
  constexpr size_t kConnections = 1000000;
  const std::string path = (directory / "snapshot-1m.json").string();
  WriteLargeSnapshot(path, kConnections);
  const double megabytes = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  std::vector<double> times, cpu_times;
  long peak_kb = 0;
  for (int run = 0; run < 3; ++run) {
    const pgward::testing::CommandResult result =
        pgward::testing::RunCommand({self, "load-snapshot", path});
    std::istringstream fields(result.out);
    double seconds = 0, cpu = 0;
    long kb = 0;
    size_t facts = 0;
    if (result.exit_code != 0 || !(fields >> seconds >> kb >> facts >> cpu) ||
        facts != kConnections) {
      std::cerr << "snapshot load failed: " << result.err << result.out << "\n";
      return false;
    }
    times.push_back(seconds);
    cpu_times.push_back(cpu);
    peak_kb = std::max(peak_kb, kb);
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu_times.begin(), cpu_times.end());
  const double median = times[1];
  const double peak_mb = static_cast<double>(peak_kb) / 1024;
  // CPU time is printed too: on a shared machine the wall clock also measures the neighbours.
  std::printf(
      "snapshot load: %zu connections, %.0f MB: %.2f s (median of 3; %.2f s CPU), "
      "%.0f MB/s, peak memory %.0f MB (goal: < 1 s, < 600 MB): %s\n",
      kConnections, megabytes, median, cpu_times[1], megabytes / median, peak_mb,
      median < 1.0 && peak_mb < 600 ? "met" : "NOT MET");
  std::filesystem::remove(path);
  return median < 1.0 && peak_mb < 600;
}

// --- 2. Fleet collection -----------------------------------------------------------------

constexpr int kTargets = 100;
constexpr const char* kPsql = "/usr/lib/postgresql/15/bin/psql";
constexpr const char* kBenchRole = "bench_scanner";
constexpr const char* kBenchPassword = "bench-Pa55";
// The audit query of docs/snapshot-format.md, as teams run it through psql.
constexpr const char* kAuditQuery =
    "SELECT a.pid, a.usename, a.datname, a.application_name, a.client_addr, s.ssl, s.version, "
    "s.cipher, s.bits, s.client_dn, s.client_serial, s.issuer_dn FROM pg_stat_activity a JOIN "
    "pg_stat_ssl s USING (pid) WHERE a.backend_type = 'client backend' AND a.pid <> "
    "pg_backend_pid()";

// A TCP relay on 127.0.0.1 that delivers every chunk `delay` after it arrived, both ways.
class DelayRelay {
 public:
  DelayRelay(int upstream_port, std::chrono::milliseconds delay)
      : upstream_port_(upstream_port), delay_(delay) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 256);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~DelayRelay() {
    stop_ = true;
    thread_.join();
    for (Pipe& pipe : pipes_) close(pipe.from);
    close(listener_);
  }
  int port() const { return port_; }

 private:
  struct Chunk {
    Clock::time_point due;
    std::string bytes;
  };
  // One direction of one relayed connection.
  struct Pipe {
    int from = -1;
    int to = -1;
    std::deque<Chunk> queue;
    bool eof = false;
    bool done = false;
    // A client can only send once its TCP handshake is over, one round trip after connect():
    // the relay accepted at once, so its first bytes are held that long.
    Clock::time_point ready_at{};
  };

  void Run() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
      auto next = Clock::now() + std::chrono::milliseconds(20);
      for (const Pipe& pipe : pipes_) {
        fds.push_back({pipe.eof ? -1 : pipe.from, POLLIN, 0});
        if (!pipe.queue.empty()) next = std::min(next, pipe.queue.front().due);
      }
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now());
      poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, wait.count())));
      if (fds[0].revents & POLLIN) Accept();
      char buffer[65536];
      for (size_t i = 0; i + 1 < fds.size(); ++i) {
        Pipe& pipe = pipes_[i];
        if (!(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t got = read(pipe.from, buffer, sizeof buffer);
        if (got <= 0) {
          pipe.eof = true;
        } else {
          pipe.queue.push_back({std::max(Clock::now(), pipe.ready_at) + delay_,
                                std::string(buffer, static_cast<size_t>(got))});
        }
      }
      const auto now = Clock::now();
      for (Pipe& pipe : pipes_) {
        while (!pipe.queue.empty() && pipe.queue.front().due <= now) {
          const std::string& bytes = pipe.queue.front().bytes;
          for (size_t sent = 0; sent < bytes.size();) {
            const ssize_t wrote = write(pipe.to, bytes.data() + sent, bytes.size() - sent);
            if (wrote <= 0) break;
            sent += static_cast<size_t>(wrote);
          }
          pipe.queue.pop_front();
        }
        if (pipe.eof && pipe.queue.empty() && !pipe.done) {
          shutdown(pipe.to, SHUT_WR);
          pipe.done = true;
        }
      }
      // A connection is two pipes, added together: once both are done, it is closed, so that
      // every run has the relay to itself and the next does not poll its leftovers.
      for (size_t i = 0; i < pipes_.size();) {
        if (pipes_[i].done && pipes_[i + 1].done) {
          close(pipes_[i].from);
          close(pipes_[i].to);
          pipes_.erase(pipes_.begin() + static_cast<long>(i),
                       pipes_.begin() + static_cast<long>(i) + 2);
        } else {
          i += 2;
        }
      }
    }
  }

  void Accept() {
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
    if (connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      close(client);
      close(server);
      return;
    }
    pipes_.push_back({client, server, {}, false, false, Clock::now() + delay_ * 2});
    pipes_.push_back({server, client, {}, false, false, Clock::now()});
  }

  int upstream_port_;
  std::chrono::milliseconds delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_ = false;
  std::vector<Pipe> pipes_;
  std::thread thread_;
};

std::vector<std::string> FleetDsns(const std::vector<int>& ports, int targets = kTargets) {
  std::vector<std::string> dsns;
  for (int i = 0; i < targets; ++i) {
    dsns.push_back("host=127.0.0.1 port=" + std::to_string(ports[i % ports.size()]) +
                   " user=" + kBenchRole + " password=" + kBenchPassword +
                   " dbname=postgres sslmode=require application_name=bench-" + std::to_string(i));
  }
  return dsns;
}

// CPU seconds of this process (RUSAGE_SELF) or of its waited-for children (RUSAGE_CHILDREN).
double ProcessCpu(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The sandbox servers: their postmasters count the CPU of the backends they have reaped.
class Servers {
 public:
  explicit Servers(std::vector<pid_t> postmasters) : postmasters_(std::move(postmasters)) {
    for (pid_t postmaster : postmasters_) idle_children_.push_back(Children(postmaster));
  }

  // CPU seconds of every backend that has exited, once the last run's have.
  double Cpu() const {
    const Clock::time_point give_up = Clock::now() + std::chrono::seconds(10);
    for (size_t i = 0; i < postmasters_.size(); ++i) {
      while (Children(postmasters_[i]) > idle_children_[i] && Clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    double seconds = 0;
    for (pid_t postmaster : postmasters_) {
      std::ifstream stat("/proc/" + std::to_string(postmaster) + "/stat");
      std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      // Fields after "(comm)": state is field 3; cutime and cstime are fields 16 and 17.
      std::istringstream fields(text.substr(text.rfind(')') + 2));
      std::vector<std::string> values((std::istream_iterator<std::string>(fields)),
                                      std::istream_iterator<std::string>());
      if (values.size() > 14) seconds += std::stod(values[13]) + std::stod(values[14]);
    }
    return seconds / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  static size_t Children(pid_t parent) {
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::ifstream stat(entry.path() / "stat");
      std::string text;
      if (!std::getline(stat, text) || text.rfind(')') == std::string::npos) continue;
      std::istringstream fields(text.substr(text.rfind(')') + 2));
      std::string state;
      pid_t ppid = 0;
      if (fields >> state >> ppid && ppid == parent) ++count;
    }
    return count;
  }

  std::vector<pid_t> postmasters_;
  std::vector<size_t> idle_children_;  // the background processes
};

// One contender's runs: seconds, and the CPU they took on each side.
struct Runs {
  int targets = kTargets;
  std::vector<double> seconds;
  std::vector<double> client_cpu;
  std::vector<double> server_cpu;

  static double Median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  }
  double Seconds() const { return Median(seconds); }
  std::string List() const {
    std::string list;
    for (double run : seconds) {
      char text[32];
      std::snprintf(text, sizeof text, "%s%.2f", list.empty() ? "" : " ", run);
      list += text;
    }
    return list;
  }
  // "C ms client + S ms server" per target, medians.
  std::string CpuPerTarget() const {
    char text[64];
    std::snprintf(text, sizeof text, "%.1f ms client + %.1f ms server",
                  Median(client_cpu) * 1000 / targets, Median(server_cpu) * 1000 / targets);
    return text;
  }
};

struct FleetTimes {
  Runs pgward;
  Runs floor;
  Runs loop;
  Runs xargs;
  double kb_per_target = 0;  // the largest of the pgward runs
  bool failed = false;       // a run of any contender failed: the comparison means nothing
};

// Runs `contender` once, adding its time and CPU to `runs`. `who` is whose CPU is the client's.
template <typename Contender>
void Measure(const Servers& servers, int who, Runs& runs, Contender contender) {
  const double server_before = servers.Cpu();  // first: it waits, and costs CPU
  const double client_before = ProcessCpu(who);
  const Clock::time_point start = Clock::now();
  contender();
  runs.seconds.push_back(Seconds(Clock::now() - start));
  runs.client_cpu.push_back(ProcessCpu(who) - client_before);
  runs.server_cpu.push_back(servers.Cpu() - server_before);
}

// False when the script failed.
bool Shell(const std::string& script) {
  const pgward::testing::CommandResult result = pgward::testing::RunCommand({"sh", "-c", script});
  if (result.exit_code != 0) std::cerr << "psql run failed: " << result.err.substr(0, 500) << "\n";
  return result.exit_code == 0;
}

// One collection of every target, `concurrency` at once (all by default). Raises
// `kb_per_target` to the growth of the peak RSS per target when it is larger. False when a
// target failed.
bool CollectAll(const std::vector<std::string>& dsns, double& kb_per_target,
                size_t concurrency = 0) {
  pgward::scan::LivePlan plan;
  collect::CollectOptions& options = plan.collect;
  for (size_t i = 0; i < dsns.size(); ++i) {
    collect::Target target;
    target.name = "target-" + std::to_string(i);
    target.dsn = dsns[i];
    target.timeout_ms = 60000;
    options.targets.push_back(target);
  }
  options.concurrency = static_cast<int>(concurrency == 0 ? dsns.size() : concurrency);
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM
  const long before_kb = StatusKb("VmRSS");
  pgward::FactSet facts;
  const pgward::Evidence evidence = pgward::scan::GatherLive(plan, facts);
  kb_per_target = std::max(kb_per_target, static_cast<double>(StatusKb("VmHWM") - before_kb) /
                                              static_cast<double>(dsns.size()));
  for (const pgward::EvidenceError& error : evidence.Errors()) {
    std::cerr << "pgward: " << error.target << ": " << error.message << "\n";
  }
  return evidence.Errors().empty();
}

// What any libpq-based collector pays at least: every target connected (TLS + SCRAM) and closed
// without a query, through the same non-blocking libpq calls as pgward, in the same event loops
// (collect::RunLoops, one per core, each with an equal share of the `concurrency` connections
// open at once: all by default). Returns the connections that failed or were still connecting
// after a minute.
int ConnectOnly(const std::vector<std::string>& dsns, size_t concurrency = 0) {
  const size_t loops = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<size_t> next = 0;
  std::atomic<int> failed = 0;
  collect::RunLoops(loops, [&](size_t, size_t running) {
    struct Connecting {
      PGconn* conn;
      PostgresPollingStatusType wait;  // what PQconnectPoll last asked to wait for
    };
    std::vector<Connecting> open;
    const size_t share = ((concurrency == 0 ? dsns.size() : concurrency) + running - 1) / running;
    // Keeps `share` connections in flight while targets are left.
    const auto refill = [&] {
      for (size_t target = 0; open.size() < share && (target = next++) < dsns.size();) {
        PGconn* conn = PQconnectStart(dsns[target].c_str());
        if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) {
          ++failed;
          PQfinish(conn);
          continue;
        }
        open.push_back({conn, PGRES_POLLING_WRITING});
      }
    };
    refill();
    const auto give_up = Clock::now() + std::chrono::minutes(5);
    while (!open.empty() && Clock::now() < give_up) {
      std::vector<pollfd> fds;
      for (const Connecting& connecting : open) {
        const short events = connecting.wait == PGRES_POLLING_WRITING ? POLLOUT : POLLIN;
        fds.push_back({PQsocket(connecting.conn), events, 0});
      }
      poll(fds.data(), fds.size(), 1000);
      for (size_t i = 0; i < open.size(); ++i) {
        if (fds[i].revents == 0) continue;
        open[i].wait = PQconnectPoll(open[i].conn);
        if (open[i].wait == PGRES_POLLING_OK || open[i].wait == PGRES_POLLING_FAILED) {
          if (open[i].wait == PGRES_POLLING_FAILED) ++failed;
          PQfinish(open[i].conn);
          open[i].conn = nullptr;
        }
      }
      std::erase_if(open, [](const Connecting& connecting) { return connecting.conn == nullptr; });
      refill();
    }
    for (const Connecting& connecting : open) PQfinish(connecting.conn);
    failed += static_cast<int>(open.size());
  });
  return failed;
}

// pgward and xargs `runs` times each, the loop `loop_runs` times, in turns, so that a noisy
// neighbour or a server's first connections weigh on one run of each, not on one contender.
FleetTimes RunFleet(const std::vector<std::string>& dsns, const Servers& servers,
                    const std::filesystem::path& directory, int runs, int loop_runs) {
  const std::filesystem::path list = directory / "dsns.txt";
  {
    std::ofstream out(list);
    for (const std::string& dsn : dsns) out << dsn << "\n";
  }
  const std::string psql = std::string(kPsql) + " -X -A -t -q -c \"" + kAuditQuery + "\"";
  const std::string loop = "while IFS= read -r dsn; do " + psql +
                           " \"$dsn\" >/dev/null || exit 1; done < " + list.string();
  const std::string xargs =
      "xargs -d '\\n' -P 16 -I{} " + psql + " '{}' >/dev/null < " + list.string();
  FleetTimes times;
  for (int run = 0; run < runs; ++run) {
    Measure(servers, RUSAGE_SELF, times.pgward, [&] {
      if (!CollectAll(dsns, times.kb_per_target)) times.failed = true;
    });
    Measure(servers, RUSAGE_SELF, times.floor, [&] {
      if (const int refused = ConnectOnly(dsns)) {
        std::cerr << "floor: " << refused << " connections failed\n";
        times.failed = true;
      }
    });
    if (run < loop_runs) {
      Measure(servers, RUSAGE_CHILDREN, times.loop, [&] {
        if (!Shell(loop)) times.failed = true;
      });
    }
    Measure(servers, RUSAGE_CHILDREN, times.xargs, [&] {
      if (!Shell(xargs)) times.failed = true;
    });
  }
  return times;
}

// With `cpu`, each contender's CPU per target too (not behind the relay: it runs in this
// process, and would count as pgward's).
void PrintFleet(const char* label, const FleetTimes& times, double goal_loop, double goal_xargs,
                bool cpu) {
  const double pgward = times.pgward.Seconds();
  const double vs_loop = times.loop.Seconds() / pgward;
  const double vs_xargs = times.xargs.Seconds() / pgward;
  std::printf(
      "%s, %d targets (medians): pgward %.2f s, %.1f ms per target | psql loop %.2f s (%.1fx, "
      "goal %.0fx: %s) | xargs -P 16 psql %.2f s (%.1fx%s)\n"
      "  runs: pgward %s | psql loop %s | xargs %s\n",
      label, kTargets, pgward, pgward * 1000 / kTargets, times.loop.Seconds(), vs_loop, goal_loop,
      vs_loop >= goal_loop ? "met" : "NOT MET", times.xargs.Seconds(), vs_xargs,
      goal_xargs > 0 ? (vs_xargs >= goal_xargs ? ", goal 3x: met" : ", goal 3x: NOT MET") : "",
      times.pgward.List().c_str(), times.loop.List().c_str(), times.xargs.List().c_str());
  const double floor = times.floor.Seconds();
  std::printf(
      "  floor: connecting and closing without a query, the least any libpq-based collector "
      "does: %.2f s (%.1fx the psql loop); pgward %.0f%% above it (runs: %s)\n",
      floor, times.loop.Seconds() / floor, (pgward / floor - 1) * 100, times.floor.List().c_str());
  if (cpu) {
    std::printf("  CPU per target: pgward %s | floor %s | psql loop %s | xargs %s\n",
                times.pgward.CpuPerTarget().c_str(), times.floor.CpuPerTarget().c_str(),
                times.loop.CpuPerTarget().c_str(), times.xargs.CpuPerTarget().c_str());
  }
}

// `count` sandbox servers that admit the bench role with SCRAM over TLS, `max_connections`
// each.
struct BenchServers {
  BenchServers(int count, int max_connections) {
    pgward::sandbox::SandboxOptions options;
    options.settings["max_connections"] = std::to_string(max_connections);
    options.hba_conf =
        "local all all trust\n"
        "hostssl all all 127.0.0.1/32 scram-sha-256\n";
    for (int i = 0; i < count; ++i) {
      auto server = std::make_unique<pgward::sandbox::Sandbox>(options);
      server->Query(std::string("SET password_encryption = 'scram-sha-256'; CREATE ROLE ") +
                    kBenchRole + " LOGIN PASSWORD '" + kBenchPassword + "'; GRANT pg_monitor TO " +
                    kBenchRole + "; GRANT SELECT ON pg_hba_file_rules TO " + kBenchRole +
                    "; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO " + kBenchRole);
      ports.push_back(server->port());
      postmasters.push_back(server->postmaster_pid());
      sandboxes.push_back(std::move(server));
    }
  }
  std::vector<std::unique_ptr<pgward::sandbox::Sandbox>> sandboxes;
  std::vector<int> ports;
  std::vector<pid_t> postmasters;
};

bool BenchFleet(const std::filesystem::path& directory) {
  const BenchServers fleet(2, 200);
  const std::vector<int>& ports = fleet.ports;
  const Servers servers(fleet.postmasters);
  const FleetTimes loopback = RunFleet(FleetDsns(ports), servers, directory, 3, 3);
  PrintFleet("loopback", loopback, 3, 0, true);
  std::printf("memory: %.0f kB per target (peak RSS growth with all %d connections open)\n",
              loopback.kb_per_target, kTargets);

  std::vector<std::unique_ptr<DelayRelay>> relays;
  std::vector<int> relay_ports;
  for (int port : ports) {
    relays.push_back(std::make_unique<DelayRelay>(port, std::chrono::milliseconds(25)));
    relay_ports.push_back(relays.back()->port());
  }
  // The loop takes 100 times 7 round trips: once is enough to see it is far behind.
  const FleetTimes delayed = RunFleet(FleetDsns(relay_ports), servers, directory, 3, 1);
  PrintFleet("50 ms RTT", delayed, 10, 3, false);
  return !loopback.failed && !delayed.failed;
}

// --- 3. Fleets at scale (#20) ------------------------------------------------------------

// An inventory of 10,000 targets (each with a service, tags and a timeout, as examples/
// inventory.yaml writes them) loaded and validated by collect::LoadInventory. Goal: 100 ms.
bool BenchInventoryLoad(const std::filesystem::path& directory) {
  constexpr int kInventoryTargets = 10000;
  const std::filesystem::path path = directory / "inventory.yaml";
  {
    std::ofstream out(path);
    out << "defaults:\n  timeout_ms: 10000\n  connect: {sslmode: verify-full}\ntargets:\n";
    for (int i = 0; i < kInventoryTargets; ++i) {
      out << "  - name: db-" << i << "\n    service: db-" << i
          << "\n    tags: [prod, eu, pci]\n    timeout_ms: 5000\n";
    }
  }
  std::vector<double> seconds;
  for (int run = 0; run < 5; ++run) {
    const Clock::time_point start = Clock::now();
    const collect::InventoryResult inventory = collect::LoadInventory(path.string());
    seconds.push_back(Seconds(Clock::now() - start));
    if (inventory.error || inventory.targets.size() != kInventoryTargets) {
      std::cerr << "inventory: " << inventory.error.value_or("wrong number of targets") << "\n";
      return false;
    }
  }
  const double median = Runs::Median(seconds) * 1000;
  std::printf(
      "inventory of %d targets (%.1f MB): loaded and validated in %.0f ms (median of 5; "
      "goal 100 ms: %s)\n",
      kInventoryTargets, static_cast<double>(std::filesystem::file_size(path)) / 1e6, median,
      median < 100 ? "met" : "NOT MET");
  return median < 100;
}

// 1,000 targets, each a distinct connection (SCRAM + TLS), spread over four sandbox servers and
// collected in one run with pgward's default concurrency (64 connections in flight), against
// the floor measured in the same run (the same connections, as many at once, opened and closed
// without a query). Goals: within 1.3x of the floor, under 100 kB per target.
bool BenchLargeFleet() {
  constexpr int kLargeFleet = 1000;
  const size_t concurrency = static_cast<size_t>(collect::CollectOptions().concurrency);
  const BenchServers fleet(4, 300);
  const std::vector<int>& ports = fleet.ports;
  const Servers servers(fleet.postmasters);
  const std::vector<std::string> dsns = FleetDsns(ports, kLargeFleet);
  Runs pgward, floor;
  pgward.targets = floor.targets = kLargeFleet;
  double kb_per_target = 0;
  bool failed = false;  // a target of pgward or of the floor failed
  for (int run = 0; run < 3; ++run) {
    Measure(servers, RUSAGE_SELF, pgward, [&] {
      if (!CollectAll(dsns, kb_per_target, concurrency)) failed = true;
    });
    Measure(servers, RUSAGE_SELF, floor, [&] {
      if (const int refused = ConnectOnly(dsns, concurrency)) {
        std::cerr << "floor: " << refused << " connections failed\n";
        failed = true;
      }
    });
  }
  const double ratio = pgward.Seconds() / floor.Seconds();
  std::printf(
      "fleet of %d targets over 4 servers, %zu at once (medians): pgward %.2f s | floor %.2f s | "
      "%.2fx the "
      "floor (goal 1.3x: %s)\n"
      "  runs: pgward %s | floor %s\n"
      "  CPU per target: pgward %s | floor %s\n"
      "  memory: %.0f kB per target (peak RSS growth over the run, per target; goal 100 kB: "
      "%s)\n",
      kLargeFleet, concurrency, pgward.Seconds(), floor.Seconds(), ratio,
      ratio <= 1.3 ? "met" : "NOT MET", pgward.List().c_str(), floor.List().c_str(),
      pgward.CpuPerTarget().c_str(), floor.CpuPerTarget().c_str(), kb_per_target,
      kb_per_target < 100 ? "met" : "NOT MET");
  return !failed;
}

}  // namespace

int main(int argc, char** argv) {
  // The child's side of the snapshot measurement; write-snapshot keeps a file for profiling.
  if (argc == 3 && std::string(argv[1]) == "load-snapshot") return LoadAndReport(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "write-snapshot") {
    WriteLargeSnapshot(argv[2], 1000000);
    return 0;
  }
  const std::string only = argc == 2 ? argv[1] : "";
  if (argc > 2 || (argc == 2 && only != "snapshot" && only != "fleet" && only != "inventory" &&
                   only != "large-fleet")) {
    std::cerr << "usage: collect_bench [snapshot|fleet|inventory|large-fleet]   (all when none "
                 "is named)\n";
    return 2;
  }
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("pgward-collect-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  const auto wanted = [&](const char* name) { return only.empty() || only == name; };
  // Each measurement runs even when one before it failed or threw (a sandbox that cannot
  // start throws), and the files are removed whatever happens.
  bool ok = true;
  const auto measure = [&](const char* name, const std::function<bool()>& bench) {
    if (!wanted(name)) return;
    try {
      ok = bench() && ok;
    } catch (const std::exception& error) {
      std::cerr << "collect_bench " << name << ": " << error.what() << "\n";
      ok = false;
    }
  };
  measure("snapshot", [&] { return BenchSnapshotLoad(self, directory); });
  measure("fleet", [&] { return BenchFleet(directory); });
  measure("inventory", [&] { return BenchInventoryLoad(directory); });
  measure("large-fleet", [&] { return BenchLargeFleet(); });
  std::filesystem::remove_all(directory);
  return ok ? 0 : 1;
}
