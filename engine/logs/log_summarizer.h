#pragma once

// Log entries counted into a LogSummary: the log_connections lines of each backend joined by
// its session (session id where the format carries it, else pid), so that the client address of
// `connection received` reaches the `connection authorized` line that lacks it.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/logs/log_reader.h"
#include "engine/logs/reload_tracker.h"
#include "engine/model/log_summary.h"
#include "engine/model/tls_version.h"

namespace pgward::logs {

// Distinct values kept per counter (users, clients, ...); further ones count as "(other)", so
// that a log of millions of clients takes bounded memory.
inline constexpr std::size_t kMaxDistinctValues = 10000;
// Values listed per counter in the summary.
inline constexpr std::size_t kTopValues = 10;

// A log time as milliseconds since 1970 UTC: "2026-12-03 22:13:40[.123] ZONE" where ZONE is UTC,
// GMT or a numeric offset (+03, -0530, +05:30), or %n's "1764800020.123". nullopt otherwise.
std::optional<std::int64_t> ParseLogTime(std::string_view text, bool epoch);

// --since and --until: "2026-12-03", "2026-12-03 22:13[:40]" or with 'T', in UTC unless a zone
// (Z or a numeric offset) follows. nullopt when it is none of those.
std::optional<std::int64_t> ParseTimeBound(std::string_view text);

struct SummaryOptions {
  TlsVersion min_tls_version = TlsVersion::kTls1_2;
  std::optional<std::int64_t> since;  // milliseconds UTC, inclusive
  std::optional<std::int64_t> until;  // exclusive
  // Keep every distinct session and failure (LogSummary::session_groups and failure_groups):
  // what a scan's facts are made of. A summary for people needs only the counts.
  bool groups = false;
};

class ValueCounter {
 public:
  // Looked up by the view, without a string made for each value.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view value) const {
      return std::hash<std::string_view>()(value);
    }
  };

  void Add(std::string_view value);
  std::vector<LogValueCount> Top(std::size_t count) const;
  bool overflowed() const { return overflow_ > 0; }

 private:
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> counts_;
  std::uint64_t overflow_ = 0;
};

// The times a log's entries cover, within --since/--until: kept by each block's scan, merged in
// file order.
class LogWindow {
 public:
  explicit LogWindow(const SummaryOptions& options)
      : since_(options.since), until_(options.until) {}

  // Takes in an entry, with its time (nullopt if not convertible): whether that time is inside
  // the bounds, and if so widens the window to it.
  bool Add(const LogEntry& entry, std::optional<std::int64_t>& time);
  // Takes in the window of entries that followed these.
  void Merge(const LogWindow& later);
  void SetIn(LogSummary& summary) const;

 private:
  // Reads an entry's time into the cache below (it is not the last entry's).
  void ReadTime(const LogEntry& entry);

  std::optional<std::int64_t> since_, until_;
  std::optional<std::int64_t> first_, last_;
  std::optional<std::string> first_text_, last_text_;
  std::string unknown_zone_;
  std::string cached_timestamp_;  // the last entry's time, as written, and as parsed
  bool cached_epoch_ = false;
  std::optional<std::int64_t> cached_time_;
  std::int64_t cached_time_of_day_ = 0;
  std::size_t cached_zone_at_ = std::string::npos;  // the space before its zone
  bool window_unknown_ = false;
};

class LogSummarizer : public LogEntrySink {
 public:
  explicit LogSummarizer(SummaryOptions options);
  // It keeps an iterator into its own map (last_tls_).
  LogSummarizer(const LogSummarizer&) = delete;
  LogSummarizer& operator=(const LogSummarizer&) = delete;

