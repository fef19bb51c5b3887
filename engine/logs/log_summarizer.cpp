#include "engine/logs/log_summarizer.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "engine/core/byte_words.h"
#include "engine/logs/line_prefix.h"
#include "engine/model/fact_format.h"

namespace pgward::logs {
namespace {

// Sessions between `connection received` and their end kept at once; a log that opens more
// without ever finishing them (none does) loses the oldest joins, and says so.
constexpr std::size_t kMaxOpenSessions = 100000;
// authentication_timeout's largest value: a connection not authorized by then never will be.
constexpr std::int64_t kLongestAuthenticationMs = 600 * 1000;
// The application name a session's later lines show: the startup one cut to NAMEDATALEN - 1.
constexpr std::size_t kApplicationNameBytes = 63;
constexpr std::size_t kMaxTlsCombinations = 10000;

// Compared in place where the prefix's length is known (std::string_view's == calls memcmp,
// once per log line here).
bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::memcmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// text.rfind(needle), which libstdc++ does by comparing the whole needle at every position: here
// glibc's vectorised memrchr finds the needle's last byte (the '(' of " SSL enabled (" and
// " GSS (", which the names before them and the ciphers after them seldom hold), and only there
// is the rest compared. A `connection authorized` line whose end is not the last one's
// (TransportReader) is searched from its end.
std::size_t FindLast(std::string_view text, std::string_view needle) {
  if (needle.empty() || needle.size() > text.size()) return text.rfind(needle);
  const char* const bytes = text.data();
  const std::size_t tail = needle.size() - 1;
  // The needle's last byte is at `tail` or after, and before `limit`.
  std::size_t limit = text.size();
  while (limit > tail) {
    const void* found = memrchr(bytes + tail, needle.back(), limit - tail);
    if (found == nullptr) break;
    const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(found) - bytes);
    if (std::memcmp(bytes + end - tail, needle.data(), tail) == 0) return end - tail;
    limit = end;
  }
  return std::string_view::npos;
}

// FindText(text, needle, from), tried first at `from`, where the server writes `needle` (a line
// it did not write is searched further).
std::size_t FindFromWhereWritten(std::string_view text, std::string_view needle, std::size_t from) {
  return from <= text.size() && StartsWith(text.substr(from), needle)
             ? from
             : FindText(text, needle, from);
}

// a == b (SameBytes): a timestamp and a name are compared once per log line.
bool SameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

// A value a log wrote for "not known yet": empty, or "[unknown]" before the startup packet.
std::string_view Known(std::string_view value) {
  return SameText(value, "[unknown]") ? std::string_view() : Bounded(value);
}

// Decimal digits only: no sign, no spaces.
std::optional<int> Digits(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// days_from_civil (Howard Hinnant): days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

// "+03", "-0530", "+05:30" as minutes east of UTC; "UTC", "GMT", "Z" as 0.
std::optional<int> ZoneOffsetMinutes(std::string_view zone) {
  if (zone == "UTC" || zone == "GMT" || zone == "Z" || zone == "UCT") return 0;
  if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-')) return std::nullopt;
  const int sign = zone[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : zone.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  const int hours = (digits[0] - '0') * 10 + (digits[1] - '0');
  const int minutes = digits.size() == 4 ? (digits[2] - '0') * 10 + (digits[3] - '0') : 0;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return sign * (hours * 60 + minutes);
}

// "YYYY-MM-DD", then optionally [ T]HH:MM[:SS[.mmm]]; the rest is returned in `rest`.
std::optional<std::int64_t> ParseDateTime(std::string_view text, std::string_view& rest) {
  auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
    if (at + length > text.size()) return std::nullopt;
    return Digits(text.substr(at, length));
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-' || *month < 1 || *month > 12 ||
      *day < 1) {
    return std::nullopt;
  }
  // A real date: February 30th is refused, not rolled over into March.
  constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
  if (*day > kDaysInMonth[*month - 1] || (*month == 2 && *day == 29 && !leap)) return std::nullopt;
  std::int64_t milliseconds =
      DaysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400000;
  std::size_t at = 10;
  if (at < text.size() && (text[at] == ' ' || text[at] == 'T') && at + 6 <= text.size() &&
      text[at + 3] == ':') {
    const auto hour = number(at + 1, 2), minute = number(at + 4, 2);
    if (!hour || !minute || *hour > 23 || *minute > 59) return std::nullopt;
    milliseconds += (*hour * 60 + *minute) * 60000;
    at += 6;
    if (at < text.size() && text[at] == ':') {
      const auto second = number(at + 1, 2);
      if (!second || *second > 60) return std::nullopt;
      milliseconds += *second * 1000;
      at += 3;
      if (at < text.size() && text[at] == '.') {
        const auto fraction = number(at + 1, 3);
        if (!fraction) return std::nullopt;
        milliseconds += *fraction;
        at += 4;
      }
    }
  }
  rest = text.substr(at);
  return milliseconds;
}

// Parses "protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)" after " SSL enabled (".
struct TlsDetails {
  std::string_view protocol, cipher;
  int bits = 0;
};
std::optional<TlsDetails> ParseTlsDetails(std::string_view text) {
  constexpr std::string_view kProtocol = "protocol=", kCipher = ", cipher=", kBits = ", bits=";
  if (!StartsWith(text, kProtocol)) return std::nullopt;
  const std::size_t cipher = FindText(text, kCipher);
  if (cipher == std::string_view::npos) return std::nullopt;
  const std::size_t bits = FindText(text, kBits, cipher);
  if (bits == std::string_view::npos) return std::nullopt;
  // PostgreSQL 13 adds ", compression=off" after the bits.
  std::size_t close = bits + 1;
  while (close < text.size() && text[close] != ',' && text[close] != ')') ++close;
  if (close == text.size()) return std::nullopt;
  TlsDetails details;
  details.protocol = text.substr(kProtocol.size(), cipher - kProtocol.size());
  details.cipher = text.substr(cipher + kCipher.size(), bits - cipher - kCipher.size());
  details.bits = Digits(text.substr(bits + kBits.size(), close - bits - kBits.size())).value_or(0);
  return details;
}

// The text between `key` and the first of `ends` after it (or the end).
std::string_view ValueAfter(std::string_view text, std::string_view key,
                            std::initializer_list<std::string_view> ends) {
  const std::size_t at = FindText(text, key);
  if (at == std::string_view::npos) return {};
  std::string_view value = text.substr(at + key.size());
  std::size_t end = value.size();
  for (const std::string_view stop : ends) end = std::min(end, FindText(value, stop));
  return value.substr(0, end);
}

// `for host "H", user "U", database "D", no encryption` (hba rejects and missing entries). The
// replication variants have no database.
struct HbaDenial {
  std::string_view host, user, database, encryption;
};
HbaDenial ParseHbaDenial(std::string_view text) {
  HbaDenial denial;
  denial.host = ValueAfter(text, "host \"", {"\""});
  denial.user = ValueAfter(text, "user \"", {"\""});
  denial.database = ValueAfter(text, "database \"", {"\""});
  const std::size_t comma = text.rfind("\", ");
  if (comma != std::string_view::npos) denial.encryption = text.substr(comma + 3);
  return denial;
}

}  // namespace

std::optional<std::int64_t> ParseLogTime(std::string_view text, bool epoch) {
  if (epoch) {
    const std::size_t dot = text.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::int64_t seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + dot, seconds);
    const std::optional<int> fraction = Digits(text.substr(dot + 1));
    // Beyond year 10000 is not a log time (and would overflow as milliseconds).
    if (error != std::errc() || end != text.data() + dot || !fraction || text.size() != dot + 4 ||
        seconds < 0 || seconds > 253402300799) {
      return std::nullopt;
    }
    return seconds * 1000 + *fraction;
  }
  std::string_view rest;
  const std::optional<std::int64_t> local = ParseDateTime(text, rest);
  if (!local || rest.size() < 2 || rest[0] != ' ') return std::nullopt;
  const std::optional<int> offset = ZoneOffsetMinutes(rest.substr(1));
  if (!offset) return std::nullopt;
  return *local - std::int64_t{*offset} * 60000;
}

