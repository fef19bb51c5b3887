#include "engine/collect/live_collector.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/collect/conninfo.h"
#include "engine/collect/event_loops.h"
#include "engine/collect/queries.h"
#include "engine/collect/server_facts.h"
#include "engine/core/redact.h"
#include "engine/model/fact_format.h"
#include "pgward/version.h"

namespace pgward::collect {
namespace {

using Clock = std::chrono::steady_clock;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

// Collecting is one round trip (a Batch, pg_hba_file_rules guarded in it) after the
// connection's, and a second one only where needed: pg_settings for a role that may not read
// every setting, the subscriptions' connection strings where they may be read, and
// pg_ident_file_mappings (guarded) where the pg_hba.conf uses a map for certificate names, and
// pg_authid's password kinds where the run wants them and the role may read them.
enum class Stage { kConnecting, kCollecting, kFollowingUp, kDone };

struct Session {
  size_t target = 0;
  int attempt = 0;  // retries so far
  Conn conn;
  Stage stage = Stage::kConnecting;
  bool want_write = true;  // PQconnectStart's first wait is for a writable socket
  Clock::time_point deadline;
  std::vector<Query> batch;      // the batch in flight, one result set per query
  std::optional<Query> guarded;  // its guarded query, whose result may be an error (see below)
  std::vector<Result> results;   // of the batch in flight
  ServerRows rows;
  bool wants_hba = false;    // pg_hba_file_rules is the target's hba evidence
  bool wants_ident = false;  // pg_ident_file_mappings is the target's pg_ident.conf evidence
  bool hba_readable = false;
  bool settings_visible = false;
  bool password_verifiers_readable = false;
  std::optional<std::string> failure;
};

// libpq ends a URI's user and password at its first '@': a password holding an unencoded '@'
// leaves the rest of itself in the host (postgresql://u:p@ss@db/x connects to "ss@db"), or, past
// a '/', in the database name, where names and libpq's own errors would print it. A URI with a
// second '@' before its query is refused before it connects (an '@' of a database name is
// written %40 like a password's).
bool MisreadsUriPassword(std::string_view dsn) {
  if (!dsn.starts_with("postgresql://") && !dsn.starts_with("postgres://")) return false;
  const std::string_view before_query = dsn.substr(0, dsn.find('?'));
  return std::count(before_query.begin(), before_query.end(), '@') > 1;
}

constexpr char kMisreadUriPassword[] =
    "invalid connection string: its URI holds a second '@', which libpq reads as the end of the "
    "password: write an '@' of a password or database name as %40 (the target was not "
    "connected, its text is not shown)";

// libpq quotes the part of a connection string it cannot parse, which can be a password (a
// bare `secret` is 'missing "=" after "secret"'): those fragments are masked. Option names
// that libpq does not know are kept, since they are what the user has to fix.
std::string ConninfoErrorMessage(std::string_view message) {
  static constexpr std::string_view kBeforeOptionNames[] = {
      "invalid connection option ", "for connection option ", "invalid URI query parameter: "};
  std::string masked;
  bool quoted = false;
  bool name = false;
  size_t start = 0;
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '"') continue;
    if (!quoted) {
      masked.append(message.substr(start, i + 1 - start));
      name = false;
      for (std::string_view before : kBeforeOptionNames) {
        if (message.substr(0, i).ends_with(before)) name = true;
      }
    } else {
      const std::string_view fragment = message.substr(start, i - start);
      masked += fragment == "=" || name ? fragment : kRedacted;
      masked += '"';
    }
    quoted = !quoted;
    start = i + 1;
  }
  if (!quoted) masked.append(message.substr(start));
  return SanitizeLibpqMessage(masked);
}

// Keywords of libpq releases newer than the one pgward may run with (Debian 12's is 15), with
// the release that brought each: a connection string written for a newer libpq is refused by an
// older one, and the user should learn why rather than suspect the string.
std::string NewerLibpqKeyword(std::string_view message) {
  static constexpr std::pair<std::string_view, int> kKeywords[] = {
      {"require_auth", 16},         {"sslcertmode", 16},         {"load_balance_hosts", 16},
      {"gssdelegation", 16},        {"sslnegotiation", 17},      {"min_protocol_version", 18},
      {"max_protocol_version", 18}, {"sslkeylogfile", 18},       {"oauth_issuer", 18},
      {"oauth_client_id", 18},      {"oauth_client_secret", 18}, {"oauth_scope", 18}};
  const int running = PQlibVersion() / 10000;
  for (const auto& [keyword, major] : kKeywords) {
    if (running < major && message.find("\"" + std::string(keyword) + "\"") != message.npos) {
      return "; " + std::string(keyword) + " is a keyword of libpq " + std::to_string(major) +
             " and later, and pgward runs with libpq " + std::to_string(running);
    }
  }
  return "";
}

