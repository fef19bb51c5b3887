// The log readers one piece at a time: log_line_prefix escapes, the three formats, gzip, times,
// and the limits that keep a hostile log bounded. The lines are PostgreSQL 15's, as this
// machine's server wrote them (log_summary_sandbox_test reads whole logs from a live server).

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/logs/line_prefix.h"
#include "engine/logs/log_facts.h"
#include "engine/logs/log_reader.h"
#include "engine/logs/log_source.h"
#include "engine/logs/log_summarizer.h"
#include "engine/model/fact_format.h"

namespace pgward::logs {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pgward-logs-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path Write(const std::string& name, const std::string& contents) const {
    std::ofstream(path_ / name, std::ios::binary) << contents;
    return path_ / name;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string Gzip(const std::string& text, int level = 6) {
  z_stream stream{};
  deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

struct Read {
  LogReadResult result;
  std::vector<std::string> messages;
  std::vector<std::string> clients;
  std::vector<std::string> pids;
  std::vector<std::string> users;
};

// A sink that keeps every entry, in the order Add sees them.
class EntrySink : public LogEntrySink {
 public:
  explicit EntrySink(std::function<void(const LogEntry&)> on_entry)
      : on_entry_(std::move(on_entry)) {}
  std::unique_ptr<BlockScan> NewBlockScan() const override { return std::make_unique<All>(); }
  void Merge(BlockScan&, std::uint64_t) override {}
  void Add(const LogEntry& entry) override { on_entry_(entry); }

 private:
  struct All : BlockScan {
    bool Keep(LogEntry&) override { return true; }
  };
  std::function<void(const LogEntry&)> on_entry_;
};

LogReadResult ReadEntries(const std::string& path, const LogReadOptions& options,
                          std::function<void(const LogEntry&)> on_entry,
                          const LogPositions* resume = nullptr, LogPositions* reached = nullptr) {
  EntrySink sink(std::move(on_entry));
  return ReadServerLog(path, options, sink, resume, reached);
}

Read ReadText(const TempDir& dir, const std::string& text, LogReadOptions options = {}) {
  if (options.line_prefix.empty()) options.line_prefix = kDefaultLogLinePrefix;
  Read read;
  read.result =
      ReadEntries(dir.Write("server.log", text).string(), options, [&](const LogEntry& entry) {
        read.messages.emplace_back(entry.message);
        read.clients.emplace_back(entry.client);
        read.pids.emplace_back(entry.pid);
        read.users.emplace_back(entry.user);
      });
  return read;
}

// An entry through the summarizer as a reader hands it over.
void Feed(LogSummarizer& summarizer, LogEntry entry) {
  const std::unique_ptr<LogEntrySink::BlockScan> scan = summarizer.NewBlockScan();
  if (scan->Keep(entry)) summarizer.Add(entry);
  summarizer.Merge(*scan, 0);
}

// ---- log_line_prefix ---------------------------------------------------------------------

// %Q is a signed 64-bit query id (elog.c: "%lld"), negative too; %p, %l and %x are never
// negative, so a line with a minus sign there is no entry.
TEST(LinePrefixTest, OnlyTheQueryIdMayBeNegative) {
  const LinePrefix prefix("%m [%p] %l %Q ");
  PrefixFields fields;
  const std::string stamp = "2026-12-03 22:23:16.902 UTC ";
  for (const std::string query : {"-7318416593211047001", "7318416593211047001", "0"}) {
    const std::string line = stamp + "[28263] 4 " + query + " LOG:  statement: SELECT 1";
    const auto end = prefix.Match(line, fields);
    ASSERT_TRUE(end) << line;
    EXPECT_EQ(line.substr(*end, 3), "LOG");
    EXPECT_EQ(fields.pid, "28263");
  }
  EXPECT_FALSE(prefix.Match(stamp + "[-28263] 4 0 LOG:  statement: SELECT 1", fields));
  EXPECT_FALSE(prefix.Match(stamp + "[28263] -4 0 LOG:  statement: SELECT 1", fields));
  EXPECT_FALSE(prefix.Match(stamp + "[28263] 4 - LOG:  statement: SELECT 1", fields));
}

TEST(LinePrefixTest, TheDefaultPrefixGivesTimeAndPid) {
  const LinePrefix prefix(kDefaultLogLinePrefix);
  PrefixFields fields;
  const std::string line =
      "2026-12-03 22:23:16.902 UTC [28263] LOG:  database system is ready to accept connections";
  const auto end = prefix.Match(line, fields);
  ASSERT_TRUE(end);
  EXPECT_EQ(line.substr(*end, 3), "LOG");
  EXPECT_EQ(fields.timestamp, "2026-12-03 22:23:16.902 UTC");
  EXPECT_EQ(fields.pid, "28263");
}

TEST(LinePrefixTest, TextEscapesAreAsShortAsTheRestAllows) {
  const LinePrefix prefix("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ");
  PrefixFields fields;
  ASSERT_TRUE(
      prefix.Match("2026-12-03 22:23:17 UTC [28272]: [2-1] user=postgres,db=postgres,app=[unknown],"
                   "client=127.0.0.1 LOG:  connection authorized: user=postgres database=postgres",
                   fields));
  EXPECT_EQ(fields.user, "postgres");
  EXPECT_EQ(fields.application, "[unknown]");
  EXPECT_EQ(fields.client, "127.0.0.1");
  // An application name holding the next literal: the match backtracks past it.
  ASSERT_TRUE(prefix.Match(
      "2026-12-03 22:23:17 UTC [28272]: [3-1] user=a,db=b,app=x,client=y,client=10.0.0.9 "
      "FATAL:  boom",
      fields));
  EXPECT_EQ(fields.application, "x,client=y");
  EXPECT_EQ(fields.client, "10.0.0.9");
  // Empty values (non-session processes print nothing for %u and %d).
  ASSERT_TRUE(prefix.Match(
      "2026-12-03 22:23:16 UTC [28263]: [6-1] user=,db=,app=,client= LOG:  database system is "
      "ready",
      fields));
  EXPECT_EQ(fields.user, "");
  EXPECT_EQ(fields.client, "");
}

TEST(LinePrefixTest, PercentQEndsThePrefixOfNonSessionProcesses) {
  const LinePrefix prefix("%m [%p] %q%u@%d ");
  PrefixFields fields;
  const std::string postmaster = "2026-12-03 22:23:16.902 UTC [28263] LOG:  starting PostgreSQL";
  const auto end = prefix.Match(postmaster, fields);
  ASSERT_TRUE(end);
  EXPECT_EQ(postmaster.substr(*end, 4), "LOG:");
  ASSERT_TRUE(prefix.Match("2026-12-03 22:23:17.110 UTC [28272] app@db1 FATAL:  no", fields));
  EXPECT_EQ(fields.user, "app");
  EXPECT_EQ(fields.database, "db1");
  // The same fields again for the next line: what a session line gave is not left behind.
  ASSERT_TRUE(prefix.Match(postmaster, fields));
  EXPECT_EQ(fields.user, "");
  EXPECT_EQ(fields.database, "");
  EXPECT_EQ(fields.pid, "28263");
  // An escape on both sides of %q: the lines without a session keep the value before it.
  const LinePrefix twice("%m [%p] %q%u@%d %p ");
  ASSERT_TRUE(twice.Match("2026-12-03 22:23:17.110 UTC [28272] app@db1 28272 FATAL:  no", fields));
  EXPECT_EQ(fields.user, "app");
  ASSERT_TRUE(twice.Match(postmaster, fields));
  EXPECT_EQ(fields.pid, "28263");
  EXPECT_EQ(fields.user, "");
}

TEST(LinePrefixTest, OnlyAPaddingsSpacesAreCutFromAValue) {
  // PostgreSQL writes a user name as the client sent it, spaces and all.
  const LinePrefix unpadded("%m [%p] %u@%d ");
  PrefixFields fields;
  ASSERT_TRUE(unpadded.Match("2026-12-03 22:23:17.110 UTC [28272]  bob @db1 FATAL:  no", fields));
  EXPECT_EQ(fields.user, " bob ");
  const LinePrefix padded("%m [%p] %-6u@%d ");
  ASSERT_TRUE(padded.Match("2026-12-03 22:23:17.110 UTC [28272] bob   @db1 FATAL:  no", fields));
  EXPECT_EQ(fields.user, "bob");
}

TEST(LinePrefixTest, PercentQSplitsTheLiteralAroundIt) {
  const LinePrefix prefix("%m [%p] %quser=%u ");
  PrefixFields fields;
  EXPECT_TRUE(
      prefix.Match("2026-12-03 22:23:16.902 UTC [28263] LOG:  checkpoint starting", fields));
  ASSERT_TRUE(prefix.Match("2026-12-03 22:23:17.110 UTC [28272] user=app FATAL:  no", fields));
  EXPECT_EQ(fields.user, "app");
}

// Two timestamps in one prefix: the last is the line's, and an epoch before a date does not make
// the date an epoch (nor the other way round).
TEST(LinePrefixTest, TheLastTimestampOfAPrefixIsTheLines) {
  PrefixFields fields;
  ASSERT_TRUE(
      LinePrefix("%n %m ").Match("1764800597.110 2026-12-03 22:23:17.110 UTC LOG:  x", fields));
  EXPECT_EQ(fields.timestamp, "2026-12-03 22:23:17.110 UTC");
  EXPECT_FALSE(fields.epoch_timestamp);
  ASSERT_TRUE(
      LinePrefix("%m %n ").Match("2026-12-03 22:23:17.110 UTC 1764800597.110 LOG:  x", fields));
  EXPECT_EQ(fields.timestamp, "1764800597.110");
  EXPECT_TRUE(fields.epoch_timestamp);
}

// A line that repeats the last line's timestamp takes it without reading its shape again, but
// only where the zone ends there too, and never past the line's end.
TEST(LinePrefixTest, ARepeatedTimestampIsReadAsWrittenEachTime) {
  const LinePrefix prefix("%t [%p] ");
  PrefixFields fields;
  ASSERT_TRUE(prefix.Match("2026-12-03 22:23:17 UTC [1] LOG:  a", fields));
  ASSERT_TRUE(prefix.Match("2026-12-03 22:23:17 UTC [2] LOG:  b", fields));
  EXPECT_EQ(fields.timestamp, "2026-12-03 22:23:17 UTC");
  EXPECT_EQ(fields.pid, "2");
  ASSERT_TRUE(prefix.Match("2026-12-03 22:23:17 UTCX [3] LOG:  c", fields));
  EXPECT_EQ(fields.timestamp, "2026-12-03 22:23:17 UTCX");
  EXPECT_FALSE(prefix.Match("2026-12-03 22:23:17 UTCX", fields));
  EXPECT_FALSE(prefix.Match("2026-12-03 22:23:17 UT", fields));
  ASSERT_TRUE(prefix.Match("2026-12-03 22:23:17 UTC [4] FATAL:  d", fields));
  EXPECT_EQ(fields.timestamp, "2026-12-03 22:23:17 UTC");
  EXPECT_EQ(fields.severity, "FATAL");
}

// Lines rendered from a prefix, each escape's value mostly the one the line before had (as the
// lines of one session, or of a pool's sessions, repeat their user, database, application and
// client) and otherwise drawn from small sets of names that hold the prefix's own literals,
// some lines changed in one byte or cut short: a prefix that reads them one after the other
// (and takes a repeated tail as it was, Program::tail_fields) matches each as a prefix that
// reads that line alone.
TEST(LinePrefixTest, LinesReadInARunMatchAsEachAlone) {
  const std::vector<std::string> prefixes = {"%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
                                             "%m [%p] %q%u@%d ",
                                             "%m %u@%d:%h|%a| ",
                                             "%t [%p] %r %u %d ",
                                             "%n [%c] %u,%e,%d ",
                                             "%m %a,%u,%a ",
                                             "%m [%p] %-8u|%d "};
  const std::vector<std::string> names = {"",          "a",           "bob", "db5", "batch job",
                                          ",db=",      "x,y",         " ",   "@",   "|",
                                          "[unknown]", "user=u,db=d", ":"};
  const std::vector<std::string> hosts = {"10.0.0.1", "[local]", "::1", "db.example", ""};
  std::mt19937 random(19);
  const auto pick = [&](const std::vector<std::string>& from) {
    return from[random() % from.size()];
  };
  for (const std::string& text : prefixes) {
    const LinePrefix run(text);
    std::map<std::size_t, std::string> last;  // each escape's value on the line before
    for (int i = 0; i < 3000; ++i) {
      std::string line;
      for (std::size_t at = 0; at < text.size(); ++at) {
        if (text[at] != '%') {
          line += text[at];
          continue;
        }
        std::size_t escape = at + 1;
        while (escape < text.size() &&
               (text[escape] == '-' || std::isdigit(static_cast<unsigned char>(text[escape])))) {
          ++escape;
        }
        const std::size_t from = line.size();
        if (last.count(at) > 0 && random() % 4 != 0) {
          line += last[at];
          at = escape;
          continue;
        }
        switch (text[escape]) {
          case 't':
            line += "2026-12-03 22:23:1" + std::to_string(random() % 3) + " UTC";
            break;
          case 'm':
            line += "2026-12-03 22:23:17.12" + std::to_string(random() % 3) + " UTC";
            break;
          case 'n':
            line += "1764800597.11" + std::to_string(random() % 3);
            break;
          case 'p':
          case 'l':
            line += std::to_string(random() % 3 * 41 + 1);
            break;
          case 'c':
            line += "6b11ebd5.6e7" + std::to_string(random() % 3);
            break;
          case 'e':
            line += random() % 2 ? "28000" : "00000";
            break;
          case 'h':
            line += pick(hosts);
            break;
          case 'r':
            line += pick(hosts) + "(4141" + std::to_string(random() % 3) + ")";
            break;
          case 'u':
          case 'd':
          case 'a':
            line += pick(names);
            break;
          default:
            break;  // %q
        }
        if (text[at + 1] == '-') {  // %-8u: padded on the right to its width, as elog.c does
          line.resize(std::max(line.size(), from + 8), ' ');
        }
        last[at] = line.substr(from);
        at = escape;
      }
      line += random() % 4 ? "LOG:  connection authorized: user=a" : "FATAL:  no";
      if (random() % 10 == 0) line[random() % line.size()] ^= 0x10;
      if (random() % 20 == 0) line.resize(random() % line.size());
      PrefixFields in_run, alone;
      const std::optional<std::size_t> run_end = run.Match(line, in_run);
      const std::optional<std::size_t> alone_end = LinePrefix(text).Match(line, alone);
      ASSERT_EQ(run_end, alone_end) << text << " | " << line;
      if (!run_end) continue;
      const auto place = [&](std::string_view value) {
        return value.empty()
                   ? std::string("-")
                   : std::to_string(value.data() - line.data()) + ":" + std::string(value);
      };
      for (const auto member :
           {&PrefixFields::timestamp, &PrefixFields::pid, &PrefixFields::session_id,
            &PrefixFields::user, &PrefixFields::database, &PrefixFields::application,
            &PrefixFields::client, &PrefixFields::backend_type, &PrefixFields::severity}) {
        ASSERT_EQ(place(in_run.*member), place(alone.*member)) << text << " | " << line;
      }
      ASSERT_EQ(in_run.application_matched, alone.application_matched) << text << " | " << line;
      ASSERT_EQ(in_run.epoch_timestamp, alone.epoch_timestamp) << text << " | " << line;
    }
  }
}

// %p's digits are read a word at a time: runs of any length, ending at any place of a word, at
// a byte next to the digits ('/' and ':') or one whose low bits are a digit's (0xb5), or at the
// line's end, give the pid a byte at a time would.
TEST(LinePrefixTest, APidIsItsDigitsWhereverTheyEnd) {
  const LinePrefix prefix("[%p]");
  std::mt19937 random(5);
  const std::string others = std::string("/:]x ") + static_cast<char>(0xb5);
  for (int i = 0; i < 20000; ++i) {
    std::string value;
    const std::size_t digits = random() % 20;
    for (std::size_t d = 0; d < digits; ++d) value += static_cast<char>('0' + random() % 10);
    std::string rest;
    if (random() % 4 != 0) rest += others[random() % others.size()];
    for (std::size_t r = random() % 12; r > 0; --r) rest += static_cast<char>('0' + random() % 10);
    const std::string line = "[" + value + rest + "]LOG:  x";
    PrefixFields fields;
    const std::optional<std::size_t> end = prefix.Match(line, fields);
    // The pid is every digit up to the first byte that is none, which must begin "]LOG:  ".
    const std::size_t run = line.find_first_not_of("0123456789", 1) - 1;
    const bool expected = run > 0 && line.substr(1 + run) == "]LOG:  x";
    ASSERT_EQ(end.has_value(), expected) << line;
    if (expected) {
      EXPECT_EQ(fields.pid, line.substr(1, run)) << line;
    }
    EXPECT_FALSE(prefix.Match("[" + value, fields));  // the line ends in the digits
  }
}

TEST(LinePrefixTest, PaddingSessionIdsEpochsRemoteHostsAndPercentSigns) {
  const LinePrefix prefix("%n %c %-10u|%5p|%r 100%% ");
  PrefixFields fields;
  ASSERT_TRUE(prefix.Match(
      "1764800597.110 6b11ebd5.6e70 bob       |  812|10.1.2.3(41416) 100% LOG:  x", fields));
  EXPECT_TRUE(fields.epoch_timestamp);
  EXPECT_EQ(fields.timestamp, "1764800597.110");
  EXPECT_EQ(fields.session_id, "6b11ebd5.6e70");
  EXPECT_EQ(fields.user, "bob");
  EXPECT_EQ(fields.pid, "812");
  EXPECT_EQ(fields.client, "10.1.2.3");
  ASSERT_TRUE(
      prefix.Match("1764800597.110 6b11ebd5.6e70           |  812|[local] 100% LOG:  x", fields));
  EXPECT_EQ(fields.client, "[local]");
}

TEST(LinePrefixTest, ALineThatIsNotOfThePrefixDoesNotMatch) {
  const LinePrefix prefix(kDefaultLogLinePrefix);
  PrefixFields fields;
  EXPECT_FALSE(prefix.Match("waiting for server to start.... done", fields));
  EXPECT_FALSE(prefix.Match("2026-12-03 22:23:16.902 UTC [abc] LOG:  x", fields));
  EXPECT_FALSE(prefix.Match("2026-12-03 22:23:16.902 UTC [1] log:  lower case", fields));
}

TEST(LinePrefixTest, AHostileLineCannotMakeTheMatchSlow) {
  // Many text escapes separated by one character: without a budget, backtracking over a long
  // line of that character would take exponential time.
  const LinePrefix prefix("%u,%d,%a,%h,%b,%i,%u,%d,%a,%h ");
  PrefixFields fields;
  const std::string line(200000, ',');
  EXPECT_FALSE(prefix.Match(line, fields));
}

// ---- stderr, csvlog, jsonlog ---------------------------------------------------------------

TEST(LogReaderTest, StderrContinuationLinesBelongToTheirMessage) {
  TempDir dir;
  const Read read = ReadText(dir,
                             "2026-12-03 22:23:17.283 UTC [28281] ERROR:  division by zero\n"
                             "2026-12-03 22:23:17.283 UTC [28281] STATEMENT:  select 1/0,\n"
                             "\t2\n"
                             "pg_ctl: another tool's line\n");
  EXPECT_EQ(read.result.format, LogFormat::kStderr);
  EXPECT_EQ(read.result.lines, 4u);
  EXPECT_EQ(read.result.unparsed_lines, 1u);
  // The STATEMENT line (and its tab line) belong to the message: no entry of their own, since
  // what they hold is what a client sent.
  ASSERT_EQ(read.messages.size(), 1u);
  EXPECT_EQ(read.messages[0], "division by zero");
}

TEST(LogReaderTest, CsvlogRecordsSpanLinesInsideQuotes) {
  TempDir dir;
  const Read read = ReadText(
      dir,
      "2026-12-03 22:23:17.096 UTC,,,28272,\"127.0.0.1:47184\",6b11ebd5.6e70,1,\"\",2026-12-03 "
      "22:23:17 UTC,,0,LOG,00000,\"connection received: host=127.0.0.1 port=47184\",,,,,,,,,\"\","
      "\"not initialized\",,0\n"
      "2026-12-03 22:23:17.283 UTC,\"post\"\"gres\",\"postgres\",28281,\"[local]\",6b11ebd5.6e79,3,"
      "\"SELECT\",2026-12-03 22:23:17 UTC,3/2,0,ERROR,22012,\"division by zero\nsecond line\","
      ",,,,,\"select 1/0\",,,\"psql\",\"client backend\",,0\n"
      "2026-12-03 22:23:17.300 UTC,,,1,\"::1:5432\",6b11ebd5.1,1,,,,0,LOG,00000,\"x\"\n"
      "not,a,csvlog,record\n");
  EXPECT_EQ(read.result.format, LogFormat::kCsvlog);
  EXPECT_EQ(read.result.lines, 5u);
  EXPECT_EQ(read.result.unparsed_lines, 1u);
  ASSERT_EQ(read.messages.size(), 3u);
  EXPECT_EQ(read.messages[1], "division by zero");
  EXPECT_EQ(read.users[1], "post\"gres");
  EXPECT_EQ(read.clients[0], "127.0.0.1");
  EXPECT_EQ(read.clients[1], "[local]");
  EXPECT_EQ(read.clients[2], "::1");  // IPv6: the port is after the last colon
}

// A quoted field past the record limit (a huge statement) gives its record up, but its lines
// are still inside the quotes: a line in it that looks like a record is not one.
TEST(LogReaderTest, AGivenUpCsvlogRecordCannotForgeRecords) {
  TempDir dir;
  // What a client can make the server log inside a quoted field: a record of its own, every
  // quote doubled as write_csvlog doubles them.
  std::string forged =
      "2026-12-03 22:23:17.096 UTC,\"eve\",,9,\"10.6.6.6:1\",6b.9,1,,,,0,LOG,00000,"
      "\"connection authorized: user=eve database=db\"";
  for (std::size_t at = forged.find('"'); at != std::string::npos; at = forged.find('"', at + 2)) {
    forged.insert(at, 1, '"');
  }
  const std::string huge = std::string(kMaxLineBytes + 100, 'x');
  const Read read =
      ReadText(dir, "2026-12-03 22:23:17.000 UTC,,,1,\"10.0.0.1:5\",6b.1,1,,,,0,ERROR,42601,\"" +
                        huge + "\n" + forged +
                        "\n\"\n2026-12-03 22:23:18.000 UTC,,,2,,6b.2,1,,,,0,LOG,00000,\"ok\"\n");
  ASSERT_EQ(read.messages.size(), 1u) << read.messages[0];
  EXPECT_EQ(read.messages[0], "ok");
}

TEST(LogReaderTest, AnUnterminatedQuoteLosesOnlyItsRecord) {
  TempDir dir;
  std::string text =
      "2026-12-03 22:23:17.096 UTC,,,1,\"127.0.0.1:1\",6b.1,1,,,,0,LOG,00000,\"never closed\n";
  const Read read = ReadText(dir, text + "more\nlines\n");
  EXPECT_EQ(read.result.lines, 3u);
  EXPECT_EQ(read.result.unparsed_lines, 3u);
  EXPECT_TRUE(read.messages.empty());
}

TEST(LogReaderTest, JsonlogEntriesCarryTheirFields) {
  TempDir dir;
  const Read read = ReadText(
      dir,
      "{\"timestamp\":\"2026-12-03 22:23:17.110 UTC\",\"user\":\"postgres\",\"dbname\":"
      "\"postgres\",\"pid\":28272,\"remote_host\":\"127.0.0.1\",\"remote_port\":47184,"
      "\"session_id\":\"6b11ebd5.6e70\",\"line_num\":2,\"error_severity\":\"LOG\",\"message\":"
      "\"connection authorized: user=postgres database=postgres application_name=psql\"}\n"
      "{\"truncated\n[1,2]\n");
  EXPECT_EQ(read.result.format, LogFormat::kJsonlog);
  EXPECT_EQ(read.result.unparsed_lines, 2u);
  ASSERT_EQ(read.messages.size(), 1u);
  EXPECT_EQ(read.pids[0], "28272");
  EXPECT_EQ(read.clients[0], "127.0.0.1");
}

TEST(LogReaderTest, GzipIsReadAsItIsAlsoWhenConcatenated) {
  TempDir dir;
  const std::string a = "2026-12-03 22:23:17.096 UTC [1] LOG:  connection received: host=[local]\n";
  const std::string b = "2026-12-03 22:23:17.097 UTC [1] LOG:  connection authorized: user=x\n";
  const std::filesystem::path file = dir.Write("server.log.gz", Gzip(a) + Gzip(b));
  std::vector<std::string> messages;
  const LogReadResult result =
      ReadEntries(file.string(), {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix},
                  [&](const LogEntry& entry) { messages.emplace_back(entry.message); });
  EXPECT_FALSE(result.error);
  EXPECT_EQ(messages.size(), 2u);
}

TEST(LogReaderTest, BrokenGzipAndDecompressionBombsAreErrorsNamingTheFile) {
  TempDir dir;
  const std::string log(200000, 'x');
  std::string truncated = Gzip(log);
  truncated.resize(truncated.size() / 2);
  const auto none = [](const LogEntry&) {};
  const LogReadResult cut = ReadEntries(dir.Write("cut.gz", truncated).string(), {}, none);
  ASSERT_TRUE(cut.error);
  EXPECT_NE(cut.error->find("cut.gz"), std::string::npos) << *cut.error;
  // 64 MiB of one byte compress about 1000 times: more than a log ever does.
  const std::string bomb = Gzip(std::string(std::size_t{64} << 20, '\n'), 9);
  const LogReadResult refused = ReadEntries(dir.Write("bomb.gz", bomb).string(), {}, none);
  ASSERT_TRUE(refused.error);
  EXPECT_NE(refused.error->find("decompression bomb"), std::string::npos) << *refused.error;
}

TEST(LogSourceTest, ALineLongerThanTheLimitIsCutAndFlagged) {
  TempDir dir;
  const std::string text = std::string(kMaxLineBytes + 10, 'a') + "\nshort\n";
  std::vector<std::pair<std::size_t, bool>> lines;
  const SourceResult result =
      ReadLogLines(dir.Write("long.log", text).string(), [&](const SourceLine& line) {
        lines.emplace_back(line.text.size(), line.truncated);
        return true;
      });
  EXPECT_FALSE(result.error);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::make_pair(kMaxLineBytes, true));
  EXPECT_EQ(lines[1], std::make_pair(std::size_t{5}, false));
}

// Lines longer than one read and up to the limit are whole, wherever the reads end: the buffer
// grows for them, and the lines after them are read as before. Plain and gzip, which reads in
// pieces of its own.
TEST(LogSourceTest, LinesLongerThanOneReadAreWhole) {
  TempDir dir;
  std::string text = "first\n";
  const std::vector<std::size_t> sizes = {kReadBytes - 7, kReadBytes, kReadBytes + 1,
                                          3 * kReadBytes + 5, kMaxLineBytes};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    text += std::string(sizes[i], static_cast<char>('a' + i)) + "\n" + "short\n";
  }
  for (const bool gzip : {false, true}) {
    std::vector<std::string> lines;
    const SourceResult result = ReadLogLines(
        dir.Write(gzip ? "long.log.gz" : "long.log", gzip ? Gzip(text, 6) : text).string(),
        [&](const SourceLine& line) {
          EXPECT_FALSE(line.truncated);
          lines.emplace_back(line.text);
          return true;
        });
    ASSERT_FALSE(result.error) << *result.error;
    ASSERT_EQ(lines.size(), 1 + 2 * sizes.size());
    EXPECT_EQ(lines[0], "first");
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      EXPECT_EQ(lines[1 + 2 * i], std::string(sizes[i], static_cast<char>('a' + i))) << i;
      EXPECT_EQ(lines[2 + 2 * i], "short");
    }
  }
}