std::optional<std::int64_t> ParseTimeBound(std::string_view text) {
  std::string_view rest;
  const std::optional<std::int64_t> local = ParseDateTime(text, rest);
  if (!local) return std::nullopt;
  if (rest.empty()) return local;
  if (rest.front() == ' ') rest.remove_prefix(1);
  const std::optional<int> offset = ZoneOffsetMinutes(rest);
  if (!offset) return std::nullopt;
  return *local - std::int64_t{*offset} * 60000;
}

void ValueCounter::Add(std::string_view value) {
  value = Bounded(value);
  if (value.empty()) return;
  if (const auto found = counts_.find(value); found != counts_.end()) {
    ++found->second;
  } else if (counts_.size() < kMaxDistinctValues) {
    counts_.emplace(value, 1);
  } else {
    ++overflow_;
  }
}

std::vector<LogValueCount> ValueCounter::Top(std::size_t count) const {
  std::vector<LogValueCount> all;
  all.reserve(counts_.size() + 1);
  for (const auto& [value, seen] : counts_) all.push_back({value, seen});
  // "(other)" stands for the values beyond the distinct-value limit, counted together.
  if (overflow_ > 0) all.push_back({"(other)", overflow_});
  const auto before = [](const LogValueCount& a, const LogValueCount& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  };
  const std::size_t kept = std::min(count, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kept), all.end(),
                    before);
  all.resize(kept);
  return all;
}

void LogSummarizer::WhoCounters::Add(std::string_view user, std::string_view database,
                                     std::string_view client, std::string_view application) {
  users.Add(Known(user));
  databases.Add(Known(database));
  clients.Add(Known(client));
  applications.Add(Known(application));
}

LogWho LogSummarizer::WhoCounters::Top() const {
  return {users.Top(kTopValues), databases.Top(kTopValues), clients.Top(kTopValues),
          applications.Top(kTopValues)};
}

bool LogSummarizer::WhoCounters::overflowed() const {
  return users.overflowed() || databases.overflowed() || clients.overflowed() ||
         applications.overflowed();
}

LogSummarizer::LogSummarizer(SummaryOptions options) : options_(options), window_(options_) {
  summary_.min_tls_version = std::string(TlsVersionName(options_.min_tls_version));
}

void LogSummarizer::SetFormat(LogFormat format) {
  if (format_set_) return;
  summary_.format = LogFormatName(format);
  format_set_ = true;
}

void LogSummarizer::AddLines(std::uint64_t lines, std::uint64_t unparsed) {
  summary_.lines += lines;
  summary_.unparsed_lines += unparsed;
}

const std::string& LogSummarizer::SessionKey(const LogEntry& entry) {
  if (!entry.session_id.empty()) {
    session_key_.assign(Bounded(entry.session_id));
  } else if (entry.pid.empty()) {
    session_key_.clear();
  } else {
    // Written in place: the string keeps its memory, and its length mostly (pids of as many
    // digits follow one another).
    const std::string_view pid = Bounded(entry.pid);
    session_key_.resize(1 + pid.size());
    session_key_[0] = 'p';
    std::memcpy(session_key_.data() + 1, pid.data(), pid.size());
  }
  return session_key_;
}

std::string_view LogSummarizer::ClientOf(const LogEntry& entry, const Session* joined) {
  if (!Known(entry.client).empty()) return entry.client;
  return joined != nullptr ? std::string_view(joined->client) : std::string_view();
}