std::optional<std::string> Value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::nullopt;
  return std::string(PQgetvalue(result, row, column), PQgetlength(result, row, column));
}

// A text[] column the query turned into a JSON array of strings, into `values` (nullopt for
// NULL); false for anything else, which only a server that lies sends.
bool ReadTextArray(const PGresult* result, int row, int column,
                   std::optional<std::vector<std::string>>& values) {
  values.reset();
  const std::optional<std::string> text = Value(result, row, column);
  if (!text) return true;
  const nlohmann::json array = nlohmann::json::parse(*text, nullptr, false);
  if (!array.is_array()) return false;
  values.emplace();
  for (const nlohmann::json& element : array) {
    if (!element.is_string()) return false;
    values->push_back(element.get<std::string>());
  }
  return true;
}

// Loop `index` of `loops`'s part of the `limit` connections open at once.
size_t Share(size_t limit, size_t loops, size_t index) {
  return limit / loops + (index < limit % loops ? 1 : 0);
}

// SQLSTATE 42501, insufficient_privilege.
bool IsPrivilegeError(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state != nullptr && std::string_view(state) == "42501";
}

// Whether an error answering a batch's guarded query leaves the rest of the collection
// standing. pg_hba_file_rules: a privilege error, which the privileges row explains.
// pg_ident_file_mappings: any, since the view fails when pg_ident.conf cannot be opened, which
// says the maps are not known, not that the collection failed.
bool GuardedErrorTolerated(Query guarded, const PGresult* result) {
  return PQresultStatus(result) == PGRES_FATAL_ERROR &&
         (guarded == Query::kIdentMappings || IsPrivilegeError(result));
}

class Collector {
 public:
  Collector(const CollectOptions& options, FactSet& facts) : options_(options), facts_(facts) {
    evidence_.collector_version = kVersion;
    evidence_.collected_at = NowTimestamp();
    evidence_.servers.resize(options.targets.size());
    outcomes_.resize(options.targets.size());
    for (size_t i = 0; i < options.targets.size(); ++i) {
      evidence_.servers[i].name = options.targets[i].name;
    }
  }