// Scheduled scans read only what was written since the last run.
std::vector<std::string> ReadFrom(const std::filesystem::path& path, LogPositions& positions) {
  std::vector<std::string> lines;
  const LogPositions resume = positions;
  const SourceResult result = ReadLogLines(
      path.string(),
      [&](const SourceLine& line) {
        lines.emplace_back(line.text);
        return true;
      },
      &resume, &positions);
  EXPECT_FALSE(result.error) << *result.error;
  return lines;
}

TEST(LogSourceTest, AnIncrementalReadResumesWhereTheLastStoppedAndWaitsForALineEnd) {
  TempDir dir;
  const std::filesystem::path log = dir.Write("postgresql.log", "one\ntwo\nhal");
  LogPositions positions;
  EXPECT_EQ(ReadFrom(log, positions), (std::vector<std::string>{"one", "two"}));
  std::ofstream(log, std::ios::app) << "f\nthree\n";
  EXPECT_EQ(ReadFrom(log, positions), (std::vector<std::string>{"half", "three"}));
  EXPECT_TRUE(ReadFrom(log, positions).empty());
}

TEST(LogSourceTest, AnIncrementalReadFollowsRotationByInode) {
  TempDir dir;
  const std::filesystem::path log = dir.Write("postgresql.log", "before\n");
  LogPositions positions;
  EXPECT_EQ(ReadFrom(log, positions).size(), 1u);
  // The server wrote one more line, then the log was renamed and a new one started.
  std::ofstream(log, std::ios::app) << "late\n";
  const std::filesystem::path rotated = dir.path() / "postgresql.log.1";
  std::filesystem::rename(log, rotated);
  dir.Write("postgresql.log", "after\n");
  EXPECT_EQ(ReadFrom(rotated, positions), (std::vector<std::string>{"late"}));
  EXPECT_EQ(ReadFrom(log, positions), (std::vector<std::string>{"after"}));
  // copytruncate: the same file, shorter than where reading stopped, is read from its start;
  // and so is one that has grown past that point again since, as its first bytes differ.
  std::filesystem::resize_file(log, 0);
  std::ofstream(log, std::ios::app) << "new\n";
  EXPECT_EQ(ReadFrom(log, positions), (std::vector<std::string>{"new"}));
  std::filesystem::resize_file(log, 0);
  std::ofstream(log, std::ios::app) << "regrown past the old end\n";
  EXPECT_EQ(ReadFrom(log, positions), (std::vector<std::string>{"regrown past the old end"}));
  // A compressed rotated file is read once, whole.
  const std::filesystem::path compressed = dir.Write("postgresql.log.2.gz", Gzip("old\n"));
  EXPECT_EQ(ReadFrom(compressed, positions), (std::vector<std::string>{"old"}));
  EXPECT_TRUE(ReadFrom(compressed, positions).empty());
}