namespace {

// "2026-12-03 22:13:40[.123] ZONE": the time of day of `text` in milliseconds, when `text` has
// the same day, zone and shape as `same_as` (a time ParseLogTime read), whose last space (before
// its zone) is at `zone`.
std::optional<std::int64_t> SameDayTimeOfDay(std::string_view text, std::string_view same_as,
                                             std::size_t zone) {
  constexpr std::size_t kDay = 11;  // "2026-12-03 "
  // Read where the time changes, once every few lines: the day and the zone compared a word at a
  // time (the last space of `text` is where `same_as` has its own when what follows is the same),
  // the digits in place.
  if (text.size() != same_as.size() || zone == std::string_view::npos || zone < kDay + 8 ||
      zone >= text.size() || !SameBytes(text.data(), same_as.data(), kDay) ||
      !SameBytes(text.data() + zone, same_as.data() + zone, text.size() - zone)) {
    return std::nullopt;
  }
  // "22:13:40", or "22:13:40.123": the first eight bytes one word, whose colons are checked in
  // their lanes and the other lanes' bytes as digits.
  const std::size_t clock_size = zone - kDay;
  if (clock_size != 8 && clock_size != 12) return std::nullopt;
  const std::uint64_t clock = Load8(text.data() + kDay);
  constexpr std::uint64_t kColonLanes = std::uint64_t{0xff} << 16 | std::uint64_t{0xff} << 40;
  constexpr std::uint64_t kColons = kColonLanes & (kEachByte * ':');
  if ((clock & kColonLanes) != kColons || (NonDigitBytes(clock) & ~kColonLanes) != 0) {
    return std::nullopt;
  }
  const std::uint64_t values = clock ^ (kEachByte * '0');
  const auto digit = [&](int lane) { return static_cast<unsigned>(values >> (8 * lane) & 0xff); };
  const unsigned hour = digit(0) * 10 + digit(1), minute = digit(3) * 10 + digit(4),
                 second = digit(6) * 10 + digit(7);
  unsigned fraction = 0;
  if (clock_size == 12) {
    const char* const milliseconds = text.data() + kDay + 8;  // ".123"
    const unsigned tenths = static_cast<unsigned>(milliseconds[1] - '0'),
                   hundredths = static_cast<unsigned>(milliseconds[2] - '0'),
                   thousandths = static_cast<unsigned>(milliseconds[3] - '0');
    if (milliseconds[0] != '.' || tenths > 9 || hundredths > 9 || thousandths > 9) {
      return std::nullopt;
    }
    fraction = tenths * 100 + hundredths * 10 + thousandths;
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return ((hour * 60 + minute) * 60 + second) * std::int64_t{1000} + fraction;
}

}  // namespace

void LogWindow::ReadTime(const LogEntry& entry) {
  // Mostly the same day and zone as the last: only the time of day is read again.
  const std::optional<std::int64_t> time_of_day =
      cached_time_ && !entry.epoch_timestamp && !cached_epoch_
          ? SameDayTimeOfDay(entry.timestamp, cached_timestamp_, cached_zone_at_)
          : std::nullopt;
  if (time_of_day) {
    // Its zone is where the last one's was: cached_zone_at_ holds.
    cached_time_ = *cached_time_ - cached_time_of_day_ + *time_of_day;
    cached_time_of_day_ = *time_of_day;
  } else {
    cached_time_ = ParseLogTime(entry.timestamp, entry.epoch_timestamp);
    cached_zone_at_ = entry.timestamp.rfind(' ');
    cached_time_of_day_ =
        cached_time_ && !entry.epoch_timestamp
            ? SameDayTimeOfDay(entry.timestamp, entry.timestamp, cached_zone_at_).value_or(0)
            : 0;
  }
  cached_timestamp_.assign(entry.timestamp);
  cached_epoch_ = entry.epoch_timestamp;
  if (!cached_time_ && !entry.timestamp.empty() && unknown_zone_.empty()) {
    // The zone is after the last space, whose place the cache keeps.
    unknown_zone_ = cached_zone_at_ == std::string_view::npos
                        ? std::string(entry.timestamp)
                        : std::string(entry.timestamp.substr(cached_zone_at_ + 1));
  }
}

bool LogWindow::Add(const LogEntry& entry, std::optional<std::int64_t>& time) {
  // Consecutive entries mostly share their time (to the second with %t): read once.
  if (!SameText(entry.timestamp, cached_timestamp_) || entry.epoch_timestamp != cached_epoch_) {
    ReadTime(entry);
  }
  time = cached_time_;
  if (since_ || until_) {
    // An entry whose time cannot be compared is outside any window: never counted on a guess.
    if (!time) return false;
    if (since_ && *time < *since_) return false;
    if (until_ && *time >= *until_) return false;
  }
  if (time) {
    if (!first_ || *time < *first_) first_ = time;
    if (!last_ || *time > *last_) last_ = time;
  } else if (!entry.timestamp.empty()) {
    window_unknown_ = true;
    if (!first_text_) first_text_ = std::string(entry.timestamp);
    // Assigned in place: a zone pgward cannot convert leaves every entry's time unknown.
    if (last_text_) {
      last_text_->assign(entry.timestamp);
    } else {
      last_text_ = std::string(entry.timestamp);
    }
  }
  return true;
}

void LogWindow::Merge(const LogWindow& later) {
  if (later.first_ && (!first_ || *later.first_ < *first_)) first_ = later.first_;
  if (later.last_ && (!last_ || *later.last_ > *last_)) last_ = later.last_;
  if (!first_text_) first_text_ = later.first_text_;
  if (later.last_text_) last_text_ = later.last_text_;
  if (unknown_zone_.empty()) unknown_zone_ = later.unknown_zone_;
  window_unknown_ = window_unknown_ || later.window_unknown_;
}

void LogWindow::SetIn(LogSummary& summary) const {
  if (first_) {
    summary.first = FormatTimestampMilliseconds(*first_);
    summary.last = FormatTimestampMilliseconds(*last_);
    summary.first_ms = first_;
    summary.last_ms = last_;
  } else if (first_text_) {
    summary.first = first_text_;
    summary.last = last_text_;
  }
  if (window_unknown_ || (!unknown_zone_.empty() && (since_ || until_))) {
    summary.notes.push_back("times in zone '" + unknown_zone_ +
                            "' cannot be converted to UTC (known: UTC, GMT, numeric offsets)" +
                            (since_ || until_
                                 ? ": entries with those times are outside --since/--until"
                                 : ": the window is shown as the log wrote it"));
  }
}

namespace {

// The messages a summary counts (postinit.c, postmaster.c, auth.c, be-secure-openssl.c).
enum class Message {
  kOther,
  kReceived,                   // connection received: host=...
  kAuthorized,                 // connection authorized: user=...
  kReplicationAuthorized,      // replication connection authorized: user=...
  kAuthenticated,              // connection authenticated: ... (FILE:LINE)
  kCertificateRequired,        // connection requires a valid client certificate
  kCertificateValidation,      // certificate validation (clientcert=verify-full) failed ...
  kCertificateAuthentication,  // certificate authentication failed for user "..."
  kSslAccept,                  // could not accept SSL connection: REASON
  kHbaReject,                  // pg_hba.conf rejects [replication ]connection for ...
  kNoHbaEntry,                 // no pg_hba.conf entry for ...
  kPasswordAuthentication,     // password authentication failed for user "..."
  kDisconnection,              // disconnection: session time: ...
  kReloadRequested,            // received SIGHUP, reloading configuration files
  kNotReloaded,                // SSL configuration was not reloaded, pg_hba.conf was not ...
  kServerStart,                // starting PostgreSQL 15.14 ...
};

constexpr std::string_view kReceivedText = "connection received: ";
constexpr std::string_view kAuthorizedText = "connection authorized: ";
constexpr std::string_view kReplicationAuthorizedText = "replication connection authorized: ";
constexpr std::string_view kAuthenticatedText = "connection authenticated: ";
constexpr std::string_view kCertificateRequiredText =
    "connection requires a valid client certificate";
constexpr std::string_view kCertificateValidationText =
    "certificate validation (clientcert=verify-full) failed for user \"";
constexpr std::string_view kCertificateAuthenticationText =
    "certificate authentication failed for user \"";
constexpr std::string_view kSslAcceptText = "could not accept SSL connection: ";
constexpr std::string_view kHbaRejectText = "pg_hba.conf rejects connection for ";
constexpr std::string_view kHbaRejectReplicationText =
    "pg_hba.conf rejects replication connection for ";
constexpr std::string_view kNoHbaEntryText = "no pg_hba.conf entry for ";
constexpr std::string_view kPasswordText = "password authentication failed for user \"";
constexpr std::string_view kDisconnectionText = "disconnection: ";
constexpr std::string_view kReloadRequestedText = "received SIGHUP, reloading configuration files";
constexpr std::string_view kNotReloadedText = " was not reloaded";
constexpr std::string_view kSslNotReloadedText = "SSL configuration was not reloaded";
// The authentication files: named so up to 15, by their absolute path from 16.
constexpr std::string_view kAuthFilesNotReloaded[] = {"pg_hba.conf was not reloaded",
                                                      "pg_ident.conf was not reloaded"};
constexpr std::string_view kServerStartText = "starting PostgreSQL ";

// Most messages are statements, checkpoints and the like: their first letter passes them by.
Message Classify(std::string_view message) {
  if (message.empty()) return Message::kOther;
  switch (message.front()) {
    case 'c':
      if (StartsWith(message, "connection ")) {
        if (StartsWith(message, kReceivedText)) return Message::kReceived;
        if (StartsWith(message, kAuthorizedText)) return Message::kAuthorized;
        if (StartsWith(message, kAuthenticatedText)) return Message::kAuthenticated;
        if (message == kCertificateRequiredText) return Message::kCertificateRequired;
        return Message::kOther;
      }
      if (StartsWith(message, kCertificateValidationText)) return Message::kCertificateValidation;
      if (StartsWith(message, kCertificateAuthenticationText)) {
        return Message::kCertificateAuthentication;
      }
      return StartsWith(message, kSslAcceptText) ? Message::kSslAccept : Message::kOther;
    case 'd':
      return StartsWith(message, kDisconnectionText) ? Message::kDisconnection : Message::kOther;
    case 'n':
      return StartsWith(message, kNoHbaEntryText) ? Message::kNoHbaEntry : Message::kOther;
    case 'p':
      if (StartsWith(message, kHbaRejectText) || StartsWith(message, kHbaRejectReplicationText)) {
        return Message::kHbaReject;
      }
      if (StartsWith(message, kPasswordText)) return Message::kPasswordAuthentication;
      for (const std::string_view text : kAuthFilesNotReloaded) {
        if (message == text) return Message::kNotReloaded;
      }
      return Message::kOther;
    case 'r':
      if (message == kReloadRequestedText) return Message::kReloadRequested;
      return StartsWith(message, kReplicationAuthorizedText) ? Message::kReplicationAuthorized
                                                             : Message::kOther;
    case 's':
      return StartsWith(message, kServerStartText) ? Message::kServerStart : Message::kOther;
    case 'S':
      return message == kSslNotReloadedText ? Message::kNotReloaded : Message::kOther;
    case '/':
      return message.ends_with(kNotReloadedText) ? Message::kNotReloaded : Message::kOther;
    default:
      return Message::kOther;
  }
}

// `part`, a view into the entry's message (or empty), kept as the scan note's part `index`.
void NotePart(LogEntry& entry, std::size_t index, std::string_view part) {
  entry.scan_note.parts[index] =
      part.empty()
          ? LogEntry::ScanNote::Part{}
          : LogEntry::ScanNote::Part{static_cast<std::uint32_t>(part.data() - entry.message.data()),
                                     static_cast<std::uint32_t>(part.size())};
}

// The part of a `connection received` line's scan note: the client's host.
constexpr std::size_t kReceivedHost = 0;

// "connection received: host=H port=P" (or "host=[local]"): H, up to the first space. Looked for
// after the text Classify found, which holds no "host=".
std::string_view ReceivedHost(std::string_view message) {
  constexpr std::string_view kHost = "host=";
  const std::size_t at = FindFromWhereWritten(message, kHost, kReceivedText.size());
  if (at == std::string_view::npos) return {};
  const std::string_view value = message.substr(at + kHost.size());
  return value.substr(0, FindText(value, " "));
}

constexpr std::string_view kSslPart = " SSL enabled (";
constexpr std::string_view kGssPart = " GSS (";

// Whether text a client chose (an application name) holds what the server writes after it.
bool ImitatesTransport(std::string_view text) {
  return FindText(text, kSslPart) != std::string_view::npos ||
         FindText(text, kGssPart) != std::string_view::npos;
}

// A `connection authorized` line, taken apart.
struct AuthorizedLine {
  std::string_view user, database;
  std::string_view named;  // the application name, as the message gives it
  bool tls = false;        // " SSL enabled (...)" with its protocol, cipher and bits
  std::string_view protocol, cipher;
  int bits = 0;
  bool gss_encrypted = false;
  // The transport is the server's text: no application name imitates it, and the names the
  // prefix gives are those of the message.
  bool believed = false;
  // The protocol is older than the minimum, or one pgward does not know (SSLv3).
  bool below_minimum = false;
};

// Its parts and flags in the scan note.
enum AuthorizedPart : std::size_t { kUser, kDatabase, kNamed, kProtocol, kCipher };
constexpr std::uint8_t kTlsFlag = 1, kGssEncryptedFlag = 2, kBelievedFlag = 4,
                       kBelowMinimumFlag = 8;

// Where a `connection authorized` line's transport parts begin, and what they say: the server
// appends " SSL enabled (...)" and then " GSS (...)" after the application name (postinit.c), so
// the real ones are the last (an application name may hold the same text). A server's sessions
// mostly share a protocol and cipher, so a line mostly ends in the same text, from its SSL part
// on, as the one read before it: what that text says is kept and used again (finding the parts
// and reading the TLS one were a third of the line's reading).
class TransportReader {
 public:
  explicit TransportReader(TlsVersion min_tls_version) : min_tls_version_(min_tls_version) {}