  LiveCollection Run() {
    run_deadline_ =
        options_.deadline.count() > 0 ? Clock::now() + options_.deadline : Clock::time_point::max();
    const size_t limit = static_cast<size_t>(std::max(1, options_.concurrency));
    // TLS and SCRAM make each connection cost the client milliseconds of CPU: one event loop
    // per core, so that the client's share of the work is not done on one core while the
    // servers' backends wait for it.
    const size_t loops =
        std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                           std::min(limit, std::max<size_t>(1, options_.targets.size())));
    RunLoops(loops,
             [this, limit](size_t index, size_t running) { Loop(Share(limit, running, index)); });
    LiveCollection collection;
    for (size_t i = 0; i < options_.targets.size(); ++i) {
      collection.hba.push_back(AddFacts(i));
    }
    collection.evidence = std::move(evidence_);
    return collection;
  }

 private:
  // A target waiting to connect again after a transient failure.
  struct Retry {
    size_t target;
    int attempt;
    Clock::time_point at;
    Clock::time_point deadline;  // the first attempt's: retries do not extend the timeout
  };

  // One event loop: it takes the next target whenever fewer than `limit` of its own are open.
  void Loop(size_t limit) {
    std::vector<Session> active;
    std::vector<Retry> retries;
    // A failed session is finished, or waits to be retried.
    const auto settle = [&](Session& session) {
      if (!ScheduleRetry(session, retries)) {
        if (session.attempt > 0) {
          *session.failure += " (" + std::to_string(session.attempt + 1) + " attempts)";
        }
        Finish(session);
      }
      session.stage = Stage::kDone;
    };
    // A session started: open, or failed at once.
    const auto launch = [&](Session session) {
      if (session.failure) {
        settle(session);
      } else {
        active.push_back(std::move(session));
      }
    };
    while (true) {
      // The retries that are due, taken out first: launching one may schedule another.
      std::vector<Retry> due;
      const auto now_due = Clock::now();
      std::erase_if(retries, [&](const Retry& retry) {
        if (active.size() + due.size() >= limit || retry.at > now_due) return false;
        due.push_back(retry);
        return true;
      });
      for (const Retry& retry : due) {
        Session session = Start(retry.target, retry.deadline);
        session.attempt = retry.attempt;
        launch(std::move(session));
      }
      while (active.size() < limit) {
        const size_t next = next_target_++;
        if (next >= options_.targets.size()) break;
        const auto now = Clock::now();
        if (now >= run_deadline_) {
          Session late;
          late.target = next;
          late.rows.name = options_.targets[next].name;
          late.failure = "not collected: the run's --deadline (" +
                         std::to_string(options_.deadline.count()) + " ms) passed first";
          Finish(late);
          continue;
        }
        // Every target's time ends at the run's deadline too.
        launch(Start(next, std::min(run_deadline_, now + std::chrono::milliseconds(
                                                             options_.targets[next].timeout_ms))));
      }
      if (active.empty() && retries.empty()) return;
      auto wake = Clock::time_point::max();
      for (const Retry& retry : retries) wake = std::min(wake, retry.at);
      Wait(active, wake);
      const auto now = Clock::now();
      for (Session& session : active) {
        if (session.stage != Stage::kDone && now >= session.deadline) {
          const std::string doing =
              session.stage == Stage::kConnecting ? "connecting" : "collecting";
          session.failure = now >= run_deadline_
                                ? "stopped while " + doing + ": the run's --deadline (" +
                                      std::to_string(options_.deadline.count()) + " ms) passed"
                                : "timed out after " +
                                      std::to_string(options_.targets[session.target].timeout_ms) +
                                      " ms while " + doing;
        }
        if (session.failure) {
          settle(session);
        } else if (session.stage == Stage::kDone) {
          Finish(session);
        }
      }
      std::erase_if(active, [](const Session& session) { return session.stage == Stage::kDone; });
    }
  }

  // Connection failures worth another try: the server restarting (refused, starting up,
  // shutting down) or out of connection slots (53300).
  static bool Transient(const std::string& failure) {
    for (const char* transient :
         {"Connection refused", "too many clients already", "remaining connection slots are",
          "the database system is starting up", "the database system is shutting down"}) {
      if (failure.find(transient) != std::string::npos) return true;
    }
    return false;
  }

  bool ScheduleRetry(const Session& session, std::vector<Retry>& retries) const {
    if (session.stage != Stage::kConnecting || session.attempt >= options_.retries ||
        !Transient(*session.failure)) {
      return false;
    }
    const auto at = Clock::now() + std::chrono::milliseconds(250 << session.attempt);
    if (at >= session.deadline) return false;
    retries.push_back({session.target, session.attempt + 1, at, session.deadline});
    return true;
  }

  Session Start(size_t index, Clock::time_point deadline) {
    const Target& target = options_.targets[index];
    Session session;
    session.target = index;
    session.rows.name = target.name;
    session.rows.md5_password_roles_wanted =
        options_.md5_password_roles == CollectOptions::Md5PasswordRoles::kRequired;
    session.deadline = deadline;
    if (!target.dsn.empty()) {
      char* error = nullptr;
      PQconninfoOption* parsed = PQconninfoParse(target.dsn.c_str(), &error);
      if (parsed == nullptr) {
        const std::string message = ConninfoErrorMessage(error ? error : "out of memory");
        session.failure = "invalid connection string: " + message + NewerLibpqKeyword(message);
        PQfreemem(error);
        return session;
      }
      PQconninfoFree(parsed);
      if (MisreadsUriPassword(target.dsn)) {
        session.failure = kMisreadUriPassword;
        return session;
      }
    }
    // Keywords later in the list override earlier ones: the DSN first, then the inventory's
    // overrides, then what pgward insists on.
    std::vector<const char*> keywords, values;
    if (!target.dsn.empty()) {
      keywords.push_back("dbname");
      values.push_back(target.dsn.c_str());
    }
    if (!target.service.empty()) {
      keywords.push_back("service");
      values.push_back(target.service.c_str());
    }
    for (const auto& [keyword, value] : target.connect) {
      keywords.push_back(keyword.c_str());
      values.push_back(value.c_str());
    }
    keywords.push_back("application_name");
    values.push_back("pgward");
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    session.conn.reset(PQconnectStartParams(keywords.data(), values.data(), 1));
    if (!session.conn) {
      session.failure = "cannot connect: out of memory";
    } else if (PQstatus(session.conn.get()) == CONNECTION_BAD) {
      session.failure =
          "cannot connect: " + SanitizeLibpqMessage(PQerrorMessage(session.conn.get()));
    } else {
      // Server notices would go to stderr by default.
      PQsetNoticeProcessor(
          session.conn.get(), [](void*, const char*) {}, nullptr);
    }
    return session;
  }

  // Until a session has something to do, one times out, or `wake` (a retry is due).
  void Wait(std::vector<Session>& active, Clock::time_point wake) {
    std::vector<pollfd> fds;
    auto earliest = wake;
    for (const Session& session : active) {
      const short events = session.want_write ? (POLLOUT | POLLIN) : POLLIN;
      fds.push_back({PQsocket(session.conn.get()), events, 0});
      earliest = std::min(earliest, session.deadline);
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(earliest - Clock::now());
    poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(0, wait.count())));
    for (size_t i = 0; i < active.size(); ++i) {
      if (fds[i].revents != 0) Advance(active[i], fds[i].revents);
    }
  }

  void Advance(Session& session, short revents) {
    PGconn* conn = session.conn.get();
    if (session.stage == Stage::kConnecting) {
      // Waiting for writability only: a readable event alone is not progress.
      if (session.want_write && !(revents & (POLLOUT | POLLERR | POLLHUP))) return;
      switch (PQconnectPoll(conn)) {
        case PGRES_POLLING_READING:
          session.want_write = false;
          return;
        case PGRES_POLLING_WRITING:
          session.want_write = true;
          return;
        case PGRES_POLLING_OK:
          StartCollecting(session);
          return;
        default:
          session.failure = "cannot connect: " + SanitizeLibpqMessage(PQerrorMessage(conn));
          return;
      }
    }
    if (session.want_write) Flush(session);
    if (session.failure || !(revents & (POLLIN | POLLERR | POLLHUP))) return;
    if (PQconsumeInput(conn) == 0) {
      session.failure = "connection lost: " + SanitizeLibpqMessage(PQerrorMessage(conn));
      return;
    }
    while (!PQisBusy(conn)) {
      PGresult* result = PQgetResult(conn);
      if (result == nullptr) {
        BatchDone(session);
        return;
      }
      session.results.emplace_back(result);
      // pgward's queries copy nothing: a server that answers with COPY would have libpq make a
      // new result on every call, for ever.
      const ExecStatusType status = PQresultStatus(result);
      if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
        session.failure = "the server answered a query with COPY, which no query of pgward's asks";
        return;
      }
    }
  }

  void Flush(Session& session) {
    const int flushed = PQflush(session.conn.get());
    if (flushed < 0) {
      session.failure =
          "connection lost: " + SanitizeLibpqMessage(PQerrorMessage(session.conn.get()));
    }
    session.want_write = flushed == 1;
  }

  void Send(Session& session, std::vector<Query> batch, std::optional<Query> guarded,
            const std::string& prefix = "") {
    session.batch = std::move(batch);
    session.guarded = guarded;
    const std::string sql = prefix + Batch(session.batch, guarded, session.rows.version);
    if (PQsendQuery(session.conn.get(), sql.c_str()) == 0) {
      session.failure = "query failed: " + SanitizeLibpqMessage(PQerrorMessage(session.conn.get()));
      return;
    }
    Flush(session);
  }

  void StartCollecting(Session& session) {
    PGconn* conn = session.conn.get();
    const Target& target = options_.targets[session.target];
    session.rows.version = PQserverVersion(conn);
    if (session.rows.version < kOldestSupportedVersion) {
      session.failure = "server version " + std::to_string(session.rows.version) +
                        " is older than 9.6, which pgward does not support";
      return;
    }
    ScannerConnection& scanner = session.rows.scanner;
    scanner.host = PQhost(conn) ? PQhost(conn) : "";
    scanner.port = std::atoi(PQport(conn) ? PQport(conn) : "0");
    scanner.ssl = PQsslInUse(conn) == 1;
    scanner.password = PQconnectionUsedPassword(conn) == 1;
    if (scanner.ssl) {
      const char* protocol = PQsslAttribute(conn, "protocol");
      scanner.tls_version = protocol ? protocol : "";
    }
    // The options in effect, defaults included. libpq only completes verify-ca and verify-full
    // connections after checking the chain against a root certificate, and channel_binding
    // require ones after a SCRAM exchange bound to the channel.
    PQconninfoOption* info = PQconninfo(conn);
    for (PQconninfoOption* option = info; option && option->keyword; ++option) {
      if (option->val == nullptr) continue;
      const std::string_view keyword = option->keyword;
      if (keyword == "sslmode" && scanner.ssl) {
        const std::string_view mode = option->val;
        scanner.verified = mode == "verify-ca" || mode == "verify-full";
      } else if (keyword == "sslrootcert" && scanner.ssl) {
        scanner.root_cert = option->val;
      } else if (keyword == "channel_binding") {
        scanner.channel_binding = option->val;
      } else if (keyword == "require_auth" && *option->val != '\0') {
        scanner.require_auth = option->val;
      }
    }
    PQconninfoFree(info);
    session.stage = Stage::kCollecting;
    if (PQsetnonblocking(conn, 1) != 0) {
      session.failure = "cannot switch to non-blocking mode";
      return;
    }
    session.wants_hba = !target.hba_file && session.rows.version >= 100000;
    session.wants_ident = !target.ident_file && session.rows.version >= 150000;
    // pg_hba_file_rules is read without asking first whether the role may: a role that may not
    // gets a permission error for it (which the server logs), and the privileges row of the
    // same batch says why the evidence is missing.
    Send(session,
         {Query::kPrivileges, Query::kSettings, Query::kConnections, Query::kReplicationLinks,
          Query::kPrivilegedRoles},
         session.wants_hba ? std::optional(Query::kHbaRules) : std::nullopt,
         SessionSettings(target.timeout_ms));
  }

  // The batch's result sets, or the first error. The guarded query's result, last, is null when
  // it failed with an error GuardedErrorTolerated admits.
  std::optional<std::vector<const PGresult*>> Tuples(Session& session) {
    std::vector<const PGresult*> tuples;
    for (const Result& result : session.results) {
      const ExecStatusType status = PQresultStatus(result.get());
      if (status == PGRES_TUPLES_OK) {
        tuples.push_back(result.get());
      } else if (session.guarded && tuples.size() == session.batch.size() &&
                 GuardedErrorTolerated(*session.guarded, result.get())) {
        tuples.push_back(nullptr);
      } else if (status != PGRES_COMMAND_OK) {
        session.failure =
            "query failed: " + SanitizeLibpqMessage(PQresultErrorMessage(result.get()));
        return std::nullopt;
      }
    }
    return tuples;
  }

  void BatchDone(Session& session) {
    const std::optional<std::vector<const PGresult*>> tuples = Tuples(session);
    if (!tuples) return;
    if (tuples->size() != session.batch.size() + (session.guarded ? 1 : 0)) {
      session.failure = "unexpected answer to the collection queries";
      return;
    }
    for (size_t i = 0; i < session.batch.size(); ++i) {
      if (!ReadOrFail(session, session.batch[i], (*tuples)[i])) return;
    }
    if (session.guarded) {
      const PGresult* guarded = tuples->back();
      if (guarded == nullptr && *session.guarded == Query::kIdentMappings) {
        session.rows.ident_error =
            SanitizeLibpqMessage(PQresultErrorMessage(session.results.back().get()));
      }
      // Denied although the privileges row said the role may: nothing can be concluded.
      if (guarded == nullptr && *session.guarded == Query::kHbaRules && session.hba_readable) {
        session.failure = "query failed: " +
                          SanitizeLibpqMessage(PQresultErrorMessage(session.results.back().get()));
        return;
      }
      if (guarded != nullptr && !ReadOrFail(session, *session.guarded, guarded)) return;
    }
    session.results.clear();
    if (session.stage == Stage::kCollecting) {
      std::vector<Query> follow_up;
      if (!session.settings_visible) follow_up.push_back(Query::kSettingsView);
      const bool subscriptions = std::ranges::any_of(
          session.rows.replication_links,
          [](const ReplicationLinkRow& link) { return link.kind == "subscription"; });
      if (subscriptions && session.rows.subscription_conninfo_readable) {
        follow_up.push_back(Query::kSubscriptions);
      }
      if (session.password_verifiers_readable &&
          options_.md5_password_roles != CollectOptions::Md5PasswordRoles::kNever) {
        follow_up.push_back(Query::kMd5PasswordRoles);
      }
      const bool ident = session.wants_ident && session.rows.ident_readable &&
                         options_.ident_mappings_needed &&
                         options_.ident_mappings_needed(session.rows.hba_rules);
      if (!follow_up.empty() || ident) {
        session.stage = Stage::kFollowingUp;
        Send(session, std::move(follow_up),
             ident ? std::optional(Query::kIdentMappings) : std::nullopt);
        return;
      }
    }
    session.stage = Stage::kDone;
  }

  // Reads one result set; false, with the session's failure set, when it is not the shape the
  // query gives.
  static bool ReadOrFail(Session& session, Query query, const PGresult* result) {
    if (Read(session, query, result)) return true;
    if (!session.failure) session.failure = "unexpected answer to the collection queries";
    return false;
  }

  // Reads one result set; false when it is not the shape the query gives (with the session's
  // failure set when there is more to say than that).
  static bool Read(Session& session, Query query, const PGresult* result) {
    ServerRows& rows = session.rows;
    switch (query) {
      case Query::kPrivileges:
        if (PQntuples(result) != 1 || PQnfields(result) < 9) return false;
        rows.role = Value(result, 0, 0).value_or("");
        rows.stats_visible = Value(result, 0, 1) == "t";
        session.hba_readable = Value(result, 0, 2) == "t";
        session.settings_visible = Value(result, 0, 3) == "t";
        rows.subscription_conninfo_readable = Value(result, 0, 4) == "t";
        rows.in_recovery = Value(result, 0, 5) == "t";
        if (const std::optional<std::string> set = Value(result, 0, 6)) {
          rows.primary_conninfo_set = *set == "t";
        }
        rows.ident_readable = Value(result, 0, 7) == "t";
        session.password_verifiers_readable = Value(result, 0, 8) == "t";
        return true;
      case Query::kSettings:
        if (PQntuples(result) > 1) return false;
        for (int column = 0; PQntuples(result) == 1 && column < PQnfields(result); ++column) {
          // current_setting(name, true) is NULL for a setting the server does not have, which
          // pg_settings has no row for.
          if (std::optional<std::string> value = Value(result, 0, column)) {
            rows.settings[PQfname(result, column)] = std::move(*value);
          }
        }
        return true;
      case Query::kSettingsView:
        if (PQnfields(result) != 2) return false;
        for (int i = 0; i < PQntuples(result); ++i) {
          rows.settings[Value(result, i, 0).value_or("")] = Value(result, i, 1).value_or("");
        }
        return true;
      case Query::kConnections:
        if (PQnfields(result) < kConnectionColumnCount) return false;
        ReadConnections(rows, result);
        return true;
      case Query::kReplicationLinks:
      case Query::kSubscriptions:
        if (PQnfields(result) != kLinkColumnCount) return false;
        // The second read of the subscriptions, in a later transaction, is the one that counts.
        if (query == Query::kSubscriptions) {
          std::erase_if(rows.replication_links,
                        [](const ReplicationLinkRow& link) { return link.kind == "subscription"; });
        }
        for (int i = 0; i < PQntuples(result); ++i) {
          rows.replication_links.push_back(ReadReplicationLink(result, i, rows.version));
        }
        return true;
      case Query::kHbaRules:
        return ReadHbaRules(session, result);
      case Query::kPrivilegedRoles:
        if (PQnfields(result) != 2) return false;
        return ReadPrivilegedRoles(result, rows.privileged_roles.emplace());
      case Query::kIdentMappings:
        if (PQnfields(result) != 7) return false;
        rows.ident_mappings = ReadIdentMappings(result);
        return true;
      case Query::kMd5PasswordRoles:
        if (PQnfields(result) != 1) return false;
        rows.md5_password_roles.emplace();
        for (int i = 0; i < PQntuples(result); ++i) {
          rows.md5_password_roles->push_back(Value(result, i, 0).value_or(""));
        }
        return true;
    }
    return false;
  }

  // Ordered by pid, so that the facts do not depend on the order the server lists them in.
  static void ReadConnections(ServerRows& rows, const PGresult* result) {
    rows.connections.reserve(PQntuples(result));
    for (int i = 0; i < PQntuples(result); ++i) {
      Row row;
      for (int column = 0; column < kConnectionColumnCount; ++column) {
        row.push_back(Value(result, i, column));
      }
      rows.connections.push_back(std::move(row));
    }
    auto pid = [](const Row& row) { return std::atoll(row[kPid].value_or("0").c_str()); };
    std::ranges::sort(rows.connections, {}, pid);
  }

  static ReplicationLinkRow ReadReplicationLink(const PGresult* result, int row, int version) {
    ReplicationLinkRow link;
    link.kind = Value(result, row, kLinkKind).value_or("");
    link.name = Value(result, row, kLinkName);
    link.database = Value(result, row, kLinkDatabase);
    if (const std::optional<std::string> enabled = Value(result, row, kLinkEnabled)) {
      link.enabled = *enabled == "t";
    }
    if (const std::optional<std::string> conninfo = Value(result, row, kLinkConninfo)) {
      std::optional<std::map<std::string, std::string, std::less<>>> keywords =
          IsConninfoUri(*conninfo) ? UriKeywords(*conninfo, link.conninfo_error)
                                   : ParseKeywordConninfo(*conninfo);
      if (keywords) {
        link.connection = ReadReplicaConnection(*keywords, version);
      } else if (!link.conninfo_error) {
        link.conninfo_error = "unterminated quoted value";
      }
    }
    return link;
  }

  // A URI's keywords, through libpq, which percent-decodes them; on failure its error, masked
  // as for pgward's own connection strings (the URI holds the password).
  static std::optional<std::map<std::string, std::string, std::less<>>> UriKeywords(
      const std::string& uri, std::optional<std::string>& error) {
    char* message = nullptr;
    PQconninfoOption* options = PQconninfoParse(uri.c_str(), &message);
    if (options == nullptr) {
      const std::string masked =
          ConninfoErrorMessage(message != nullptr ? message : "out of memory");
      error = masked + NewerLibpqKeyword(masked);
      PQfreemem(message);
      return std::nullopt;
    }
    std::map<std::string, std::string, std::less<>> keywords;
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (option->val != nullptr && IsReplicaKeyword(option->keyword)) {
        keywords[option->keyword] = option->val;
      }
    }
    PQconninfoFree(options);
    return keywords;
  }

  static bool ReadPrivilegedRoles(const PGresult* result, PrivilegedRoles& roles) {
    for (int i = 0; i < PQntuples(result); ++i) {
      PrivilegedRole& role = roles.emplace_back();
      role.name = Value(result, i, 0).value_or("");
      std::optional<std::vector<std::string>> member_of;
      if (!ReadTextArray(result, i, 1, member_of)) return false;
      role.member_of = std::move(member_of).value_or(std::vector<std::string>{});
    }
    return true;
  }

  static std::vector<IdentMappingRow> ReadIdentMappings(const PGresult* result) {
    std::vector<IdentMappingRow> mappings;
    for (int i = 0; i < PQntuples(result); ++i) {
      IdentMappingRow& row = mappings.emplace_back();
      if (std::optional<std::string> number = Value(result, i, 0)) {
        row.map_number = std::atoi(number->c_str());
      }
      row.file_name = Value(result, i, 1);
      row.line_number = std::atoi(Value(result, i, 2).value_or("0").c_str());
      row.map_name = Value(result, i, 3);
      row.sys_name = Value(result, i, 4);
      row.pg_username = Value(result, i, 5);
      row.error = Value(result, i, 6);
    }
    return mappings;
  }

  static bool ReadHbaRules(Session& session, const PGresult* result) {
    const int shift = session.rows.version >= 160000 ? 2 : 0;
    if (PQnfields(result) < shift + 9) return false;
    std::vector<FileRulesRow> rules;
    for (int i = 0; i < PQntuples(result); ++i) {
      FileRulesRow rule;
      if (shift > 0) {
        if (std::optional<std::string> number = Value(result, i, 0)) {
          rule.rule_number = std::atoi(number->c_str());
        }
        rule.file_name = Value(result, i, 1);
      }
      rule.line_number = std::atoi(Value(result, i, shift).value_or("0").c_str());
      rule.type = Value(result, i, shift + 1);
      if (!ReadTextArray(result, i, shift + 2, rule.database) ||
          !ReadTextArray(result, i, shift + 3, rule.user_name) ||
          !ReadTextArray(result, i, shift + 7, rule.options)) {
        // A server that lies, or a pg_hba.conf not in UTF-8 read through a SQL_ASCII database
        // (to_json passes its bytes on): its lines cannot be told, and are not guessed.
        session.failure = "pg_hba_file_rules line " + std::to_string(rule.line_number) +
                          ": a database, user or option list that is not an array of UTF-8 text";
        return false;
      }
      rule.address = Value(result, i, shift + 4);
      rule.netmask = Value(result, i, shift + 5);
      rule.auth_method = Value(result, i, shift + 6);
      rule.error = Value(result, i, shift + 8);
      rules.push_back(std::move(rule));
    }
    session.rows.hba_rules = std::move(rules);
    return true;
  }

  // The session's outcome is kept; facts are built in target order once every target is done,
  // so that the facts (and a snapshot of them) do not depend on which server answered first.
  void Finish(Session& session) {
    session.conn.reset();
    session.stage = Stage::kDone;
    const bool failed = session.failure.has_value();
    outcomes_[session.target] =
        Outcome{std::move(session.rows), std::move(session.failure), NowTimestamp()};
    // One call at a time, whichever loop finished the target.
    const std::lock_guard lock(progress_mutex_);
    ++progress_.done;
    if (failed) ++progress_.failed;
    progress_.total = options_.targets.size();
    if (options_.on_progress) options_.on_progress(progress_);
  }

  ServerHbaAnswer AddFacts(size_t index) {
    const Target& target = options_.targets[index];
    Outcome& outcome = outcomes_[index];
    ServerEvidence& server = evidence_.servers[index];
    const auto before = TableSizes(facts_);
    ServerHbaAnswer hba;
    // A server that was not reached has no evidence, and no time of collection.
    if (!outcome.failure) server.collected_at = outcome.finished_at;
    if (outcome.failure) {
      server.errors.push_back({target.name, *outcome.failure, std::nullopt});
    } else {
      outcome.rows.require_direct_tls = target.require_direct_tls;
      AddServerFacts(outcome.rows, facts_, server);
      if (!target.hba_file) CheckHbaEvidence(outcome.rows, server);
      const std::map<std::string, std::string>& settings = outcome.rows.settings;
      hba.version = outcome.rows.version;
      if (settings.contains("ssl")) hba.ssl = settings.at("ssl") == "on";
      if (settings.contains("hba_file")) hba.hba_file = settings.at("hba_file");
      hba.view_rows = std::move(outcome.rows.hba_rules);
      if (settings.contains("ident_file")) hba.ident_file = settings.at("ident_file");
      hba.ident_rows = std::move(outcome.rows.ident_mappings);
      if (!hba.ident_rows && !target.ident_file) hba.ident_unread = IdentUnread(outcome.rows);
      hba.roles = std::move(outcome.rows.privileged_roles);
    }
    server.rows = RowsSince(before, facts_);
    return hba;
  }

  static void CheckHbaEvidence(const ServerRows& rows, ServerEvidence& server) {
    if (rows.hba_rules) return;
    const std::string& role = rows.role;
    if (rows.version < 100000) {
      server.errors.push_back({rows.name,
                               "pg_hba_file_rules needs PostgreSQL 10: give the target an "
                               "hba_file in the inventory to read pg_hba.conf offline",
                               std::nullopt});
      return;
    }
    server.errors.push_back({rows.name,
                             "role " + role +
                                 " cannot read pg_hba_file_rules: GRANT SELECT ON "
                                 "pg_catalog.pg_hba_file_rules TO " +
                                 QuoteIdentifier(role) +
                                 "; GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules() TO " +
                                 QuoteIdentifier(role) +
                                 " (or give the target an hba_file in the inventory)",
                             std::nullopt});
  }

  // Why a server's pg_ident_file_mappings was not read: the error names what would let it be.
  static std::string IdentUnread(const ServerRows& rows) {
    if (rows.ident_error) return "cannot read pg_ident_file_mappings: " + *rows.ident_error;
    if (rows.version < 150000) {
      return "pg_ident_file_mappings needs PostgreSQL 15: give the target an ident_file in the "
             "inventory to read pg_ident.conf offline";
    }
    const std::string role = QuoteIdentifier(rows.role);
    return "role " + rows.role +
           " cannot read pg_ident_file_mappings: GRANT SELECT ON "
           "pg_catalog.pg_ident_file_mappings TO " +
           role + "; GRANT EXECUTE ON FUNCTION pg_catalog.pg_ident_file_mappings() TO " + role +
           " (or give the target an ident_file in the inventory)";
  }

  struct Outcome {
    ServerRows rows;
    std::optional<std::string> failure;
    std::string finished_at;  // when the server answered, or gave up
  };

  const CollectOptions& options_;
  FactSet& facts_;
  Evidence evidence_;
  std::vector<Outcome> outcomes_;   // by target: each loop writes the slots of its own targets
  Clock::time_point run_deadline_;  // Run()'s start plus options_.deadline; max without one
  std::atomic<size_t> next_target_ = 0;
  std::mutex progress_mutex_;
  Progress progress_;
};

}  // namespace