  std::unique_ptr<BlockScan> NewBlockScan() const override;
  void Merge(BlockScan& scan, std::uint64_t lines_before) override;
  void Add(const LogEntry& entry) override;
  // A file's line counts (LogReadResult).
  void AddLines(std::uint64_t lines, std::uint64_t unparsed);
  void SetFormat(LogFormat format);
  // Connections received and not yet authorized, failed or ended: what a scheduled run hands to
  // the next (ResumeConnections), whose lines authorize them. In backend order, and before
  // Finish.
  std::vector<OpenConnection> OpenConnections() const;
  void ResumeConnections(const std::vector<OpenConnection>& open);
  // The next file of the log begins (ReloadTracker::NewFile): the first is file 1.
  void NewFile() {
    reloads_.NewFile();
    unread_messages_ = 0;
    first_unread_message_.reset();
  }
  // Lines of the current file that are no entry but hold what reads like a message the summary
  // counts (`LOG:  connection received: ...` under another log_line_prefix): the line of the
  // first, and how many. The summary cannot be complete then.
  std::optional<std::uint64_t> first_unread_message() const { return first_unread_message_; }
  std::uint64_t unread_messages() const { return unread_messages_; }
  // The configurations not known to be applied, for the next scheduled run (ReloadTracker), and
  // those the last run left, kept with file `file` (0: none of this run's).
  std::vector<OutdatedConfiguration> OutdatedConfigurations() const { return reloads_.Outdated(); }
  void ResumeReloads(const std::vector<OutdatedConfiguration>& outdated, int file) {
    reloads_.Resume(outdated, file);
  }
  LogSummary Finish();

 private:
  struct WhoCounters {
    ValueCounter users, databases, clients, applications;
    void Add(std::string_view user, std::string_view database, std::string_view client,
             std::string_view application);
    LogWho Top() const;
    bool overflowed() const;
  };
  enum class Transport { kUnknown, kLocal, kPlaintext, kTls, kGssEncrypted };
  // As LogSessionGroup::transport writes it: local, tcp_plaintext, tcp_tls, tcp_gssenc, "".
  static const char* TransportName(Transport transport);
  // An authorized session, as Count takes it: its texts are views into its line and its join
  // (the client `connection received` gave), or into the session that holds it
  // (HeldAuthorization), so that counting one copies nothing.
  struct Authorization {
    Transport transport = Transport::kUnknown;
    bool replication = false;
    bool below_minimum = false;
    bool counted = false;  // inside the window
    int bits = 0;
    std::string_view protocol, cipher;                     // TLS only
    std::string_view user, database, client, application;  // when counted by who, or grouped
    std::optional<std::int64_t> time;
  };
  // An authorization held in its session until a later line shows the application name. A busy
  // server's log without log_disconnections holds one for each of its open connections, so its
  // texts are copied end to end into one string: one allocation, not one per text.
  class HeldAuthorization {
   public:
    HeldAuthorization(const Authorization& authorization, std::string_view named);
    // Its texts are views into this object.
    Authorization Get() const;
    // The application name the authorized line gave.
    std::string_view named() const { return Text(0); }
    std::optional<std::int64_t> time() const { return time_; }

   private:
    // The texts kept after the application name, in their order.
    static constexpr std::string_view Authorization::*kKeptTexts[] = {
        &Authorization::protocol, &Authorization::cipher, &Authorization::user,
        &Authorization::database, &Authorization::client, &Authorization::application};
    std::string_view Text(std::size_t index) const;

    std::string texts_;
    // Where the name and each kept text end; each at most kMaxValueBytes long.
    std::array<std::uint16_t, 1 + std::size(kKeptTexts)> ends_{};
    std::optional<std::int64_t> time_;
    int bits_ = 0;
    Transport transport_ = Transport::kUnknown;
    bool replication_ = false, below_minimum_ = false, counted_ = false;
  };
  struct Session {
    std::string client;
    std::optional<std::int64_t> received;  // when `connection received` was written
    // clientcert=verify-full failed (a LOG line): the FATAL that follows names the method's
    // failure (password authentication failed, ...) and is the same attempt, counted already.
    bool certificate_failed = false;
    // A transport read after an application name, which the client chose: held until a later
    // line of the session shows the name, so that a name that imitates TLS is caught.
    std::optional<HeldAuthorization> unconfirmed;
  };

