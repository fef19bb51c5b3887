#pragma once

// PostgreSQL server logs as entries: stderr (with any log_line_prefix), csvlog and jsonlog
// (PostgreSQL 15+), each read as PostgreSQL writes it (elog.c: send_message_to_server_log,
// write_csvlog, write_jsonlog). The format is recognised from the content unless given.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/logs/log_position.h"

namespace pgward::logs {

enum class LogFormat { kStderr, kCsvlog, kJsonlog };

const char* LogFormatName(LogFormat format);  // stderr, csvlog, jsonlog
std::optional<LogFormat> ParseLogFormat(std::string_view name);

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
};

struct LogReadOptions {
  std::optional<LogFormat> format;  // recognised from the content when absent
  std::string line_prefix;          // stderr only
};

struct LogReadResult {
  std::optional<std::string> error;  // the file could not be read (names it)
  LogFormat format = LogFormat::kStderr;
  std::uint64_t lines = 0;           // physical lines
  std::uint64_t unparsed_lines = 0;  // lines that are neither an entry nor part of one
};

// Reads one log file (gzip or not; '-' for standard input), calling `on_entry` for each entry in
// file order. With `reached`, only what was written since `resume` (ReadLogLines).
LogReadResult ReadServerLog(const std::string& path, const LogReadOptions& options,
                            const std::function<void(const LogEntry&)>& on_entry,
                            const LogPositions* resume = nullptr, LogPositions* reached = nullptr);

}  // namespace pgward::logs