// A csvlog record whose quoted message spans lines is resumed whole: the next run starts after
// the last complete record, not inside it.
TEST(LogReaderTest, AnIncrementalCsvlogReadStopsBetweenRecords) {
  TempDir dir;
  const std::string first =
      "2026-12-03 22:23:17.096 UTC,,,1,\"10.0.0.1:5\",6b.1,1,,,,0,LOG,00000,"
      "\"connection received: host=10.0.0.1 port=5\"\n";
  const std::string second_start =
      "2026-12-03 22:23:18.000 UTC,,,2,\"10.0.0.2:5\",6b.2,1,,,,0,LOG,00000,\"connection "
      "received: host=10.0.0.2\n";
  const std::filesystem::path log = dir.Write("postgresql.csv", first + second_start);
  LogPositions positions;
  const auto read = [&] {
    std::vector<std::string> messages;
    const LogPositions resume = positions;
    const LogReadResult result = ReadEntries(
        log.string(), {.format = LogFormat::kCsvlog, .line_prefix = ""},
        [&](const LogEntry& entry) { messages.emplace_back(entry.message); }, &resume, &positions);
    EXPECT_FALSE(result.error);
    return messages;
  };
  EXPECT_EQ(read(), (std::vector<std::string>{"connection received: host=10.0.0.1 port=5"}));
  std::ofstream(log, std::ios::app) << " port=5\"\n";
  EXPECT_EQ(read(), (std::vector<std::string>{"connection received: host=10.0.0.2"}));
  EXPECT_TRUE(read().empty());
}

// A connection received as one scheduled run stopped is authorized in the next run's lines: the
// client address its `connection received` gave is carried over, so its transport is known.
// A line longer than the limit, last in the file: read once, and not before its end is written.
TEST(LogSourceTest, AnIncrementalReadPassesALongLineOnOnceItsEndIsWritten) {
  TempDir dir;
  const std::filesystem::path log =
      dir.Write("postgresql.log", "one\n" + std::string(kMaxLineBytes + 10, 'a'));
  LogPositions positions;
  EXPECT_EQ(ReadFrom(log, positions).size(), 1u);
  std::ofstream(log, std::ios::app) << "tail\n";
  const std::vector<std::string> second = ReadFrom(log, positions);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].size(), kMaxLineBytes);
  EXPECT_TRUE(ReadFrom(log, positions).empty());
  std::ofstream(log, std::ios::app) << "two\n";
  EXPECT_EQ(ReadFrom(log, positions), (std::vector<std::string>{"two"}));
}

TEST(LogSourceTest, AConnectionOpenWhenARunStopsIsJoinedInTheNext) {
  TempDir dir;
  const std::filesystem::path log = dir.Write(
      "postgresql.log",
      "2026-12-03 22:23:17.096 UTC [7] LOG:  connection received: host=10.0.0.9 port=5\n");
  LogPositions positions;
  const auto run = [&] {
    const LogPositions resume = positions;
    std::string error;
    // Through the state file's JSON, as a scheduled run keeps them.
    LogPositions reached = *LogPositions::FromJson(resume.ToJson(), error);
    const ServerLogsRead read = SummarizeServerLogs(
        {log.string()}, {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix}, {}, &resume,
        &reached);
    EXPECT_FALSE(read.error) << *read.error;
    positions = *LogPositions::FromJson(reached.ToJson(), error);
    return read.summary;
  };
  EXPECT_EQ(run().connections.received, 1u);
  std::ofstream(log, std::ios::app)
      << "2026-12-03 22:23:17.099 UTC [7] LOG:  connection authorized: user=a database=b\n";
  const LogSummary second = run();
  EXPECT_EQ(second.connections.authorized, 1u);
  EXPECT_EQ(second.connections.plaintext_tcp, 1u);
  EXPECT_EQ(second.connections.unknown_transport, 0u);
}

TEST(LogSourceTest, PositionsSurviveTheirJsonAndRefuseAnythingElse) {
  LogPositions positions;
  positions.Set({2049, 1234567}, {42, "ab12", {{"6b1.7", "10.0.0.9", 1764800020000}}, 0, {}});
  std::string error;
  const std::optional<LogPositions> read = LogPositions::FromJson(positions.ToJson(), error);
  ASSERT_TRUE(read) << error;
  ASSERT_NE(read->Find({2049, 1234567}), nullptr);
  EXPECT_EQ(read->Find({2049, 1234567})->offset, 42u);
  EXPECT_EQ(read->Find({2049, 1234567})->head_digest, "ab12");
  EXPECT_EQ(read->Find({2049, 7}), nullptr);
  EXPECT_FALSE(LogPositions::FromJson("{\"files\": [{\"inode\": -1}]}", error));
  EXPECT_FALSE(LogPositions::FromJson("not json", error));
}

