#pragma once

// Log entries counted into a LogSummary: the log_connections lines of each backend joined by
// its session (session id where the format carries it, else pid), so that the client address of
// `connection received` reaches the `connection authorized` line that lacks it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/logs/log_reader.h"
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

// "2026-12-03T22:13:40.123Z".
std::string FormatUtc(std::int64_t milliseconds);

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
  void Add(std::string_view value);
  std::vector<LogValueCount> Top(std::size_t count) const;
  bool overflowed() const { return overflow_ > 0; }

 private:
  std::unordered_map<std::string, std::uint64_t> counts_;
  std::uint64_t overflow_ = 0;
};

class LogSummarizer {
 public:
  explicit LogSummarizer(SummaryOptions options);

  void Add(const LogEntry& entry);
  // A file's line counts (LogReadResult).
  void AddLines(std::uint64_t lines, std::uint64_t unparsed);
  void SetFormat(LogFormat format);
  LogSummary Finish();

 private:
  struct WhoCounters {
    ValueCounter users, databases, clients, applications;
    void Add(std::string_view user, std::string_view database, std::string_view client,
             std::string_view application);
    LogWho Top() const;
    bool overflowed() const;
  };
  struct Session {
    std::string client;
    // clientcert=verify-full failed (a LOG line): the FATAL that follows names the method's
    // failure (password authentication failed, ...) and is the same attempt, counted already.
    bool certificate_failed = false;
  };

  bool InWindow(const LogEntry& entry, std::optional<std::int64_t>& time);
  void Authorized(const LogEntry& entry, std::string_view message, bool replication,
                  std::optional<std::int64_t> time);
  void Failed(LogFailure failure, const LogEntry& entry, std::string_view user,
              std::string_view database, std::string_view client, std::string_view reason,
              std::optional<std::int64_t> time);
  void AddSessionGroup(LogSessionGroup group, std::optional<std::int64_t> time);
  std::string SessionKey(const LogEntry& entry) const;
  std::string ClientOf(const LogEntry& entry);
  bool CertificateFailed(const std::string& key) const;

  SummaryOptions options_;
  LogSummary summary_;
  bool format_set_ = false;
  std::optional<std::int64_t> first_, last_;
  std::optional<std::string> first_text_, last_text_;
  std::string unknown_zone_;
  std::string cached_timestamp_;  // the last entry's time, as written, and as parsed
  bool cached_epoch_ = false;
  std::optional<std::int64_t> cached_time_;
  bool window_unknown_ = false;
  std::unordered_map<std::string, Session> sessions_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> tls_;
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
};

}  // namespace pgward::logs