  struct Parts {
    std::size_t ssl_at = std::string_view::npos, gss_at = std::string_view::npos;
  };

  // The parts of `message`; sets `line`'s TLS values and whether GSS encrypts.
  Parts Read(std::string_view message, AuthorizedLine& line) {
    // The text from the last SSL part on holds no other (it was read from the last one), so
    // where a message ends in it, its SSL part is the last one there too.
    if (!tail_.empty() && message.size() >= tail_.size() &&
        SameBytes(message.data() + message.size() - tail_.size(), tail_.data(), tail_.size())) {
      const std::size_t ssl_at = message.size() - tail_.size();
      Apply(tail_reading_, message.substr(ssl_at), line);
      return PartsAt(ssl_at, tail_reading_);
    }
    const std::size_t ssl_at = FindLast(message, kSslPart);
    if (ssl_at == std::string_view::npos) {
      // No SSL part, no text to keep.
      const Reading reading = ReadTail(message, false);
      Apply(reading, message, line);
      return {ssl_at, reading.gss_at};
    }
    const std::string_view tail = message.substr(ssl_at);
    const Reading reading = ReadTail(tail, true);
    // A text longer than the server writes (a hostile one) is not kept: read again each time.
    if (tail.size() <= kLongestKept) {
      tail_.assign(tail);
      tail_reading_ = reading;
    }
    Apply(reading, tail, line);
    return PartsAt(ssl_at, reading);
  }

 private:
  static constexpr std::size_t kLongestKept = 256;
  // What a text says, its places counted from the text's start.
  struct Reading {
    std::size_t gss_at = std::string_view::npos;
    bool gss_encrypted = false;
    bool tls = false;
    std::size_t protocol_at = 0, protocol_size = 0, cipher_at = 0, cipher_size = 0;
    int bits = 0;
    bool below_minimum = false;
  };

  // `text`: from the SSL part on when `ssl` (the part at its start), else the whole message.
  Reading ReadTail(std::string_view text, bool ssl) const {
    Reading reading;
    // A GSS part before the SSL part is text of the application name's (and none begins inside
    // " SSL enabled (": looked for after it).
    const std::size_t gss_from = ssl ? kSslPart.size() : 0;
    reading.gss_at = FindLast(text.substr(gss_from), kGssPart);
    if (reading.gss_at != std::string_view::npos) {
      reading.gss_at += gss_from;
      reading.gss_encrypted =
          FindText(text, "encrypted=yes", reading.gss_at) != std::string_view::npos;
    }
    if (!ssl) return reading;
    const std::string_view part = text.substr(kSslPart.size());
    const std::optional<TlsDetails> tls = ParseTlsDetails(part);
    if (!tls) return reading;
    const std::optional<TlsVersion> version = ParseTlsVersion(tls->protocol);
    reading.tls = true;
    reading.protocol_at = static_cast<std::size_t>(tls->protocol.data() - text.data());
    reading.protocol_size = tls->protocol.size();
    reading.cipher_at = static_cast<std::size_t>(tls->cipher.data() - text.data());
    reading.cipher_size = tls->cipher.size();
    reading.bits = tls->bits;
    reading.below_minimum = !version || *version < min_tls_version_;
    return reading;
  }

  // The parts of a message whose text from `ssl_at` on says `reading`.
  static Parts PartsAt(std::size_t ssl_at, const Reading& reading) {
    return {ssl_at, reading.gss_at == std::string_view::npos ? std::string_view::npos
                                                             : ssl_at + reading.gss_at};
  }

  // `line`'s values as `reading` says of `text`.
  static void Apply(const Reading& reading, std::string_view text, AuthorizedLine& line) {
    line.gss_encrypted = reading.gss_encrypted;
    if (!reading.tls) return;
    line.tls = true;
    line.protocol = text.substr(reading.protocol_at, reading.protocol_size);
    line.cipher = text.substr(reading.cipher_at, reading.cipher_size);
    line.bits = reading.bits;
    line.below_minimum = reading.below_minimum;
  }