TEST(LogSourceTest, OnlyRegularFilesAreRead) {
  const SourceResult result = ReadLogLines("/dev/zero", [](const SourceLine&) { return true; });
  ASSERT_TRUE(result.error);
  EXPECT_NE(result.error->find("/dev/zero"), std::string::npos);
}

// ---- times ---------------------------------------------------------------------------------

TEST(LogTimeTest, ZonesPostgresqlWritesAreConvertedToUtc) {
  EXPECT_EQ(FormatTimestampMilliseconds(*ParseLogTime("2026-12-03 22:23:17.110 UTC", false)),
            "2026-12-03T22:23:17.110Z");
  EXPECT_EQ(FormatTimestampMilliseconds(*ParseLogTime("2026-12-03 00:30:00 +03", false)),
            "2026-12-02T21:30:00.000Z");
  EXPECT_EQ(FormatTimestampMilliseconds(*ParseLogTime("2026-12-03 00:30:00 -0530", false)),
            "2026-12-03T06:00:00.000Z");
  EXPECT_EQ(FormatTimestampMilliseconds(*ParseLogTime("1764800597.110", true)),
            "2025-12-03T22:23:17.110Z");
  EXPECT_FALSE(ParseLogTime("2026-12-03 22:23:17 CET", false));
  EXPECT_FALSE(ParseLogTime("2026-13-03 22:23:17 UTC", false));
  EXPECT_FALSE(ParseLogTime("2026-02-29 22:23:17 UTC", false));  // not a leap year
  EXPECT_FALSE(ParseLogTime("99999999999999999.123", true));     // no overflow
  EXPECT_FALSE(ParseLogTime("2026-12-03 -1:23:17 UTC", false));
  EXPECT_EQ(FormatTimestampMilliseconds(*ParseTimeBound("2024-02-29")), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatTimestampMilliseconds(*ParseTimeBound("2026-12-03T22:00+01:00")),
            "2026-12-03T21:00:00.000Z");
  EXPECT_FALSE(ParseTimeBound("yesterday"));
}

TEST(LogSummarizerTest, ALogInAnUnknownZoneIsNotCountedOnAGuessInAWindow) {
  SummaryOptions options;
  options.since = ParseTimeBound("2026-01-01");
  LogSummarizer summarizer(options);
  LogEntry entry;
  entry.timestamp = "2026-12-03 22:23:17 CET";
  entry.message = "connection received: host=[local]";
  Feed(summarizer, entry);
  const LogSummary summary = summarizer.Finish();
  EXPECT_EQ(summary.connections.received, 0u);
  ASSERT_FALSE(summary.notes.empty());
  EXPECT_NE(summary.notes[0].find("'CET'"), std::string::npos) << summary.notes[0];
}

TEST(LogSummarizerTest, DistinctValuesBeyondTheLimitAreCountedTogether) {
  ValueCounter counter;
  for (std::size_t i = 0; i < kMaxDistinctValues + 5; ++i)
    counter.Add("client" + std::to_string(i));
  counter.Add("client0");
  const std::vector<LogValueCount> top = counter.Top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].value, "(other)");
  EXPECT_EQ(top[0].count, 5u);
  EXPECT_EQ(top[1].value, "client0");
  EXPECT_EQ(top[1].count, 2u);
}

LogSummary Summarize(const std::vector<std::pair<std::string, std::string>>& lines) {
  LogSummarizer summarizer({});
  for (const auto& [severity, message] : lines) {
    LogEntry entry;
    entry.pid = "42";
    entry.client = "10.0.0.1";
    entry.severity = severity;
    entry.message = message;
    Feed(summarizer, entry);
  }
  return summarizer.Finish();
}

// PostgreSQL 13 writes the compression after the bits.
TEST(LogSummarizerTest, BitsAreReadBeforePostgresql13sCompression) {
  const LogSummary summary =
      Summarize({{"LOG", "connection received: host=10.0.0.1 port=5"},
                 {"LOG",
                  "connection authorized: user=a database=b SSL enabled (protocol=TLSv1.2, "
                  "cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256, compression=off)"}});
  ASSERT_EQ(summary.tls.size(), 1u);
  EXPECT_EQ(summary.tls[0].bits, 256);
  EXPECT_EQ(summary.tls[0].cipher, "ECDHE-RSA-AES256-GCM-SHA384");
}

// A line no server writes, whose " SSL enabled (" begins with the space after "authorized:":
// nothing is read before where it begins, and the session is still counted.
TEST(LogSummarizerTest, AnAuthorizedLineWithNothingBeforeItsTransportIsCounted) {
  const LogSummary summary = Summarize(
      {{"LOG", "connection received: host=10.0.0.1 port=5"},
       {"LOG", "connection authorized: SSL enabled (protocol=TLSv1.3, cipher=A, bits=256)"}});
  EXPECT_EQ(summary.connections.authorized, 1u);
  EXPECT_EQ(summary.connections.tls, 1u);
}

// Sessions of several TLS combinations, interleaved: each counted with its own.
TEST(LogSummarizerTest, InterleavedTlsCombinationsAreCountedApart) {
  std::vector<std::pair<std::string, std::string>> lines;
  const auto session = [&](const std::string& protocol, const std::string& cipher,
                           const std::string& bits) {
    lines.push_back({"LOG", "connection received: host=10.0.0.1 port=5"});
    lines.push_back({"LOG", "connection authorized: user=a database=b SSL enabled (protocol=" +
                                protocol + ", cipher=" + cipher + ", bits=" + bits + ")"});
  };
  session("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256");
  session("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256");
  session("TLSv1.2", "TLS_AES_256_GCM_SHA384", "256");
  session("TLSv1.3", "TLS_AES_256_GCM_SHA384", "128");
  session("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256");
  session("TLSv1.1", "AES128-SHA", "128");
  const LogSummary summary = Summarize(lines);
  ASSERT_EQ(summary.tls.size(), 4u);
  std::map<std::string, std::uint64_t> counts;
  for (const auto& tls : summary.tls) {
    counts[tls.protocol + " " + tls.cipher + " " + std::to_string(tls.bits)] = tls.count;
  }
  EXPECT_EQ(counts["TLSv1.3 TLS_AES_256_GCM_SHA384 256"], 3u);
  EXPECT_EQ(counts["TLSv1.2 TLS_AES_256_GCM_SHA384 256"], 1u);
  EXPECT_EQ(counts["TLSv1.3 TLS_AES_256_GCM_SHA384 128"], 1u);
  EXPECT_EQ(counts["TLSv1.1 AES128-SHA 128"], 1u);
  EXPECT_EQ(summary.below_minimum_tls, 1u);
}

// One attempt is one failure: the LOG line that says why, then the FATAL one (auth.c).
TEST(LogSummarizerTest, ACertificateFailureIsCountedOnce) {
  const LogSummary cert = Summarize(
      {{"LOG", "connection received: host=10.0.0.1 port=5"},
       {"LOG",
        "certificate authentication failed for user \"x\": client certificate contains no user "
        "name"},
       {"FATAL", "certificate authentication failed for user \"x\""}});
  EXPECT_EQ(cert.failures[static_cast<int>(LogFailure::kCertificateAuthentication)], 1u);
  // clientcert=verify-full on a password line: the FATAL names the password, the LOG the cause.
  const LogSummary full = Summarize(
      {{"LOG", "connection received: host=10.0.0.1 port=5"},
       {"LOG",
        "certificate validation (clientcert=verify-full) failed for user \"x\": CN mismatch"},
       {"FATAL", "password authentication failed for user \"x\""}});
  EXPECT_EQ(full.failures[static_cast<int>(LogFailure::kCertificateAuthentication)], 1u);
  EXPECT_EQ(full.failures[static_cast<int>(LogFailure::kPasswordAuthentication)], 0u);
}

// Two files of one log, the rotated one written with another prefix: an error, not a log read
// in half.
TEST(LogFactsTest, AFileOfNoEntryIsAnErrorEvenBesideGoodOnes) {
  TempDir dir;
  const std::filesystem::path rotated =
      dir.Write("postgresql.log.1", "22:23:17 pid=1 LOG:  connection received: host=10.0.0.1\n");
  const std::filesystem::path current = dir.Write(
      "postgresql.log",
      "2026-12-03 22:23:17.096 UTC [1] LOG:  connection received: host=10.0.0.1 port=5\n");
  FactSet facts;
  std::vector<std::string> warnings;
  const std::optional<std::string> error = AddServerLogFacts(
      {rotated.string(), current.string()}, "db1",
      {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix}, {}, facts, warnings);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("postgresql.log.1: none of its 1 lines"), std::string::npos) << *error;
  EXPECT_FALSE(AddServerLogFacts({current.string()}, "db1",
                                 {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix}, {},
                                 facts, warnings));
  EXPECT_TRUE(warnings.empty());
}

TEST(LogSummarizerTest, NoConnectionLineIsSaidInTheNotes) {
  LogSummarizer summarizer({});
  LogEntry entry;
  entry.message = "verbindung empfangen: host=[local]";
  Feed(summarizer, entry);
  const LogSummary summary = summarizer.Finish();
  ASSERT_EQ(summary.notes.size(), 1u);
  EXPECT_NE(summary.notes[0].find("lc_messages"), std::string::npos);
}

// ---- lines a client writes --------------------------------------------------------------

const std::string kClientWritten =
    std::string(PGWARD_SOURCE_DIR) + "/fixtures/logs/client-written-lines/postgresql.";

