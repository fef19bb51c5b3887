#pragma once

// PostgreSQL server logs as entries: stderr (with any log_line_prefix), csvlog and jsonlog
// (PostgreSQL 15+), each read as PostgreSQL writes it (elog.c: send_message_to_server_log,
// write_csvlog, write_jsonlog). The format is recognised from the content unless given.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/logs/log_position.h"

namespace pgward::logs {

enum class LogFormat { kStderr, kCsvlog, kJsonlog };

const char* LogFormatName(LogFormat format);  // stderr, csvlog, jsonlog
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// Longest value kept of an entry (a name, an address, a reason, a path): PostgreSQL's names are
// at most 63 bytes and host names 255, so a longer one is hostile and is cut, keeping memory
// bounded.
inline constexpr std::size_t kMaxValueBytes = 256;
// (Built in place: substr's bounds check, which cannot fail here, keeps it from being inlined.)
inline std::string_view Bounded(std::string_view value) {
  return std::string_view(value.data(), std::min(value.size(), kMaxValueBytes));
}

// text == literal, compared in place: std::string_view's == calls memcmp, which costs more than
// the comparison on the few bytes of a severity, once per log line.
template <std::size_t N>
bool IsText(std::string_view text, const char (&literal)[N]) {
  return text.size() == N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

// One log entry. Views valid during the callback only; empty when the format or prefix does not
// carry the value.
struct LogEntry {
  std::string_view timestamp;
  bool epoch_timestamp = false;  // %n: seconds since 1970 with milliseconds
  std::string_view pid;
  std::string_view session_id;
  std::string_view severity;  // LOG, FATAL, ...
  std::string_view message;   // its first line
  std::string_view user;
  std::string_view database;
  std::string_view application;
  std::string_view client;  // host or address, "[local]" for the Unix socket
  // Written from inside a function (RAISE LOG in PL/pgSQL: a CONTEXT follows it), which the
  // server's own connection messages never are: any SQL user can write such a line.
  bool has_context = false;
  // The format writes the session's application name with each of its lines (csvlog, jsonlog,
  // a prefix with %a); in the line of `connection authorized` it is not known yet.
  bool carries_application = false;
  // The process's type (csvlog 13+, jsonlog, %b in the prefix): "postmaster" for the lines of the
  // server's own process, which no client can make write anything.
  std::string_view backend_type;
  // stderr whose prefix writes text a client chooses (LinePrefix::writes_client_text): a user or
  // database name is written as the client sent it, newlines included, so a client can write a
  // line of its own that reads like any other, prefix and all (its messages cannot: their
  // further lines start with a tab); an application name, spaces and colons included, can shift
  // where the fields after it are read from.
  bool forgeable = false;
  // What the sink's BlockScan worked out about an entry it keeps, on a worker thread, handed
  // back with the entry to Add, which runs in file order on one thread at a time: what it
  // already knows is not worked out again there.
  struct ScanNote {
    std::uint8_t kind = 0;  // the sink's own classification
    std::optional<std::int64_t> time;
    bool in_window = false;
    // Parts of `message` the scan found (the sink's own, by its own indices), as offset and
    // length: still true when the entry is copied, with its message, to outlive its block.
    struct Part {
      std::uint32_t at = 0, size = 0;
    };
    std::array<Part, 5> parts{};
    std::int32_t number = 0;  // and a number and flags of the sink's own
    std::uint8_t flags = 0;
  };
  ScanNote scan_note;

  // A part the scan noted lies within the message.
  std::string_view Part(std::size_t index) const {
    return std::string_view(message.data() + scan_note.parts[index].at,
                            scan_note.parts[index].size);
  }
};

// What reading hands entries to, in two stages, so that the blocks of a file are read on several
// threads at once: a block's entries are first seen by a BlockScan of its own (on a worker
// thread), which keeps the few that matter; those reach Add in file order, one at a time (on
// whichever thread's turn it is). Each scan is merged, in file order too, once its block is read.
class LogEntrySink {
 public:
  class BlockScan {
   public:
    virtual ~BlockScan() = default;
    // Whether `entry` is to reach Add; may fill its scan_note.
    virtual bool Keep(LogEntry& entry) = 0;
    // A stderr line that is neither an entry nor part of one (LogReadResult::unparsed_lines),
    // the `line`-th of its block (from 1).
    virtual void NotAnEntry(std::string_view text, std::uint64_t line) {
      static_cast<void>(text);
      static_cast<void>(line);
    }
  };
  virtual ~LogEntrySink() = default;
  // Called on worker threads.
  virtual std::unique_ptr<BlockScan> NewBlockScan() const = 0;
  // `lines_before`: the lines of the file before the scan's block.
  virtual void Merge(BlockScan& scan, std::uint64_t lines_before) = 0;
  virtual void Add(const LogEntry& entry) = 0;
};

struct LogReadOptions {
  std::optional<LogFormat> format;  // recognised from the content when absent
  std::string line_prefix;          // stderr only
  // Threads that read stderr and jsonlog blocks (csvlog, whose records span lines, is read on
  // one); 0 for every core.
  unsigned threads = 0;
};

struct LogReadResult {
  std::optional<std::string> error;  // the file could not be read (names it)
  LogFormat format = LogFormat::kStderr;
  std::uint64_t lines = 0;           // physical lines
  std::uint64_t unparsed_lines = 0;  // lines that are neither an entry nor part of one
};

// Reads one log file (gzip or not; '-' for standard input) into `sink`. With `reached`, only what
// was written since `resume` (LogBlockReader).
LogReadResult ReadServerLog(const std::string& path, const LogReadOptions& options,
                            LogEntrySink& sink, const LogPositions* resume = nullptr,
                            LogPositions* reached = nullptr);

}  // namespace pgward::logs