  TlsVersion min_tls_version_;
  // The text from the last SSL part on that was read last, and what it says (none at first).
  std::string tail_;
  Reading tail_reading_;
};

AuthorizedLine ReadAuthorizedLine(const LogEntry& entry, bool replication,
                                  TransportReader& transports) {
  const std::string_view message = entry.message;
  AuthorizedLine line;
  const TransportReader::Parts parts = transports.Read(message, line);
  const std::string_view core = message.substr(0, std::min(parts.ssl_at, parts.gss_at));
  // The message begins "[replication ]connection authorized: user=" (Classify), so the first
  // " database=" and " application_name=" are after "user=": each is looked for once, after the
  // text Classify found, which holds none of them.
  constexpr std::string_view kUser = "user=", kDatabase = " database=",
                             kApplication = " application_name=";
  const std::size_t skip = (replication ? kReplicationAuthorizedText : kAuthorizedText).size();
  // (`core` may end before `skip`: " SSL enabled (" can begin with the text's last space.)
  const std::size_t user_at = FindFromWhereWritten(core, kUser, skip);
  const std::size_t database_at = FindText(core, kDatabase, skip);
  const std::size_t application_at = FindText(core, kApplication, skip);
  if (user_at != std::string_view::npos) {
    const std::size_t from = user_at + kUser.size();
    const std::size_t end =
        std::min({core.size(), database_at < from ? FindText(core, kDatabase, from) : database_at,
                  application_at < from ? FindText(core, kApplication, from) : application_at});
    line.user = core.substr(from, end - from);
  }
  if (!replication && database_at != std::string_view::npos) {
    const std::size_t from = database_at + kDatabase.size();
    const std::size_t end = std::min(
        core.size(), application_at < from ? FindText(core, kApplication, from) : application_at);
    line.database = core.substr(from, end - from);
  }
  line.named = application_at == std::string_view::npos
                   ? std::string_view()
                   : core.substr(application_at + kApplication.size());
  // The user and database the line's prefix (or csvlog and jsonlog's columns) gives are the
  // message's: a name that holds a transport's text makes them differ.
  const bool names_agree =
      (Known(entry.user).empty() || SameText(Known(entry.user), Known(line.user))) &&
      (replication || Known(entry.database).empty() ||
       SameText(Known(entry.database), Known(line.database)));
  line.believed = !ImitatesTransport(line.named) && names_agree;
  return line;
}

void NoteAuthorizedLine(LogEntry& entry, bool replication, TransportReader& transports) {
  const AuthorizedLine line = ReadAuthorizedLine(entry, replication, transports);
  NotePart(entry, kUser, line.user);
  NotePart(entry, kDatabase, line.database);
  NotePart(entry, kNamed, line.named);
  NotePart(entry, kProtocol, line.protocol);
  NotePart(entry, kCipher, line.cipher);
  entry.scan_note.number = line.bits;
  entry.scan_note.flags = static_cast<std::uint8_t>(
      (line.tls ? kTlsFlag : 0) | (line.gss_encrypted ? kGssEncryptedFlag : 0) |
      (line.believed ? kBelievedFlag : 0) | (line.below_minimum ? kBelowMinimumFlag : 0));
}

AuthorizedLine NotedAuthorizedLine(const LogEntry& entry) {
  const std::uint8_t flags = entry.scan_note.flags;
  return {entry.Part(kUser),
          entry.Part(kDatabase),
          entry.Part(kNamed),
          (flags & kTlsFlag) != 0,
          entry.Part(kProtocol),
          entry.Part(kCipher),
          entry.scan_note.number,
          (flags & kGssEncryptedFlag) != 0,
          (flags & kBelievedFlag) != 0,
          (flags & kBelowMinimumFlag) != 0};
}

// A block's scan: the window of all its entries, and the few entries that can count.
class SummaryScan : public LogEntrySink::BlockScan {
 public:
  explicit SummaryScan(const SummaryOptions& options)
      : window(options), transports_(options.min_tls_version) {}

  bool Keep(LogEntry& entry) override {
    std::optional<std::int64_t> time;
    const bool in_window = window.Add(entry, time);
    // The server's connection messages are LOG and FATAL: an ERROR, or a line of another kind,
    // that reads like one is a client's text.
    if (!IsText(entry.severity, "LOG") && !IsText(entry.severity, "FATAL")) return false;
    const Message kind = Classify(entry.message);
    if (kind == Message::kOther) return false;
    entry.scan_note.kind = static_cast<std::uint8_t>(kind);
    entry.scan_note.time = time;
    entry.scan_note.in_window = in_window;
    // Taken apart here, on the block's thread, while its line is in this core's cache: the lines
    // of the sessions are most of what Add, which runs on one thread at a time, would read.
    if (kind == Message::kReceived) {
      NotePart(entry, kReceivedHost, ReceivedHost(entry.message));
    } else if (kind == Message::kAuthorized || kind == Message::kReplicationAuthorized) {
      NoteAuthorizedLine(entry, kind == Message::kReplicationAuthorized, transports_);
    }
    return true;
  }

  // A line of another format or prefix may still hold a message the summary counts, after the
  // ":  " that ends a severity: found there, the summary cannot be complete.
  void NotAnEntry(std::string_view text, std::uint64_t line) override {
    for (std::size_t at = FindText(text, ":  ", 0); at != std::string_view::npos;
         at = FindText(text, ":  ", at + 1)) {
      if (Classify(text.substr(at + 3)) == Message::kOther) continue;
      if (!first_unread_message) first_unread_message = line;
      ++unread_messages;
      return;
    }
  }

  LogWindow window;
  std::optional<std::uint64_t> first_unread_message;  // the line in the block, from 1
  std::uint64_t unread_messages = 0;