// Recorded from PostgreSQL 15 (the fixture's README): RAISE LOG lines that read like connection
// messages are not counted, and an application name that reads like TLS does not make a
// plaintext session TLS, in each of the three formats.
TEST(ClientWrittenLinesTest, NeitherRaiseLogNorAnApplicationNameForgesAConnection) {
  for (const std::string format : {"log", "csv", "json"}) {
    SCOPED_TRACE(format);
    const ServerLogsRead read = SummarizeServerLogs(
        {kClientWritten + format},
        {.format = std::nullopt, .line_prefix = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "},
        {});
    ASSERT_FALSE(read.error) << *read.error;
    EXPECT_EQ(read.summary.connections.received, 1u);
    EXPECT_EQ(read.summary.connections.authorized, 1u);
    EXPECT_EQ(read.summary.connections.tls, 0u);
    EXPECT_EQ(read.summary.connections.unknown_transport, 1u);
    EXPECT_TRUE(read.summary.tls.empty());
  }
}

// Without the name on later lines (no %a), the claim stands: what the log cannot tell.
TEST(ClientWrittenLinesTest, ATlsClaimAfterANameStandsWhenNoLaterLineShowsTheName) {
  const LogSummary summary =
      Summarize({{"LOG", "connection received: host=10.0.0.1 port=5"},
                 {"LOG",
                  "connection authorized: user=a database=b application_name=psql SSL enabled "
                  "(protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)"}});
  EXPECT_EQ(summary.connections.tls, 1u);
  // A name holding the text before the server's own: what is real cannot be told.
  const LogSummary twice =
      Summarize({{"LOG", "connection received: host=10.0.0.1 port=5"},
                 {"LOG",
                  "connection authorized: user=a database=b application_name=x SSL enabled "
                  "(protocol=TLSv1, cipher=A, bits=40) SSL enabled (protocol=TLSv1.3, "
                  "cipher=TLS_AES_256_GCM_SHA384, bits=256)"}});
  EXPECT_EQ(twice.connections.tls, 0u);
  EXPECT_EQ(twice.connections.unknown_transport, 1u);
}

// The prefix changed partway through a file: the lines after it are no entries, and those that
// read like connection messages are sessions the summary would not count. An error naming the
// first, not a summary of half the log; a line of another program's stderr is no such line.
TEST(LogFactsTest, ALineThatReadsLikeAConnectionMessageButIsNoEntryIsAnError) {
  TempDir dir;
  const std::string good =
      "2026-01-01 10:00:01.000 UTC [101] LOG:  connection received: host=10.0.0.6 port=5001\n"
      "archive command output: copied 000000010000000000000001\n";
  const ServerLogsRead clean =
      SummarizeServerLogs({dir.Write("clean.log", good).string()},
                          {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix}, {});
  EXPECT_FALSE(clean.error) << *clean.error;
  const std::string changed =
      good +
      "2026-01-01 10:05:00 UTC [200]: [1-1] user=,db= LOG:  connection received: host=10.0.0.5 "
      "port=5000\n"
      "2026-01-01 10:05:00 UTC [200]: [2-1] user=app,db=app LOG:  connection authorized: "
      "user=app database=app application_name=psql\n";
  const std::string path = dir.Write("changed.log", changed).string();
  const ServerLogsRead read = SummarizeServerLogs(
      {path}, {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix}, {});
  ASSERT_TRUE(read.error);
  EXPECT_EQ(*read.error, "server log " + path +
                             ":3: this line reads like a connection or reload message but is no "
                             "stderr entry (nor are 1 more): the sessions it and its like tell of "
                             "are not counted (was log_line_prefix changed, or a format other "
                             "than the one given?)");
  // Where the prefix writes a name a client chooses, a client can write such a line (a user
  // name with a newline in it, in its rejected connection's own lines): noted, not an error
  // that any client could raise in every run.
  const std::string forged =
      "2026-01-01 10:00:01.000 UTC [101] app@app LOG:  connection received: host=10.0.0.6 "
      "port=5001\n"
      "X LOG:  connection received: host=10.0.0.9 port=1\n";
  const ServerLogsRead noted =
      SummarizeServerLogs({dir.Write("forged.log", forged).string()},
                          {.format = std::nullopt, .line_prefix = "%m [%p] %q%u@%d "}, {});
  ASSERT_FALSE(noted.error) << *noted.error;
  // A scan warns of them: its report says what it did not count.
  FactSet facts;
  std::vector<std::string> warnings;
  EXPECT_FALSE(AddServerLogFacts({dir.Write("forged-scan.log", forged).string()}, "db1",
                                 {.format = std::nullopt, .line_prefix = "%m [%p] %q%u@%d "}, {},
                                 facts, warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("forged-scan.log:2: this line reads like"), std::string::npos)
      << warnings[0];
  EXPECT_TRUE(std::any_of(noted.summary.notes.begin(), noted.summary.notes.end(),
                          [](const std::string& note) {
                            return note.find(
                                       ":2: this line reads like a connection or reload "
                                       "message but is no stderr entry: a client can "
                                       "write such lines") != std::string::npos;
                          }))
      << ::testing::PrintToString(noted.summary.notes);
}

LogSummary SummarizeText(const TempDir& dir, const std::string& text, const std::string& prefix) {
  const ServerLogsRead read =
      SummarizeServerLogs({dir.Write("server.log", text).string()},
                          {.format = std::nullopt, .line_prefix = prefix}, {});
  EXPECT_FALSE(read.error) << *read.error;
  return read.summary;
}

// The TLS part of one block's authorized lines is read once per text and used again while the
// text repeats: a part that differs in one digit, a hostile one too long to keep, and one that is
// no TLS part each read as written, before and after the repeated one.
TEST(LogSummarizerTest, RepeatedTlsPartsAreReadAsWrittenEachTime) {
  TempDir dir;
  std::string log;
  int pid = 100;
  const auto session = [&](const std::string& part) {
    const std::string prefix = "2026-12-03 22:23:17.096 UTC [" + std::to_string(++pid) + "] ";
    log += prefix + "LOG:  connection received: host=10.0.0.1 port=5\n";
    log += prefix + "LOG:  connection authorized: user=a database=b SSL enabled (" + part + "\n";
  };
  const std::string common = "protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)";
  const std::string weak = "protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=128)";
  const std::string long_cipher =
      "protocol=TLSv1.1, cipher=" + std::string(300, 'C') + ", bits=40)";
  const std::string broken = "protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384)";
  for (const std::string& part :
       {common, common, weak, common, long_cipher, long_cipher, broken, common, broken}) {
    session(part);
  }
  const LogSummary summary = SummarizeText(dir, log, kDefaultLogLinePrefix);
  EXPECT_EQ(summary.connections.authorized, 9u);
  EXPECT_EQ(summary.connections.tls, 7u);
  std::map<std::string, std::uint64_t> counts;
  for (const auto& tls : summary.tls) {
    counts[tls.protocol + " " + tls.cipher + " " + std::to_string(tls.bits)] = tls.count;
  }
  ASSERT_EQ(summary.tls.size(), 3u);
  EXPECT_EQ(counts["TLSv1.3 TLS_AES_256_GCM_SHA384 256"], 4u);
  EXPECT_EQ(counts["TLSv1.3 TLS_AES_256_GCM_SHA384 128"], 1u);
  EXPECT_EQ(counts["TLSv1.1 " + std::string(256, 'C') + " 40"], 2u);
  EXPECT_EQ(summary.below_minimum_tls, 2u);
}

// What a client sends is logged on a STATEMENT line (here after a syntax error): it never
// counts as a connection, whatever it reads like.
TEST(ClientWrittenLinesTest, AStatementLineIsNoConnection) {
  TempDir dir;
  const LogSummary summary = SummarizeText(
      dir,
      "2026-12-03 22:23:17.096 UTC [7] ERROR:  syntax error at or near \"connection\"\n"
      "2026-12-03 22:23:17.096 UTC [7] STATEMENT:  connection authorized: user=a database=b SSL "
      "enabled (protocol=TLSv1, cipher=NULL-MD5, bits=40)\n"
      "2026-12-03 22:23:17.097 UTC [7] STATEMENT:  connection authenticated: identity=\"a\" "
      "method=md5 (/etc/postgresql/15/main/pg_hba.conf:7)\n",
      kDefaultLogLinePrefix);
  EXPECT_EQ(summary.connections.authorized, 0u);
  EXPECT_TRUE(summary.hba_lines.empty());
}

const std::string kWithApplication = "%m [%p] app=%a,db=%d ";

std::string SessionLines(const std::string& startup_name, const std::string& later_name) {
  return "2026-12-03 22:23:17.096 UTC [7] app=[unknown],db=[unknown] LOG:  connection received: "
         "host=10.0.0.1 port=5\n"
         "2026-12-03 22:23:17.097 UTC [7] app=[unknown],db=b LOG:  connection authorized: user=a "
         "database=b application_name=" +
         startup_name +
         " SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)\n"
         "2026-12-03 22:23:18.000 UTC [7] app=" +
         later_name + ",db=b LOG:  disconnection: session time: 0:00:00.903 user=a database=b\n";
}

// The name a later line shows is the one the authorized line gave (cut at 63 bytes): believed.
// Another name (the session renamed itself, to '' or to anything) leaves the transport unknown.
TEST(ClientWrittenLinesTest, ATlsClaimAfterANameHoldsOnlyIfALaterLineShowsThatName) {
  TempDir dir;
  const std::string long_name(70, 'n');
  for (const auto& [startup, later, tls] :
       {std::tuple{std::string("psql"), std::string("psql"), 1u},
        std::tuple{long_name, long_name.substr(0, 63), 1u},
        std::tuple{std::string("x"), std::string("psql"), 0u},
        std::tuple{std::string("x"), std::string("[unknown]"), 0u}}) {
    SCOPED_TRACE(startup + " / " + later);
    const LogSummary summary = SummarizeText(dir, SessionLines(startup, later), kWithApplication);
    EXPECT_EQ(summary.connections.authorized, 1u);
    EXPECT_EQ(summary.connections.tls, tls);
    EXPECT_EQ(summary.connections.unknown_transport, 1u - tls);
    EXPECT_TRUE(summary.notes.empty()) << summary.notes[0];
  }
}

// The database a line's prefix gives is the message's: one named like a transport is caught.
TEST(ClientWrittenLinesTest, ADatabaseNamedLikeTlsIsCaughtByThePrefix) {
  TempDir dir;
  const LogSummary summary = SummarizeText(
      dir,
      "2026-12-03 22:23:17.096 UTC [7] app=[unknown],db=[unknown] LOG:  connection received: "
      "host=10.0.0.1 port=5\n"
      "2026-12-03 22:23:17.097 UTC [7] app=[unknown],db=x SSL enabled (protocol=TLSv1.3, "
      "cipher=A, bits=256) LOG:  connection authorized: user=a database=x SSL enabled "
      "(protocol=TLSv1.3, cipher=A, bits=256)\n",
      kWithApplication);
  EXPECT_EQ(summary.connections.tls, 0u);
  EXPECT_EQ(summary.connections.unknown_transport, 1u);
}

// RAISE LOG text followed by megabytes of its own lines: its CONTEXT, blocks later, still
// makes it a client's text.
TEST(ClientWrittenLinesTest, AContextBlocksAfterItsMessageStillCounts) {
  TempDir dir;
  std::string log =
      "2026-12-03 22:23:17.096 UTC [7] LOG:  connection authorized: user=a database=b SSL enabled "
      "(protocol=TLSv1, cipher=A, bits=40)\n";
  const std::string tab_line = "\t" + std::string(1000, 'x') + "\n";
  while (log.size() < 3 * kReadBytes) log += tab_line;
  log +=
      "2026-12-03 22:23:17.096 UTC [7] CONTEXT:  PL/pgSQL function inline_code_block line 1 at "
      "RAISE\n";
  for (const unsigned threads : {1u, 3u}) {
    const ServerLogsRead read = SummarizeServerLogs(
        {dir.Write("server.log", log).string()},
        {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix, .threads = threads}, {});
    ASSERT_FALSE(read.error) << *read.error;
    EXPECT_EQ(read.summary.connections.authorized, 0u);
    EXPECT_EQ(read.summary.unparsed_lines, 0u);
  }
}

// ---- blocks read on several threads -------------------------------------------------------

std::string SummaryText(const LogSummary& summary) {
  std::ostringstream out;
  const auto& c = summary.connections;
  out << summary.lines << " " << summary.unparsed_lines << " " << summary.first.value_or("") << " "
      << summary.last.value_or("") << " " << c.received << " " << c.authorized << " " << c.tls
      << " " << c.plaintext_tcp << " " << c.unknown_transport << " "
      << summary.session_groups.size();
  for (const LogTlsUse& use : summary.tls) out << " " << use.protocol << ":" << use.count;
  for (const std::uint64_t failures : summary.failures) out << " f" << failures;
  return out.str();
}

// A log whose lines that belong together straddle the ends of the blocks read in parallel: a
// RAISE LOG line ends the first block and its CONTEXT starts the second; a message's tab lines
// start the third. Read on one thread and on four, the summaries are the same, and right.
TEST(ParallelReadTest, LinesThatBelongTogetherAcrossBlockEndsAreJoined) {
  TempDir dir;
  std::string log;
  int pid = 100;
  const auto session = [&] {
    const std::string time = "2026-12-03 22:23:17.096 UTC [" + std::to_string(++pid) + "] ";
    log += time + "LOG:  connection received: host=10.0.0.1 port=5\n";
    log += time +
           "LOG:  connection authorized: user=a database=b SSL enabled (protocol=TLSv1.3, "
           "cipher=TLS_AES_256_GCM_SHA384, bits=256)\n";
    log += time + "LOG:  duration: 0.1 ms  statement: select 1\n";
  };
  // Lines up to `end`, the last one padded to end there exactly.
  const auto fill_to = [&](std::size_t end, const std::string& last_line) {
    while (log.size() + 400 + last_line.size() < end) session();
    const std::string head = "2026-12-03 22:23:17.096 UTC [99] LOG:  duration: 0.1 ms  statement: ";
    const std::size_t room = end - log.size() - last_line.size() - head.size() - 1;
    log += head + std::string(room, 'x') + "\n" + last_line;
    ASSERT_EQ(log.size(), end);
  };
  const std::string forged =
      "2026-12-03 22:23:17.096 UTC [99] LOG:  connection authorized: user=a database=b SSL "
      "enabled (protocol=TLSv1, cipher=A, bits=40)\n";
  fill_to(kReadBytes, forged);
  log +=
      "2026-12-03 22:23:17.096 UTC [99] CONTEXT:  PL/pgSQL function inline_code_block line 1 "
      "at RAISE\n";
  fill_to(2 * kReadBytes,
          "2026-12-03 22:23:17.096 UTC [99] LOG:  duration: 0.1 ms  statement: "
          "select 1,\n");
  log += "\t2\n\t3\n";
  session();
  const std::string path = dir.Write("server.log", log).string();
  const auto summarize = [&](unsigned threads) {
    const ServerLogsRead read = SummarizeServerLogs(
        {path}, {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix, .threads = threads},
        {});
    EXPECT_FALSE(read.error);
    return read.summary;
  };
  const LogSummary one = summarize(1);
  EXPECT_EQ(one.unparsed_lines, 0u);
  EXPECT_EQ(one.connections.authorized, one.connections.received);
  EXPECT_EQ(one.below_minimum_tls, 0u);
  EXPECT_GT(one.connections.received, 1000u);
  EXPECT_EQ(SummaryText(summarize(4)), SummaryText(one));
}

// Every thread reads blocks from the file itself: a line longer than a read, one longer than
// kMaxLineBytes (cut), a gzip file, and a scheduled run that stops before a last line without
// its line end and resumes after it are read on four threads as on one.
TEST(ParallelReadTest, LongLinesCompressedFilesAndResumedReadsAreReadAsOnOneThread) {
  TempDir dir;
  std::string log;
  int pid = 100;
  const auto sessions = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const std::string time = "2026-12-03 22:23:17.096 UTC [" + std::to_string(++pid) + "] ";
      log += time + "LOG:  connection received: host=10.0.0." + std::to_string(pid % 250) +
             " port=5\n";
      log += time + "LOG:  connection authorized: user=a database=b" +
             (pid % 3 == 0 ? "\n"
                           : " SSL enabled (protocol=TLSv1." + std::to_string(2 + pid % 2) +
                                 ", cipher=TLS_AES_256_GCM_SHA384, bits=256)\n");
    }
  };
  const auto statement = [&](std::size_t bytes) {
    log += "2026-12-03 22:23:17.096 UTC [99] LOG:  duration: 0.1 ms  statement: select '" +
           std::string(bytes, 'x') + "'\n";
  };
  sessions(2000);
  statement(3 * kReadBytes);
  sessions(2000);
  statement(kMaxLineBytes + 5000);
  sessions(3000);
  const std::string last =
      "2026-12-03 22:23:18.000 UTC [7] LOG:  connection received: host=10.0.0.7";
  const auto summarize = [&](const std::string& path, unsigned threads,
                             const LogPositions* resume = nullptr,
                             LogPositions* reached = nullptr) {
    const ServerLogsRead read = SummarizeServerLogs(
        {path}, {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix, .threads = threads},
        {}, resume, reached);
    EXPECT_FALSE(read.error) << *read.error;
    return read.summary;
  };
  const std::string whole = log + last + " port=5\n";
  for (const std::string& path : {dir.Write("server.log", whole).string(),
                                  dir.Write("server.log.1.gz", Gzip(whole)).string()}) {
    const LogSummary one = summarize(path, 1);
    EXPECT_EQ(one.connections.received, 7001u) << path;
    EXPECT_EQ(one.connections.authorized, 7000u) << path;
    EXPECT_EQ(SummaryText(summarize(path, 4)), SummaryText(one)) << path;
  }
  // A run that finds the last line without its end, and the next, which finds it ended.
  std::uint64_t offsets[2] = {};
  std::string runs[2];
  for (const unsigned threads : {1u, 4u}) {
    const std::filesystem::path path = dir.Write("resumed.log", log + last);
    LogPositions positions;
    const LogPositions before = positions;
    const LogSummary first = summarize(path.string(), threads, &before, &positions);
    const LogPosition* stopped = positions.Find(*IdentityOf(path.string()));
    ASSERT_NE(stopped, nullptr);
    EXPECT_EQ(stopped->offset, log.size());
    std::ofstream(path, std::ios::app) << " port=5\n";
    const LogPositions between = positions;
    const LogSummary second = summarize(path.string(), threads, &between, &positions);
    EXPECT_EQ(first.connections.received + second.connections.received, 7001u);
    offsets[threads == 1 ? 0 : 1] = positions.Find(*IdentityOf(path.string()))->offset;
    runs[threads == 1 ? 0 : 1] = SummaryText(first) + " | " + SummaryText(second);
    std::filesystem::remove(path);
  }
  EXPECT_EQ(offsets[0], whole.size());
  EXPECT_EQ(offsets[1], offsets[0]);
  EXPECT_EQ(runs[1], runs[0]);
}

