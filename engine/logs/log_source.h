#pragma once

// The lines of one server log file, read in blocks so that memory stays the same whatever the
// file's size. Rotated files compressed with gzip (logrotate's `compress`) are read as they are.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/logs/log_position.h"

namespace pgward::logs {

// Longest line kept whole. A longer line (a huge statement, or a file that is not a log) is
// passed on cut at this length, with `truncated` set.
inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

// A gzip file may expand at most this many times its size: real logs expand 5 to 20 times, a
// decompression bomb thousands of times.
inline constexpr std::uint64_t kMaxGzipExpansion = 1000;

struct SourceLine {
  std::string_view text;  // without its line end ("\n" or "\r\n")
  bool truncated = false;
};

struct SourceResult {
  std::optional<std::string> error;  // names the file
  bool gzip = false;
  std::uint64_t bytes = 0;  // after decompression
};

// Calls `on_line` for each line of `path` ('-' for standard input); the text is valid during the
// call only. A last line without a line end is a line too, unless the read is incremental.
// `on_line` returns whether a later read may start after the line (false inside a csvlog record
// that spans lines).
//
// Incremental (`reached` given, --state-dir): reading starts where `resume` says this file
// stopped, the last line is passed on only once its line end is written (the server may be
// writing it), and where this read stopped (after the last line `on_line` said so of) is set in
// `reached`. A gzip file is never appended to: it is read whole once, and skipped afterwards.
// Standard input is always read whole.
SourceResult ReadLogLines(const std::string& path,
                          const std::function<bool(const SourceLine&)>& on_line,
                          const LogPositions* resume = nullptr, LogPositions* reached = nullptr);

}  // namespace pgward::logs