 private:
  TransportReader transports_;
};

}  // namespace

std::unique_ptr<LogEntrySink::BlockScan> LogSummarizer::NewBlockScan() const {
  return std::make_unique<SummaryScan>(options_);
}

void LogSummarizer::Merge(BlockScan& scan, std::uint64_t lines_before) {
  SummaryScan& block = static_cast<SummaryScan&>(scan);
  window_.Merge(block.window);
  if (block.first_unread_message && !first_unread_message_) {
    first_unread_message_ = lines_before + *block.first_unread_message;
  }
  unread_messages_ += block.unread_messages;
}

void LogSummarizer::Add(const LogEntry& entry) {
  // Written by a function (RAISE LOG): a client's text, never the server's connection message.
  if (entry.has_context) return;
  const std::string_view message = entry.message;
  // Classified and placed in the window by the block's scan.
  const Message kind = static_cast<Message>(entry.scan_note.kind);
  if (kind == Message::kOther) return;
  const std::optional<std::int64_t> time = entry.scan_note.time;
  const bool counted = entry.scan_note.in_window;
  if (kind == Message::kReloadRequested || kind == Message::kNotReloaded ||
      kind == Message::kServerStart) {
    // The state at the window's end: a reload that failed before its start still holds inside
    // it; nothing at or after --until counts, and a line whose time is not known may be after
    // it, so it ends no failure (but may still be one).
    const bool surely_after = !counted && time && options_.until && *time >= *options_.until;
    const bool maybe_after = surely_after || (!time && options_.until);
    if (kind == Message::kReloadRequested) {
      reloads_.Requested(entry, time, counted, maybe_after);
    } else if (kind == Message::kServerStart) {
      reloads_.Started(entry, time, maybe_after);
    } else if (!surely_after) {
      reloads_.NotReloaded(entry, message.substr(0, message.size() - kNotReloadedText.size()), time,
                           counted);
    }
    return;
  }
  const bool fatal = IsText(entry.severity, "FATAL");
  const std::string& key = SessionKey(entry);
  if (time && (!latest_ || *time > *latest_)) latest_ = time;
  if (kind == Message::kAuthorized || kind == Message::kReplicationAuthorized) {
    // Held, if held, until a later line of the session; counted only inside the window.
    Authorized(entry, kind == Message::kReplicationAuthorized, time, counted, key);
    return;
  }
  // The session's join, looked up once (and again, when the map is full, after making room):
  // nothing below adds to sessions_ but the line that starts the join, which takes the iterator
  // it makes. A later line of a session settles the transport held for it; a new connection on
  // the same key (a pid used again) ends the old session without showing its name.
  // Joins are kept whether or not the entry is in the window: a session received before the
  // window's start may be authorized inside it.
  const bool joins = kind == Message::kReceived && !key.empty();
  auto session = sessions_.end();
  if (joins && sessions_.size() < kMaxOpenSessions) {
    // Found or made in one look-up.
    const auto [found, made] = sessions_.try_emplace(key);
    session = found;
    if (!made) Settle(session->second, nullptr);
  } else if (!key.empty()) {
    session = sessions_.find(key);
    if (session != sessions_.end()) Settle(session->second, joins ? nullptr : &entry);
    if (joins) {
      // No room for another join until some are let go.
      MakeRoom(time);
      session = sessions_.find(key);
      if (session == sessions_.end()) session = sessions_.try_emplace(key).first;
    }
  }
  if (joins) {
    session->second = Session{std::string(Bounded(entry.Part(kReceivedHost))), time, false, {}};
  }
  const Session* const joined = session != sessions_.end() ? &session->second : nullptr;
  if (counted) {
    switch (kind) {
      case Message::kReceived:
        ++summary_.connections.received;
        break;
      case Message::kAuthorized:  // taken above
      case Message::kReplicationAuthorized:
        break;
      case Message::kAuthenticated:
        HbaLineUsed(message);
        break;
      case Message::kCertificateRequired:
        Failed(LogFailure::kClientCertificateRequired, entry, joined, entry.user, entry.database,
               {}, {}, time);
        break;
      case Message::kCertificateValidation:
        Failed(LogFailure::kCertificateAuthentication, entry, joined,
               ValueAfter(message, "user \"", {"\""}), entry.database, {}, {}, time);
        if (session != sessions_.end()) session->second.certificate_failed = true;
        break;
      case Message::kCertificateAuthentication:
        // The cert method's failure: a LOG line may say why first, the FATAL one is the attempt.
        if (fatal) {
          Failed(LogFailure::kCertificateAuthentication, entry, joined,
                 ValueAfter(message, "user \"", {"\""}), entry.database, {}, {}, time);
        }
        break;
      case Message::kSslAccept: {
        const std::string_view reason = message.substr(kSslAcceptText.size());
        handshake_reasons_.Add(reason);
        Failed(LogFailure::kSslHandshake, entry, joined, {}, {}, {}, reason, time);
        break;
      }
      case Message::kHbaReject: {
        const HbaDenial denial = ParseHbaDenial(message);
        // PostgreSQL 14+ says "no encryption", 13 "SSL off".
        const bool plaintext =
            denial.encryption == "no encryption" || denial.encryption == "SSL off";
        Failed(plaintext ? LogFailure::kHbaRejectNoEncryption : LogFailure::kHbaReject, entry,
               joined, denial.user, denial.database, denial.host, {}, time);
        break;
      }
      case Message::kNoHbaEntry: {
        const HbaDenial denial = ParseHbaDenial(message);
        Failed(LogFailure::kNoHbaEntry, entry, joined, denial.user, denial.database, denial.host,
               {}, time);
        break;
      }
      case Message::kPasswordAuthentication:
        if (fatal && !(session != sessions_.end() && session->second.certificate_failed)) {
          Failed(LogFailure::kPasswordAuthentication, entry, joined,
                 ValueAfter(message, "user \"", {"\""}), entry.database, {}, {}, time);
        }
        break;
      case Message::kDisconnection:  // only ends its backend's join
      case Message::kReloadRequested:
      case Message::kNotReloaded:
      case Message::kServerStart:
      case Message::kOther:
        break;
    }
  }
  // A backend's join ends with its failure or its end.
  if (session != sessions_.end() && (fatal || kind == Message::kDisconnection)) {
    sessions_.erase(session);
  }
}

void LogSummarizer::HbaLineUsed(std::string_view message) {
  // "... method=cert (/etc/postgresql/15/main/pg_hba.conf:2)": the file may hold colons and
  // parentheses, the line number is after the last colon.
  const std::size_t open = message.rfind(" (");
  const std::size_t colon = message.rfind(':');
  if (open == std::string_view::npos || colon == std::string_view::npos || colon < open ||
      message.back() != ')') {
    return;
  }
  const std::string_view file = message.substr(open + 2, colon - open - 2);
  const std::optional<int> line = Digits(message.substr(colon + 1, message.size() - colon - 2));
  if (!line) return;
  const auto entry_key = std::make_pair(std::string(Bounded(file)), *line);
  if (hba_lines_.count(entry_key) > 0 || hba_lines_.size() < kMaxDistinctValues) {
    ++hba_lines_[entry_key];
  } else {
    distinct_overflow_ = true;
  }
}

void LogSummarizer::Authorized(const LogEntry& entry, bool replication,
                               std::optional<std::int64_t> time, bool counted,
                               const std::string& key) {
  if (counted) ++summary_.connections.authorized;
  const AuthorizedLine line = NotedAuthorizedLine(entry);
  const std::string_view application = !line.named.empty() ? line.named : Known(entry.application);
  if (counted) authorized_databases_.Add(line.database);
  // The session is looked up once: its client, and where a held transport is kept. `client` is
  // a view into its node only when it exists, and then nothing below adds to sessions_ or makes
  // room in it (which could remove the node) before the last use of `client`.
  auto session = key.empty() ? sessions_.end() : sessions_.find(key);
  const std::string_view client =
      ClientOf(entry, session != sessions_.end() ? &session->second : nullptr);
  // A claim of encryption after a name the client chose is believed once a later line of the
  // session shows that the name does not imitate it (the authorized line cannot: the name is
  // not set yet when it is written): held in the session until then.
  const bool held = line.believed && (line.tls || line.gss_encrypted) && !line.named.empty() &&
                    entry.carries_application && !key.empty();
  Authorization authorization;
  authorization.time = time;
  authorization.counted = counted;
  authorization.replication = replication;
  if (!line.believed) {
    // A name that holds a transport's text before the real one: what is real cannot be told.
  } else if (line.tls) {
    authorization.transport = Transport::kTls;
    authorization.protocol = Bounded(line.protocol);
    authorization.cipher = Bounded(line.cipher);
    authorization.bits = line.bits;
    authorization.below_minimum = line.below_minimum;
  } else if (line.gss_encrypted) {
    authorization.transport = Transport::kGssEncrypted;
  } else if (client == "[local]") {
    authorization.transport = Transport::kLocal;
  } else if (!client.empty()) {
    authorization.transport = Transport::kPlaintext;
  }
  // Who the session was is counted for plaintext and below-minimum sessions only, and grouped
  // when groups are kept: for the others (most sessions) it is not copied when held.
  if (options_.groups || authorization.transport == Transport::kPlaintext ||
      authorization.below_minimum) {
    authorization.user = Known(line.user);
    authorization.database = Known(line.database);
    authorization.client = Known(client);
    authorization.application = Known(application);
  }
  if (held) {
    if (session == sessions_.end()) {
      if (sessions_.size() >= kMaxOpenSessions) MakeRoom(time);
      session = sessions_.try_emplace(key).first;
    }
    Settle(session->second, nullptr);
    session->second.unconfirmed.emplace(authorization, line.named);
  } else {
    Count(authorization);
  }
  // The session's join ends with its authorization, unless its transport is held in it.
  if (session != sessions_.end() && !session->second.unconfirmed) sessions_.erase(session);
}

LogSummarizer::HeldAuthorization::HeldAuthorization(const Authorization& authorization,
                                                    std::string_view named)
    : time_(authorization.time),
      bits_(authorization.bits),
      transport_(authorization.transport),
      replication_(authorization.replication),
      below_minimum_(authorization.below_minimum),
      counted_(authorization.counted) {
  // Sized once and copied into in place: appending each text was most of the cost of holding
  // one (a session's, on the thread that takes entries in file order).
  std::string_view texts[1 + std::size(kKeptTexts)] = {Bounded(named)};
  std::size_t size = texts[0].size();
  for (std::size_t i = 0; i < std::size(kKeptTexts); ++i) {
    texts[i + 1] = authorization.*kKeptTexts[i];
    size += texts[i + 1].size();
  }
  texts_.resize(size);
  std::size_t end = 0;
  for (std::size_t i = 0; i < std::size(texts); ++i) {
    if (!texts[i].empty()) std::memcpy(texts_.data() + end, texts[i].data(), texts[i].size());
    end += texts[i].size();
    ends_[i] = static_cast<std::uint16_t>(end);
  }
}

std::string_view LogSummarizer::HeldAuthorization::Text(std::size_t index) const {
  const std::size_t begin = index == 0 ? 0 : ends_[index - 1];
  return std::string_view(texts_.data() + begin, ends_[index] - begin);
}

LogSummarizer::Authorization LogSummarizer::HeldAuthorization::Get() const {
  Authorization authorization;
  authorization.transport = transport_;
  authorization.replication = replication_;
  authorization.below_minimum = below_minimum_;
  authorization.counted = counted_;
  authorization.bits = bits_;
  authorization.time = time_;
  for (std::size_t i = 0; i < std::size(kKeptTexts); ++i) {
    authorization.*kKeptTexts[i] = Text(i + 1);
  }
  return authorization;
}

void LogSummarizer::Settle(Session& session, const LogEntry* later) {
  if (!session.unconfirmed) return;
  Authorization authorization = session.unconfirmed->Get();
  if (later != nullptr && later->carries_application) {
    if (Known(later->application) !=
        session.unconfirmed->named().substr(0, kApplicationNameBytes)) {
      authorization.transport = Transport::kUnknown;
      authorization.protocol = authorization.cipher = {};
      authorization.bits = 0;
      authorization.below_minimum = false;
    }
  } else if (authorization.counted) {
    ++unverified_;
  }
  Count(authorization);
  session.unconfirmed.reset();
}

void LogSummarizer::MakeRoom(std::optional<std::int64_t> now) {
  if (now) {
    for (auto session = sessions_.begin(); session != sessions_.end();) {
      Session& open = session->second;
      const std::optional<std::int64_t> since =
          open.unconfirmed ? open.unconfirmed->time() : open.received;
      if (since && *since < *now - kLongestAuthenticationMs) {
        Settle(open, nullptr);
        session = sessions_.erase(session);
      } else {
        ++session;
      }
    }
    if (sessions_.size() < kMaxOpenSessions * 9 / 10) return;
  }
  for (auto& [key, session] : sessions_) Settle(session, nullptr);
  sessions_.clear();
  sessions_overflowed_ = true;
}

void LogSummarizer::Count(const Authorization& authorization) {
  if (!authorization.counted) return;
  switch (authorization.transport) {
    case Transport::kTls: {
      ++summary_.connections.tls;
      const auto tls_key =
          std::make_tuple(authorization.protocol, authorization.cipher, authorization.bits);
      // A server's sessions mostly share one combination: the last one counted is tried first,
      // compared in place (a tuple's comparison calls memcmp for each text).
      if (last_tls_ == tls_.end() || std::get<2>(last_tls_->first) != authorization.bits ||
          !SameText(std::get<0>(last_tls_->first), authorization.protocol) ||
          !SameText(std::get<1>(last_tls_->first), authorization.cipher)) {
        last_tls_ = tls_.find(tls_key);
      }
      if (last_tls_ != tls_.end()) {
        ++last_tls_->second;
      } else if (tls_.size() < kMaxTlsCombinations) {
        last_tls_ =
            tls_.emplace(std::make_tuple(std::string(authorization.protocol),
                                         std::string(authorization.cipher), authorization.bits),
                         1)
                .first;
      } else {
        distinct_overflow_ = true;
      }
      if (authorization.below_minimum) {
        ++summary_.below_minimum_tls;
        below_minimum_who_.Add(authorization.user, authorization.database, authorization.client,
                               authorization.application);
      }
      break;
    }
    case Transport::kGssEncrypted:
      ++summary_.connections.gss;
      break;
    case Transport::kLocal:
      ++summary_.connections.local;
      break;
    case Transport::kPlaintext:
      ++summary_.connections.plaintext_tcp;
      plaintext_who_.Add(authorization.user, authorization.database, authorization.client,
                         authorization.application);
      break;
    case Transport::kUnknown:
      ++summary_.connections.unknown_transport;
      break;
  }
  AddSessionGroup(authorization);
}

namespace {

// A group's key: its values joined by a separator no value the log can hold ends with.
std::string GroupKey(std::initializer_list<std::string_view> values) {
  std::string key;
  for (const std::string_view value : values) {
    key.append(value);
    key += '\x1f';
  }
  return key;
}

template <typename Group>
void Seen(Group& group, std::optional<std::int64_t> time) {
  if (!time) return;
  if (!group.first_seen || *time < *group.first_seen) group.first_seen = time;
  if (!group.last_seen || *time > *group.last_seen) group.last_seen = time;
}

}  // namespace

const char* LogSummarizer::TransportName(Transport transport) {
  switch (transport) {
    case Transport::kLocal:
      return "local";
    case Transport::kPlaintext:
      return "tcp_plaintext";
    case Transport::kTls:
      return "tcp_tls";
    case Transport::kGssEncrypted:
      return "tcp_gssenc";
    case Transport::kUnknown:
      break;
  }
  return "";
}

void LogSummarizer::AddSessionGroup(const Authorization& authorization) {
  if (!options_.groups) return;
  const std::string_view transport = TransportName(authorization.transport);
  const std::string_view replication = authorization.replication ? "r" : "";
  const std::string bits = std::to_string(authorization.bits);
  std::string key = GroupKey({transport, replication, authorization.protocol, authorization.cipher,
                              bits, authorization.user, authorization.database,
                              authorization.client, authorization.application});
  auto found = session_groups_.find(key);
  // Past the limit, who is lost but never how: the transport and TLS state are kept.
  const bool other = found == session_groups_.end() && session_groups_.size() >= kMaxDistinctValues;
  if (other) {
    distinct_overflow_ = true;
    key = GroupKey(
        {transport, replication, authorization.protocol, authorization.cipher, bits, "(other)"});
    found = session_groups_.find(key);
  }
  if (found == session_groups_.end()) {
    LogSessionGroup group;
    group.transport = transport;
    group.replication = authorization.replication;
    group.tls_version = authorization.protocol;
    group.cipher = authorization.cipher;
    group.bits = authorization.bits;
    const auto who = [other](std::string_view value) {
      return std::string(other ? "(other)" : value);
    };
    group.user = who(authorization.user);
    group.database = who(authorization.database);
    group.client = who(authorization.client);
    group.application = who(authorization.application);
    found = session_groups_.emplace(std::move(key), std::move(group)).first;
  }
  ++found->second.sessions;
  Seen(found->second, authorization.time);
}

void LogSummarizer::Failed(LogFailure failure, const LogEntry& entry, const Session* joined,
                           std::string_view user, std::string_view database,
                           std::string_view client, std::string_view reason,
                           std::optional<std::int64_t> time) {
  const int index = static_cast<int>(failure);
  ++summary_.failures[index];
  LogFailureGroup group;
  group.failure = failure;
  group.user = Known(user.empty() ? entry.user : user);
  group.database = Known(database.empty() ? entry.database : database);
  group.client = Known(client.empty() ? ClientOf(entry, joined) : client);
  group.application = Known(entry.application);
  group.reason = Bounded(reason);
  failure_who_[index].Add(group.user, group.database, group.client, group.application);
  if (!options_.groups) return;
  std::string key = GroupKey({LogFailureName(failure), group.user, group.database, group.client,
                              group.application, group.reason});
  auto found = failure_groups_.find(key);
  if (found == failure_groups_.end() && failure_groups_.size() >= kMaxDistinctValues) {
    distinct_overflow_ = true;
    group.user = group.database = group.client = group.application = group.reason = "(other)";
    key = GroupKey({LogFailureName(failure), "(other)"});
    found = failure_groups_.find(key);
  }
  if (found == failure_groups_.end()) found = failure_groups_.emplace(key, std::move(group)).first;
  ++found->second.attempts;
  Seen(found->second, time);
}

LogSummary LogSummarizer::Finish() {
  // Sessions whose log ends before a later line: counted as their line says, in key order (the
  // same log, the same summary).
  std::vector<std::string> held;
  for (const auto& [key, session] : sessions_) {
    if (session.unconfirmed) held.push_back(key);
  }
  std::sort(held.begin(), held.end());
  for (const std::string& key : held) Settle(sessions_[key], nullptr);
  sessions_.clear();
  if (unverified_ > 0) {
    summary_.notes.push_back(
        std::to_string(unverified_) +
        " session(s) are counted encrypted as their `connection authorized` line says, after an "
        "application name no later line of the session showed (log_disconnections off, or the "
        "log ends first): a client can name itself to read as encrypted there");
  }
  // In key order, as the same log always gives the same summary and facts.
  const auto in_key_order = [](auto& groups) {
    std::vector<std::pair<const std::string, typename std::decay_t<decltype(groups)>::mapped_type>*>
        ordered;
    for (auto& entry : groups) ordered.push_back(&entry);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    return ordered;
  };
  for (auto* entry : in_key_order(session_groups_)) {
    summary_.session_groups.push_back(std::move(entry->second));
  }
  for (auto* entry : in_key_order(failure_groups_)) {
    summary_.failure_groups.push_back(std::move(entry->second));
  }
  window_.SetIn(summary_);
  for (const auto& [key, count] : tls_) {
    summary_.tls.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  std::stable_sort(summary_.tls.begin(), summary_.tls.end(),
                   [](const LogTlsUse& a, const LogTlsUse& b) { return a.count > b.count; });
  for (const auto& [key, count] : hba_lines_) {
    summary_.hba_lines.push_back({key.first, key.second, count});
  }
  reloads_.SetIn(summary_);
  summary_.plaintext_who = plaintext_who_.Top();
  summary_.below_minimum_who = below_minimum_who_.Top();
  bool overflowed =
      plaintext_who_.overflowed() || below_minimum_who_.overflowed() || distinct_overflow_;
  for (int i = 0; i < kLogFailureKinds; ++i) {
    summary_.failure_who[i] = failure_who_[i].Top();
    overflowed = overflowed || failure_who_[i].overflowed();
  }
  summary_.ssl_handshake_reasons = handshake_reasons_.Top(kTopValues);
  summary_.authorized_by_database = authorized_databases_.Top(kMaxDistinctValues + 1);
  overflowed = overflowed || authorized_databases_.overflowed();
  if (overflowed) {
    summary_.notes.push_back("more than " + std::to_string(kMaxDistinctValues) +
                             " distinct values of one kind: the rest are counted as \"(other)\"");
  }
  if (sessions_overflowed_) {
    summary_.notes.push_back("more than " + std::to_string(kMaxOpenSessions) +
                             " sessions were open at once: some were not joined with their "
                             "client address");
  }
  if (summary_.connections.received == 0 && summary_.connections.authorized == 0) {
    summary_.notes.push_back(
        "no connection line was recognised: log_connections may be off, or the server writes "
        "its messages in another language (lc_messages), which pgward does not read");
  }
  return std::move(summary_);
}

std::vector<OpenConnection> LogSummarizer::OpenConnections() const {
  std::vector<OpenConnection> open;
  for (const auto& [key, session] : sessions_) {
    // One received longer ago than authentication can take is no longer being opened.
    if (session.unconfirmed ||
        (latest_ && session.received && *session.received < *latest_ - kLongestAuthenticationMs)) {
      continue;
    }
    open.push_back({key, session.client, session.received});
  }
  std::sort(open.begin(), open.end(),
            [](const OpenConnection& a, const OpenConnection& b) { return a.backend < b.backend; });
  return open;
}

void LogSummarizer::ResumeConnections(const std::vector<OpenConnection>& open) {
  for (const OpenConnection& connection : open) {
    if (sessions_.size() >= kMaxOpenSessions) break;
    Session& session = sessions_[std::string(Bounded(connection.backend))];
    session.client = Bounded(connection.client);
    session.received = connection.received;
  }
}

ServerLogsRead SummarizeServerLogs(const std::vector<std::string>& files,
                                   const LogReadOptions& read_options,
                                   const SummaryOptions& summary_options,
                                   const LogPositions* resume, LogPositions* reached) {
  LogSummarizer summarizer(summary_options);
  // A scheduled run: connections the last one left open are authorized in these lines, and the
  // configurations it saw the server fail to reload are outdated until they say otherwise.
  if (resume != nullptr) {
    const LogPosition* newest = nullptr;  // the newest reload state of the files listed
    int newest_file = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::optional<FileIdentity> identity = IdentityOf(files[i]);
      const LogPosition* position = identity ? resume->Find(*identity) : nullptr;
      if (position == nullptr) continue;
      summarizer.ResumeConnections(position->open_connections);
      if (position->reloads_generation > 0 &&
          (newest == nullptr || position->reloads_generation > newest->reloads_generation)) {
        newest = position;
        newest_file = static_cast<int>(i) + 1;
      }
    }
    if (newest != nullptr) summarizer.ResumeReloads(newest->outdated_configurations, newest_file);
  }
  // A prefix that writes a name a client chooses (%u, %d: newlines and all) lets any client that
  // reaches the server write a line that is no entry and reads like a connection message: there
  // such lines are noted, or any client could stop every run; elsewhere they are an error.
  const bool client_writes_lines = LinePrefix(read_options.line_prefix).writes_client_text();
  std::vector<std::string> unread_notes;
  for (const std::string& file : files) {
    summarizer.NewFile();
    // Read from the start, or from where the last run stopped: line numbers count from there.
    const std::optional<FileIdentity> identity = resume ? IdentityOf(file) : std::nullopt;
    const bool resumed = identity && resume->Find(*identity) != nullptr;
    const LogReadResult read = ReadServerLog(file, read_options, summarizer, resume, reached);
    if (read.error) return {{}, read.error};
    if (read.lines > 0 && read.unparsed_lines == read.lines) {
      return {{},
              "server log " + file + ": none of its " + std::to_string(read.lines) +
                  " lines is a " + LogFormatName(read.format) +
                  " entry (a log_line_prefix or format other than the one given?)"};
    }
    if (const std::optional<std::uint64_t> line = summarizer.first_unread_message();
        line && read.format == LogFormat::kStderr) {
      const std::uint64_t more = summarizer.unread_messages() - 1;
      const std::string where =
          resumed ? "server log " + file + ", line " + std::to_string(*line) +
                        " of what this run read of it (from where the last run stopped)"
                  : "server log " + file + ":" + std::to_string(*line);
      const std::string lines =
          "this line reads like a connection or reload message but is no stderr entry" +
          (more > 0 ? " (nor are " + std::to_string(more) + " more)" : std::string());
      if (client_writes_lines) {
        unread_notes.push_back(where + ": " + lines +
                               ": a client can write such lines where log_line_prefix writes "
                               "its names, or the prefix changed; they are not counted");
      } else {
        return {{},
                where + ": " + lines +
                    ": the sessions it and its like tell of are not counted (was "
                    "log_line_prefix changed, or a format other than the one given?)"};
      }
    }
    summarizer.SetFormat(read.format);
    summarizer.AddLines(read.lines, read.unparsed_lines);
  }
  if (reached != nullptr) {
    const std::uint64_t generation = reached->NextGeneration();
    const std::vector<OutdatedConfiguration> outdated = summarizer.OutdatedConfigurations();
    for (size_t i = 0; i < files.size(); ++i) {
      const std::optional<FileIdentity> identity = IdentityOf(files[i]);
      const LogPosition* read = identity ? reached->Find(*identity) : nullptr;
      if (read == nullptr) continue;
      LogPosition position = *read;
      if (i + 1 == files.size()) position.open_connections = summarizer.OpenConnections();
      position.reloads_generation = generation;
      position.outdated_configurations = outdated;
      reached->Set(*identity, std::move(position));
    }
  }
  LogSummary summary = summarizer.Finish();
  summary.notes.insert(summary.notes.end(), unread_notes.begin(), unread_notes.end());
  summary.uncounted_lines = std::move(unread_notes);
  return {std::move(summary), std::nullopt};
}

}  // namespace pgward::logs