// What a thread reading blocks throws (here, as if memory ran out) reaches the caller, whichever
// thread it was thrown on: it does not end the process.
TEST(ParallelReadTest, WhatAThreadThrowsReachesTheCaller) {
  TempDir dir;
  std::string log;
  while (log.size() < 20 * kReadBytes) {
    log += "2026-12-03 22:23:17.096 UTC [7] LOG:  connection received: host=10.0.0.1 port=5\n";
  }
  const std::string path = dir.Write("server.log", log).string();
  class FailingSink : public LogEntrySink {
   public:
    std::unique_ptr<BlockScan> NewBlockScan() const override {
      return std::make_unique<Failing>(++scans_ == 7);
    }
    void Merge(BlockScan&, std::uint64_t) override {}
    void Add(const LogEntry&) override {}

   private:
    struct Failing : BlockScan {
      explicit Failing(bool fail) : fail(fail) {}
      bool Keep(LogEntry&) override {
        if (fail) throw std::bad_alloc();
        return true;
      }
      bool fail;
    };
    mutable std::atomic<int> scans_ = 0;
  };
  for (const unsigned threads : {1u, 2u, 4u}) {
    FailingSink sink;
    EXPECT_THROW(
        ReadServerLog(
            path,
            {.format = std::nullopt, .line_prefix = kDefaultLogLinePrefix, .threads = threads},
            sink),
        std::bad_alloc)
        << threads;
  }
}

// A log_line_prefix that says each line's process (%b) and writes no name a client chooses: the
// postmaster's lines are known as its.
constexpr char kTypedPrefix[] = "%m [%p] %b ";
// Debian's: the postmaster's lines stop at %q, a session's say user@database as the client sent
// them, so a client can write lines that read like the postmaster's.
constexpr char kDebianPrefix[] = "%m [%p] %q%u@%d ";

// What PostgreSQL 13 (pg_hba.conf by name) and 16+ (by path) write when a reload fails, with a
// session's lines between, in kTypedPrefix.
constexpr char kFailedReloads[] =
    "2026-12-05 00:09:36.500 UTC [311] postmaster LOG:  starting PostgreSQL 13.23 on "
    "x86_64-pc-linux-gnu, compiled by gcc (GCC) 8.5.0, 64-bit\n"
    "2026-12-05 00:09:36.704 UTC [323] not initialized LOG:  connection received: host=[local]\n"
    "2026-12-05 00:09:36.707 UTC [323] client backend LOG:  connection authorized: user=postgres "
    "database=postgres\n"
    "2026-12-05 00:09:36.746 UTC [311] postmaster LOG:  received SIGHUP, reloading configuration "
    "files\n"
    "2026-12-05 00:09:36.749 UTC [311] postmaster LOG:  could not load server certificate file "
    "\"/nonexistent.crt\": No such file or directory\n"
    "2026-12-05 00:09:36.749 UTC [311] postmaster LOG:  SSL configuration was not reloaded\n"
    "2026-12-05 00:09:37.792 UTC [311] postmaster LOG:  received SIGHUP, reloading configuration "
    "files\n"
    "2026-12-05 00:09:37.796 UTC [311] postmaster LOG:  invalid authentication method \"bogus\"\n"
    "2026-12-05 00:09:37.796 UTC [311] postmaster CONTEXT:  line 10 of configuration file "
    "\"/srv/pg/pg_hba.conf\"\n"
    "2026-12-05 00:09:37.796 UTC [311] postmaster LOG:  pg_hba.conf was not reloaded\n"
    "2026-12-05 00:09:37.797 UTC [311] postmaster LOG:  /srv/pg/pg_ident.conf was not reloaded\n"
    "2026-12-05 00:09:37.797 UTC [311] postmaster LOG:  SSL configuration was not reloaded\n"
    "2026-12-05 00:09:38.792 UTC [311] postmaster LOG:  received SIGHUP, reloading configuration "
    "files\n"
    "2026-12-05 00:09:38.797 UTC [311] postmaster LOG:  SSL configuration was not reloaded\n";
// The times of the first and last SSL failures above (Python's datetime, UTC).
constexpr std::int64_t kFirstSslFailure = 1796429376749, kLastSslFailure = 1796429378797;
constexpr char kTypedReload[] =
    "2026-12-05 00:09:39.000 UTC [311] postmaster LOG:  received SIGHUP, reloading configuration "
    "files\n";

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A block's authorized lines mostly end in the text the last one ended in, from its SSL part
// on, whose reading is used again: still the last SSL part, after an application name that
// imitates one, beside a GSS part, and none at all.
TEST(LogSummarizerTest, RepeatedTransportPartsAreReadAsWrittenEachTime) {
  TempDir dir;
  const std::string tls = "SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)";
  const std::string gss = "GSS (authenticated=yes, encrypted=yes, principal=a)";
  const std::string named = "connection authorized: user=a database=b application_name=psql";
  std::string log;
  int pid = 200;
  // A long database name puts the SSL part further from the start than the GSS part is from
  // it: the GSS part's place is counted from the message's start, not from the SSL part's.
  const std::string long_named =
      "connection authorized: user=a database=" + std::string(90, 'd') + " application_name=psql";
  for (const std::string& message :
       {long_named + " " + tls + " " + gss, long_named + " " + tls + " " + gss, named + " " + tls,
        named + " SSL enabled (protocol=TLSv1, cipher=NULL-MD5, bits=0) " + tls,  // imitated
        named,                                                                    // plaintext
        named + " " + tls + " " + gss, named + " " + tls + " " + gss, named + " " + gss,
        "connection authorized: user=a database=b " + tls}) {
    const std::string prefix = "2026-12-03 22:23:17.096 UTC [" + std::to_string(++pid) + "] ";
    log += prefix + "LOG:  connection received: host=10.0.0.1 port=5\n";
    log += prefix + "LOG:  " + message + "\n";
  }
  const LogSummary summary = SummarizeText(dir, log, kDefaultLogLinePrefix);
  EXPECT_EQ(summary.connections.authorized, 9u);
  EXPECT_EQ(summary.connections.tls, 6u);
  EXPECT_EQ(summary.connections.gss, 1u);
  EXPECT_EQ(summary.connections.plaintext_tcp, 1u);
  EXPECT_EQ(summary.connections.unknown_transport, 1u);
  ASSERT_EQ(summary.tls.size(), 1u);
  EXPECT_EQ(summary.tls[0].count, 6u);
  // Both long lines' database read whole.
  std::map<std::string, std::uint64_t> databases;
  for (const auto& database : summary.authorized_by_database)
    databases[database.value] = database.count;
  EXPECT_EQ(databases[std::string(90, 'd')], 2u);
  EXPECT_EQ(databases["b"], 7u);
}