  // A `connection authorized` line, which the block's scan took apart; ends its session's join
  // unless the transport is held in it.
  void Authorized(const LogEntry& entry, bool replication, std::optional<std::int64_t> time,
                  bool counted, const std::string& key);
  // Counts an authorized session by its transport.
  void Count(const Authorization& authorization);
  // Counts the transport held for `session`: as written if `later` (a later line of the
  // session) shows the application name the authorized line gave, as unknown if it shows another
  // (a name that imitates TLS, or one changed to hide it); as written, but not verified, when no
  // later line shows the name (`later` null, or a line without it).
  void Settle(Session& session, const LogEntry* later);
  // Makes room in sessions_ at `now`: joins older than a connection can wait for its
  // authentication go, held transports older than that are settled; all go if that is not
  // enough.
  void MakeRoom(std::optional<std::int64_t> now);
  // `joined`: the session's join (its client, when the entry does not give it), or null.
  void Failed(LogFailure failure, const LogEntry& entry, const Session* joined,
              std::string_view user, std::string_view database, std::string_view client,
              std::string_view reason, std::optional<std::int64_t> time);
  void AddSessionGroup(const Authorization& authorization);
  // A `connection authenticated` line: the pg_hba.conf line it names was used.
  void HbaLineUsed(std::string_view message);
  // The key of the entry's session in sessions_ (empty for none), in session_key_, whose memory
  // is used again: the session id, or "p" and the pid.
  const std::string& SessionKey(const LogEntry& entry);
  // The entry's client, or the one its session's `connection received` gave (`joined`, or null).
  static std::string_view ClientOf(const LogEntry& entry, const Session* joined);

  SummaryOptions options_;
  LogSummary summary_;
  bool format_set_ = false;
  LogWindow window_;
  std::unordered_map<std::string, Session> sessions_;
  std::string session_key_;
  // TLS sessions by (protocol, cipher, bits), found by views of a session's strings.
  struct TlsKeyLess {
    using is_transparent = void;
    template <typename Left, typename Right>
    bool operator()(const Left& left, const Right& right) const {
      return View(left) < View(right);
    }
    template <typename Key>
    static std::tuple<std::string_view, std::string_view, int> View(const Key& key) {
      return {std::get<0>(key), std::get<1>(key), std::get<2>(key)};
    }
  };
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t, TlsKeyLess> tls_;
  decltype(tls_)::iterator last_tls_ = tls_.end();  // the combination counted last
  std::map<std::pair<std::string, int>, std::uint64_t> hba_lines_;
  bool distinct_overflow_ = false;  // TLS combinations or hba lines beyond their limits
  WhoCounters plaintext_who_, below_minimum_who_;
  WhoCounters failure_who_[kLogFailureKinds];
  ValueCounter handshake_reasons_;
  ValueCounter authorized_databases_;
  // Sessions and failures grouped by everything but time (key: the values joined by \x1f),
  // hashed: a busy log looks one up per session. Finish() orders them by key.
  std::unordered_map<std::string, LogSessionGroup> session_groups_;
  std::unordered_map<std::string, LogFailureGroup> failure_groups_;
  bool sessions_overflowed_ = false;
  std::uint64_t unverified_ = 0;        // transports taken as written without the later line
  std::optional<std::int64_t> latest_;  // the latest time of an entry taken
  ReloadTracker reloads_;
  std::uint64_t unread_messages_ = 0;
  std::optional<std::uint64_t> first_unread_message_;
};

// Reads `files`, in order, into one summary (LogSummarizer, ReadServerLog). A file that cannot be
// read is an error naming it; so is one of which no line is an entry (a file written with
// another log_line_prefix, which would otherwise go unread behind the others), and one with a
// line that is no entry but reads like a message the summary counts (the prefix changed partway:
// the sessions after it would go uncounted). A scheduled run
// resumes from `resume` and records where it stopped in `reached`.
struct ServerLogsRead {
  LogSummary summary;
  std::optional<std::string> error;
};
ServerLogsRead SummarizeServerLogs(const std::vector<std::string>& files,
                                   const LogReadOptions& read_options,
                                   const SummaryOptions& summary_options,
                                   const LogPositions* resume = nullptr,
                                   LogPositions* reached = nullptr);

}  // namespace pgward::logs