std::string SanitizeLibpqMessage(std::string_view message) {
  std::string line;
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line += ' ';
      continue;
    }
    line += c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  // Masked whole, then cut (a cut could leave a password without the quote or '@' that marks
  // it), before a UTF-8 character's continuation bytes.
  line = RedactSecrets(line);
  if (line.size() <= kMostMessageBytes) return line;
  size_t end = kMostMessageBytes;
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
  line.resize(end);
  return line + " ... (cut)";
}

std::optional<std::string> NameForDsn(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return std::nullopt;
  if (MisreadsUriPassword(dsn)) {
    PQconninfoFree(options);
    return std::nullopt;
  }
  std::map<std::string_view, std::string> values;
  for (const PQconninfoOption* option = options; option->keyword; ++option) {
    if (option->val && *option->val) values[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  std::string name;
  if (values.contains("service")) name = "service=" + values["service"] + " ";
  if (values.contains("user")) name += values["user"] + "@";
  name += values.contains("host")       ? values["host"]
          : values.contains("hostaddr") ? values["hostaddr"]
                                        : "localhost";
  if (values.contains("port")) name += ":" + values["port"];
  if (values.contains("dbname")) name += "/" + values["dbname"];
  return name;
}

LiveCollection CollectLive(const CollectOptions& options, FactSet& facts) {
  return Collector(options, facts).Run();
}

}  // namespace pgward::collect