// The window of one block's entries: a time read again only where its text changes, across a
// day and out of order; in a zone pgward cannot convert, the first and last times as written.
TEST(LogSummarizerTest, TheWindowSpansABlocksEntriesAsWritten) {
  TempDir dir;
  const std::string lines =
      "2026-12-03 23:59:59.900 UTC [7] LOG:  checkpoint starting: time\n"
      "2026-12-03 23:59:59.900 UTC [7] LOG:  checkpoint complete\n"
      "2026-12-04 00:00:00.100 UTC [7] LOG:  checkpoint starting: time\n"
      "2026-12-03 23:59:59.950 UTC [8] LOG:  connection received: host=[local]\n"
      "2026-12-04 00:00:00.050 UTC [8] LOG:  checkpoint complete\n";
  const LogSummary known = SummarizeText(dir, lines, kDefaultLogLinePrefix);
  EXPECT_EQ(known.first.value_or(""), "2026-12-03T23:59:59.900Z");
  EXPECT_EQ(known.last.value_or(""), "2026-12-04T00:00:00.100Z");
  EXPECT_TRUE(known.notes.empty()) << known.notes[0];
  EXPECT_EQ(known.connections.received, 1u);
  const LogSummary unknown =
      SummarizeText(dir, ReplaceAll(lines, " UTC ", " CET "), kDefaultLogLinePrefix);
  EXPECT_EQ(unknown.first.value_or(""), "2026-12-03 23:59:59.900 CET");
  EXPECT_EQ(unknown.last.value_or(""), "2026-12-04 00:00:00.050 CET");
  ASSERT_EQ(unknown.notes.size(), 1u);
  EXPECT_NE(unknown.notes[0].find("'CET'"), std::string::npos) << unknown.notes[0];
  // Within one day each changed time is read from the last one's day and zone, the clock as one
  // word: with and without milliseconds, out of order, at the day's first and last second.
  for (const std::string millis : {".000", ""}) {
    std::string day;
    for (const char* clock :
         {"22:23:17", "22:23:18", "09:05:07", "23:59:59", "00:00:00", "22:23:17"}) {
      day += "2026-12-03 " + std::string(clock) + millis + " UTC [8] LOG:  checkpoint complete\n";
    }
    day += "2026-12-03 10:00:00" + millis + " UTC [9] LOG:  connection received: host=[local]\n";
    const LogSummary same_day = SummarizeText(dir, day, millis.empty() ? "%t [%p] " : "%m [%p] ");
    EXPECT_EQ(same_day.first.value_or(""), "2026-12-03T00:00:00.000Z");
    EXPECT_EQ(same_day.last.value_or(""), "2026-12-03T23:59:59.000Z");
    EXPECT_TRUE(same_day.notes.empty()) << same_day.notes[0];
  }
}

// kFailedReloads as Debian's prefix writes it.
std::string InDebianPrefix(const std::string& typed) {
  return ReplaceAll(
      ReplaceAll(ReplaceAll(typed, " postmaster ", " "), " client backend ", " postgres@postgres "),
      " not initialized ", " [unknown]@[unknown] ");
}

const LogReloadFailure* FailureOf(const LogSummary& summary, const std::string& configuration) {
  for (const LogReloadFailure& failure : summary.reload_failures) {
    if (failure.configuration == configuration) return &failure;
  }
  return nullptr;
}

// What a summary says of the SSL configuration: outdated, applied, or not known; "absent" when
// it has no row.
std::string SslStatus(const LogSummary& summary) {
  const LogReloadFailure* ssl = FailureOf(summary, "SSL configuration");
  if (ssl == nullptr) return "absent";
  return !ssl->outdated ? "unknown" : *ssl->outdated ? "outdated" : "applied";
}

// The same of the summary of these lines.
std::string SslStatus(const std::string& text, const std::string& prefix = kTypedPrefix) {
  TempDir dir;
  return SslStatus(SummarizeText(dir, text, prefix));
}

TEST(ReloadFailureTest, TheLastReloadDecidesWhatIsOutdated) {
  TempDir dir;
  const LogSummary summary = SummarizeText(dir, kFailedReloads, kTypedPrefix);
  EXPECT_EQ(summary.reloads, 3u);
  ASSERT_EQ(summary.reload_failures.size(), 3u);
  const LogReloadFailure* ssl = FailureOf(summary, "SSL configuration");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->outdated, true);
  EXPECT_EQ(ssl->failed_reloads, 3u);
  EXPECT_EQ(ssl->first_failed, kFirstSslFailure);
  EXPECT_EQ(ssl->last_failed, kLastSslFailure);
  // The third reload applied both authentication files.
  for (const char* file : {"pg_hba.conf", "/srv/pg/pg_ident.conf"}) {
    const LogReloadFailure* failure = FailureOf(summary, file);
    ASSERT_NE(failure, nullptr) << file;
    EXPECT_EQ(failure->outdated, false) << file;
    EXPECT_EQ(failure->failed_reloads, 1u) << file;
  }
  // A reload that applies it ends it; a crash restart does not (the postmaster keeps what it
  // had); a server start does.
  EXPECT_EQ(SslStatus(kFailedReloads + std::string(kTypedReload)), "applied");
  const std::string crash =
      "2026-12-05 00:10:00.000 UTC [311] postmaster LOG:  server process (PID 400) was "
      "terminated by signal 9: Killed\n"
      "2026-12-05 00:10:00.001 UTC [311] postmaster LOG:  all server processes terminated; "
      "reinitializing\n"
      "2026-12-05 00:10:00.100 UTC [311] postmaster LOG:  database system is ready to accept "
      "connections\n";
  EXPECT_EQ(SslStatus(kFailedReloads + crash), "outdated");
  const std::string start =
      "2026-12-05 00:11:00.000 UTC [500] postmaster LOG:  starting PostgreSQL 13.23 on "
      "x86_64-pc-linux-gnu, compiled by gcc (GCC) 8.5.0, 64-bit\n";
  EXPECT_EQ(SslStatus(kFailedReloads + crash + start), "applied");
}

// Where the format cannot say which lines are the postmaster's, a reload or start after a
// failure leaves it unknown (evidence missing), never applied; the summary says why and what
// would tell.
TEST(ReloadFailureTest, WhereTheFormatCannotSayThePostmasterAReloadLeavesItUnknown) {
  const std::string debian = InDebianPrefix(kFailedReloads);
  TempDir dir;
  const LogSummary summary = SummarizeText(dir, debian, kDebianPrefix);
  ASSERT_NE(FailureOf(summary, "pg_hba.conf"), nullptr);
  EXPECT_EQ(FailureOf(summary, "pg_hba.conf")->outdated, std::nullopt);
  // No reload after its last failure: outdated all the same.
  ASSERT_NE(FailureOf(summary, "SSL configuration"), nullptr);
  EXPECT_EQ(FailureOf(summary, "SSL configuration")->outdated, true);
  EXPECT_TRUE(std::any_of(summary.notes.begin(), summary.notes.end(), [](const std::string& note) {
    return note.find("text a client chooses") != std::string::npos;
  })) << ::testing::PrintToString(summary.notes);
  EXPECT_EQ(SslStatus(debian + InDebianPrefix(kTypedReload), kDebianPrefix), "unknown");
  // Read with PostgreSQL 15's default prefix, the lines Debian's writes a user and database in
  // are no entries, and reload messages among them leave the summary incomplete: an error.
  const std::string path = dir.Write("default.log", debian + InDebianPrefix(kTypedReload)).string();
  const ServerLogsRead read =
      SummarizeServerLogs({path}, {.format = std::nullopt, .line_prefix = "%m [%p] "}, {});
  ASSERT_TRUE(read.error);
  EXPECT_NE(read.error->find("reads like a connection or reload message but is no stderr entry"),
            std::string::npos)
      << *read.error;
}

// Lines a client can write that read like the postmaster's reload or start: none applies a
// configuration.
TEST(ReloadFailureTest, AClientCannotEndAFailedReload) {
  const std::string sighup = "LOG:  received SIGHUP, reloading configuration files\n";
  const std::string start =
      "LOG:  starting PostgreSQL 13.23 on x86_64-pc-linux-gnu, compiled by gcc (GCC) 8.5.0, "
      "64-bit\n";
  const std::string at = "2026-12-05 00:09:40.000 UTC ";
  const std::vector<std::pair<std::string, std::string>> forged = {
      {"RAISE LOG", at + "[400] client backend " + sighup + at +
                        "[400] client backend CONTEXT:  PL/pgSQL function inline_code_block line "
                        "1 at RAISE\n"},
      // log_error_verbosity = terse: no CONTEXT; a parallel worker has no session.
      {"terse RAISE LOG", at + "[400] client backend " + sighup},
      {"terse RAISE LOG in a parallel worker", at + "[401] parallel worker " + start},
      {"not LOG", at + "[311] postmaster FATAL:  received SIGHUP, reloading configuration files\n"},
  };
  for (const auto& [what, lines] : forged) {
    EXPECT_EQ(SslStatus(kFailedReloads + lines), "outdated") << what;
  }
  // Where the prefix writes names, a client writes whole lines, "postmaster" included: not known.
  const std::string named_prefix = "%m [%p] %b %q%u@%d ";
  const std::string named = ReplaceAll(kFailedReloads, " client backend ", " client backend a@b ");
  EXPECT_EQ(SslStatus(named, named_prefix), "outdated");
  EXPECT_EQ(SslStatus(named + at + "[311] postmaster " + sighup, named_prefix), "unknown");
  EXPECT_EQ(SslStatus(named + at + "[999] postmaster " + start, named_prefix), "unknown");
  // An application name before %b, spaces and colons included, moves where %b is read from.
  const std::string app_prefix = "%m [%p] %a %b ";
  const std::string with_app =
      ReplaceAll(ReplaceAll(kFailedReloads, "] postmaster ", "]  postmaster "), "] client backend ",
                 "] psql client backend ");
  EXPECT_EQ(SslStatus(with_app, app_prefix), "outdated");
  EXPECT_EQ(SslStatus(with_app + at + "[400] x postmaster " + start, app_prefix), "unknown");
}

// Only the postmaster's LOG lines: RAISE LOG (a CONTEXT follows), a session's line, another
// process's, or an ERROR a client caused read the same and are none.
TEST(ReloadFailureTest, AClientCannotWriteAFailedReload) {
  TempDir dir;
  const std::string at = "2026-12-05 00:09:36.800 UTC ";
  const std::string failure = "LOG:  SSL configuration was not reloaded\n";
  const std::string lines = at + "[323] client backend LOG:  connection authorized: user=a\n" + at +
                            "[323] client backend " + failure + at +
                            "[323] client backend CONTEXT:  PL/pgSQL function inline_code_block "
                            "line 1 at RAISE\n" +
                            at + "[323] client backend " + failure + at + "[324] parallel worker " +
                            failure + at +
                            "[323] client backend ERROR:  /etc/pg_hba.conf was "
                            "not reloaded\n";
  EXPECT_TRUE(SummarizeText(dir, lines, kTypedPrefix).reload_failures.empty());
  const std::string session = at + "[323] a@b " + failure;
  EXPECT_TRUE(SummarizeText(dir, session, kDebianPrefix).reload_failures.empty());
}

// In one file the order lines were written in decides, whatever their times say (a clock set
// back, a zone pgward cannot convert); between files, their times, whatever the order they are
// given in (a shell's postgresql.log* lists the newest first).
TEST(ReloadFailureTest, OrderInAFileAndTimeBetweenFilesDecide) {
  TempDir dir;
  const std::string older =
      dir.Write("postgresql.log.1", ReplaceAll(kTypedReload, "00:09:39", "00:09:30")).string();
  const std::string newer = dir.Write("postgresql.log", kFailedReloads).string();
  const ServerLogsRead read = SummarizeServerLogs(
      {newer, older}, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {});
  ASSERT_FALSE(read.error) << *read.error;
  const LogReloadFailure* ssl = FailureOf(read.summary, "SSL configuration");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->outdated, true);
  // The clock set back after the failure: the reload after it still applies it.
  EXPECT_EQ(SslStatus(kFailedReloads + ReplaceAll(kTypedReload, "00:09:39", "00:09:00")),
            "applied");
  // A file whose clock was set back after a failure: its latest failure orders it against another
  // file's reload.
  const std::string set_back =
      ReplaceAll(kFailedReloads, "00:09:38.797", "00:12:00.000") +
      "2026-12-05 00:05:00.000 UTC [311] postmaster LOG:  SSL configuration was not reloaded\n";
  const std::string later = dir.Write("later.log", set_back).string();
  const std::string between =
      dir.Write("between.log", ReplaceAll(kTypedReload, "00:09:39", "00:10:00")).string();
  const ServerLogsRead clock = SummarizeServerLogs(
      {later, between}, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {});
  ASSERT_FALSE(clock.error) << *clock.error;
  EXPECT_EQ(SslStatus(clock.summary), "outdated");
  // Times in a zone that cannot be converted: the order still tells.
  EXPECT_EQ(SslStatus(ReplaceAll(kFailedReloads + std::string(kTypedReload), " UTC ", " CET ")),
            "applied");
}

// A reload that failed before --since still holds inside the window; one after --until does not
// count, nor does the reload after it that would have applied it.
TEST(ReloadFailureTest, TheWindowCountsFailuresButTheStateIsTheWindowsEnd) {
  TempDir dir;
  const std::string log = dir.Write("server.log", kFailedReloads).string();
  const auto summarize = [&](const char* since, const char* until) {
    SummaryOptions options;
    if (since != nullptr) options.since = ParseTimeBound(since);
    if (until != nullptr) options.until = ParseTimeBound(until);
    const ServerLogsRead read =
        SummarizeServerLogs({log}, {.format = std::nullopt, .line_prefix = kTypedPrefix}, options);
    EXPECT_FALSE(read.error) << *read.error;
    return read.summary;
  };
  const LogSummary late = summarize("2026-12-05 00:09:38", nullptr);
  EXPECT_EQ(late.reloads, 1u);
  ASSERT_NE(FailureOf(late, "SSL configuration"), nullptr);
  EXPECT_EQ(FailureOf(late, "SSL configuration")->outdated, true);
  EXPECT_EQ(FailureOf(late, "SSL configuration")->failed_reloads, 1u);
  // Failed before the window and applied since: nothing the window shows.
  EXPECT_EQ(FailureOf(late, "pg_hba.conf"), nullptr);
  const LogSummary early = summarize(nullptr, "2026-12-05 00:09:38");
  ASSERT_NE(FailureOf(early, "pg_hba.conf"), nullptr);
  EXPECT_EQ(FailureOf(early, "pg_hba.conf")->outdated, true);
}

// A scheduled run remembers what it saw outdated with the last file it read, and the next takes
// it from any file it lists: a rotated file renamed, a new file of a time-named series, and a
// rotated file compressed anew and read from its start (its older lines apply nothing later).
// A reload that applies it ends it.
TEST(ReloadFailureTest, AScheduledRunRemembersWhatIsOutdatedAcrossRotation) {
  TempDir dir;
  LogPositions positions;
  const auto run = [&](const std::vector<std::filesystem::path>& files) {
    const LogPositions resume = positions;
    std::string error;
    LogPositions reached = *LogPositions::FromJson(resume.ToJson(), error);
    std::vector<std::string> names;
    for (const std::filesystem::path& file : files) names.push_back(file.string());
    const ServerLogsRead read = SummarizeServerLogs(
        names, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {}, &resume, &reached);
    EXPECT_FALSE(read.error) << *read.error;
    positions = *LogPositions::FromJson(reached.ToJson(), error);
    return read.summary;
  };
  const std::filesystem::path first = dir.Write("postgresql-2026-12-05_000000.log", kFailedReloads);
  ASSERT_NE(FailureOf(run({first}), "SSL configuration"), nullptr);

  const std::string quiet =
      "2026-12-05 01:00:00.000 UTC [600] not initialized LOG:  connection received: "
      "host=[local]\n";
  const std::filesystem::path second = dir.Write("postgresql-2026-12-05_010000.log", quiet);
  const LogSummary carried = run({first, second});
  ASSERT_EQ(carried.reload_failures.size(), 1u);
  EXPECT_EQ(carried.reload_failures[0].outdated, true);
  EXPECT_EQ(carried.reload_failures[0].failed_reloads, 0u);
  EXPECT_EQ(carried.reload_failures[0].last_failed, kLastSslFailure);

  const std::filesystem::path renamed = dir.path() / "postgresql-2026-12-05_010000.log.1";
  std::filesystem::rename(second, renamed);
  const std::filesystem::path third = dir.Write("postgresql-2026-12-05_020000.log", quiet);
  // A file compressed anew, read whole: its reload is older than the failure run 1 saw.
  const std::filesystem::path compressed =
      dir.Write("old.log.gz", Gzip(ReplaceAll(kTypedReload, "00:09:39", "00:09:30")));
  const LogSummary again = run({renamed, third, compressed});
  ASSERT_NE(FailureOf(again, "SSL configuration"), nullptr);
  EXPECT_EQ(FailureOf(again, "SSL configuration")->outdated, true);

  std::ofstream(third, std::ios::app) << ReplaceAll(kTypedReload, "00:09:39", "02:00:01");
  EXPECT_TRUE(run({third}).reload_failures.empty());
  const std::optional<FileIdentity> identity = IdentityOf(third.string());
  ASSERT_TRUE(identity);
  ASSERT_NE(positions.Find(*identity), nullptr);
  EXPECT_TRUE(positions.Find(*identity)->outdated_configurations.empty());
}

// What a run left is kept with every file it read: a glob that lists the oldest file last, a
// file compressed and read whole again, a run after a reload that applied it: the newest state
// is taken, never an older one a file still carries.
TEST(ReloadFailureTest, AScheduledRunTakesTheNewestStateOfTheFilesItLists) {
  TempDir dir;
  LogPositions positions;
  const auto run = [&](const std::vector<std::filesystem::path>& files) {
    const LogPositions resume = positions;
    LogPositions reached = resume;
    std::vector<std::string> names;
    for (const std::filesystem::path& file : files) names.push_back(file.string());
    const ServerLogsRead read = SummarizeServerLogs(
        names, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {}, &resume, &reached);
    EXPECT_FALSE(read.error) << *read.error;
    positions = reached;
    return SslStatus(read.summary);
  };
  const std::filesystem::path day4 = dir.Write("postgresql-04.log.gz", Gzip(kFailedReloads));
  EXPECT_EQ(run({day4}), "outdated");
  const std::filesystem::path day5 =
      dir.Write("postgresql-05.log", ReplaceAll(kTypedReload, "00:09:39", "05:00:00"));
  EXPECT_EQ(run({day5, day4}), "absent");
  const std::filesystem::path day6 = dir.Write("postgresql-06.log", "");
  EXPECT_EQ(run({day6, day5, day4}), "absent");
}

// Times a zone pgward cannot convert: a failure a run saw is ordered by the lines read on after
// it in the same file.
TEST(ReloadFailureTest, AResumedFailureIsOrderedByTheFileItWasReadIn) {
  TempDir dir;
  const std::string cet = ReplaceAll(kFailedReloads, " UTC ", " CET ");
  const std::filesystem::path log = dir.Write("postgresql.log", cet);
  LogPositions first;
  LogPositions none;
  ASSERT_FALSE(SummarizeServerLogs({log.string()},
                                   {.format = std::nullopt, .line_prefix = kTypedPrefix}, {}, &none,
                                   &first)
                   .error);
  std::ofstream(log, std::ios::app) << ReplaceAll(kTypedReload, " UTC ", " CET ");
  LogPositions second;
  const ServerLogsRead read = SummarizeServerLogs(
      {log.string()}, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {}, &first, &second);
  ASSERT_FALSE(read.error) << *read.error;
  EXPECT_EQ(SslStatus(read.summary), "absent");
}

// Not known at the end of one run stays not known in the next, until a failure read since makes
// it outdated again.
TEST(ReloadFailureTest, WhatIsNotKnownStaysSoUntilANewFailure) {
  TempDir dir;
  const std::filesystem::path log =
      dir.Write("postgresql.log", InDebianPrefix(kFailedReloads + std::string(kTypedReload)));
  LogPositions none, first, second, third;
  const auto run = [&](const LogPositions& resume, LogPositions& reached) {
    const ServerLogsRead read =
        SummarizeServerLogs({log.string()}, {.format = std::nullopt, .line_prefix = kDebianPrefix},
                            {}, &resume, &reached);
    EXPECT_FALSE(read.error) << *read.error;
    return SslStatus(read.summary);
  };
  EXPECT_EQ(run(none, first), "unknown");
  EXPECT_EQ(run(first, second), "unknown");
  std::ofstream(log, std::ios::app)
      << "2026-12-05 00:10:00.000 UTC [311] LOG:  SSL configuration was not reloaded\n";
  EXPECT_EQ(run(second, third), "outdated");
}

// More configurations than kept are one "(other)", which a scheduled run keeps too.
TEST(ReloadFailureTest, ConfigurationsBeyondTheLimitAreOneOther) {
  std::string text;
  for (std::size_t i = 0; i < kMaxReloadConfigurations + 4; ++i) {
    text += "2026-12-05 00:09:36.749 UTC [311] postmaster LOG:  /srv/" + std::to_string(i) +
            " was not reloaded\n";
  }
  TempDir dir;
  const std::filesystem::path log = dir.Write("postgresql.log", text);
  LogPositions resume, reached;
  const ServerLogsRead read = SummarizeServerLogs(
      {log.string()}, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {}, &resume, &reached);
  ASSERT_FALSE(read.error) << *read.error;
  ASSERT_EQ(read.summary.reload_failures.size(), kMaxReloadConfigurations + 1);
  ASSERT_NE(FailureOf(read.summary, "(other)"), nullptr);
  EXPECT_EQ(FailureOf(read.summary, "(other)")->failed_reloads, 4u);
  // Resumed, none is lost: the next run's summary has them all, "(other)" included.
  LogPositions next;
  const ServerLogsRead again = SummarizeServerLogs(
      {log.string()}, {.format = std::nullopt, .line_prefix = kTypedPrefix}, {}, &reached, &next);
  ASSERT_FALSE(again.error) << *again.error;
  EXPECT_EQ(again.summary.reload_failures.size(), kMaxReloadConfigurations + 1);
  EXPECT_NE(FailureOf(again.summary, "(other)"), nullptr);
}

TEST(ReloadFailureTest, OutdatedConfigurationsSurviveTheirJsonAndRefuseAnythingElse) {
  LogPositions positions;
  positions.Set({2049, 7}, {42,
                            "ab12",
                            {},
                            3,
                            {{"SSL configuration", kLastSslFailure, false},
                             {"pg_hba.conf", std::nullopt, true}}});
  std::string error;
  const std::optional<LogPositions> read = LogPositions::FromJson(positions.ToJson(), error);
  ASSERT_TRUE(read) << error;
  ASSERT_NE(read->Find({2049, 7}), nullptr);
  EXPECT_EQ(read->Find({2049, 7})->reloads_generation, 3u);
  const std::vector<OutdatedConfiguration>& outdated =
      read->Find({2049, 7})->outdated_configurations;
  ASSERT_EQ(outdated.size(), 2u);
  EXPECT_EQ(outdated[0].configuration, "SSL configuration");
  EXPECT_EQ(outdated[0].last_failed, kLastSslFailure);
  EXPECT_FALSE(outdated[0].doubted);
  EXPECT_FALSE(outdated[1].last_failed);
  EXPECT_TRUE(outdated[1].doubted);
  const std::string file = R"({"device": 1, "inode": 2, "offset": 3, "head_sha256": "x", )";
  for (const std::string& bad : std::vector<std::string>{
           file + R"("outdated_configurations": {}}]})",
           file + R"("outdated_configurations": [{"configuration": 1, "doubted": false}]}]})",
           file + R"("outdated_configurations": [{"configuration": "a"}]}]})",
           file + R"("outdated_configurations": [{"configuration": "a", "doubted": false,
                  "last_failed_ms": 18446744073709551615}]}]})",
       }) {
    EXPECT_FALSE(LogPositions::FromJson(R"({"files": [)" + bad, error)) << bad;
  }
}

}  // namespace
}  // namespace pgward::logs
