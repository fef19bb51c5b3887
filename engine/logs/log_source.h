#pragma once

// The lines of one server log file, read in blocks so that memory stays the same whatever the
// file's size. Rotated files compressed with gzip (logrotate's `compress`) are read as they are.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/logs/log_position.h"

namespace pgward::logs {

// Longest line kept whole. A longer line (a huge statement, or a file that is not a log) is
// passed on cut at this length, with `truncated` set.
inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

// Bytes of one read, and of the buffers used again. Small, because memory a process touches the
// first time costs it a page fault per page (on a virtual machine, as much as reading the page):
// a buffer bigger than the caches costs more to set up than the lines in it cost to read.
inline constexpr std::size_t kReadBytes = std::size_t{1} << 18;

// Most bytes of one block: a line of kMaxLineBytes and its line end fit in it. A buffer grows to
// this only while a line longer than kReadBytes is read.
inline constexpr std::size_t kBlockBytes = kMaxLineBytes + 1;

// A gzip file may expand at most this many times its size: real logs expand 5 to 20 times, a
// decompression bomb thousands of times.
inline constexpr std::uint64_t kMaxGzipExpansion = 1000;

struct SourceLine {
  std::string_view text;  // without its line end ("\n" or "\r\n")
  bool truncated = false;
};

// Whole lines of a file, as many as one read brought: each ends with '\n', except a file's last
// line when no line end follows it. A line longer than kMaxLineBytes comes alone, cut, with
// `truncated` set.
// The bytes of a block and how many they may be.
struct BlockBytes {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
};

struct SourceBlock {
  BlockBytes bytes;  // the consumer may take them, to use them later
  std::size_t size = 0;
  bool truncated = false;
  // Of a truncated line: the double quotes in the part cut off, by which a csvlog record that
  // spans lines still ends where it ends.
  std::uint64_t cut_quotes = 0;
  // The bytes of the file (after decompression) the block stands for: more than `size` for a
  // truncated line, whose rest and line end were skipped.
  std::uint64_t file_bytes = 0;
  std::string_view text() const { return {bytes.data.get(), size}; }
};

// Buffers of blocks, used again: a block handed to another thread comes back when it is done
// with, so that reading a file takes the same few buffers whatever its size. Only buffers of
// kReadBytes are kept; a larger one, for a long line, is freed when given back, and an empty one
// (moved from) is ignored.
class BlockBuffers {
 public:
  BlockBytes Take(std::size_t capacity = kReadBytes);
  void Give(BlockBytes bytes);

 private:
  std::mutex mutex_;
  std::vector<BlockBytes> free_;
};

// The lines of a block, without their line ends (and '\r' before them).
template <typename OnLine>
void ForEachLine(std::string_view text, OnLine&& on_line) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// Where `line`, one of ForEachLine's, ends in `text` with its line end.
inline std::size_t AfterLine(std::string_view text, std::string_view line) {
  std::size_t at = static_cast<std::size_t>(line.data() - text.data()) + line.size();
  if (at < text.size() && text[at] == '\r') ++at;
  return std::min(at + 1, text.size());
}

struct SourceResult {
  std::optional<std::string> error;  // names the file
  bool gzip = false;
  std::uint64_t bytes = 0;  // after decompression
};

class ByteSource;

// The blocks of `path` ('-' for standard input), in file order, as whoever calls Next asks for
// them: the thread that reads a block's bytes (the copy from the page cache) is the one that
// then reads its lines, while they are in its core's cache.
//
// Incremental (`incremental`, --state-dir): reading starts where `resume` says this file
// stopped, the last line is passed on only once its line end is written (the server may be
// writing it), and Finish sets where this read stopped in `reached`. A gzip file is never
// appended to: it is read whole once, and skipped afterwards. Standard input is always read
// whole. Block buffers come from `buffers`; a block's consumer gives them back.
class LogBlockReader {
 public:
  LogBlockReader(const std::string& path, BlockBuffers& buffers, const LogPositions* resume,
                 bool incremental);
  LogBlockReader(const LogBlockReader&) = delete;
  LogBlockReader& operator=(const LogBlockReader&) = delete;
  ~LogBlockReader();

  // The next block; nullopt once the file is read, or on an error (Finish says which).
  std::optional<SourceBlock> Next();
  // Called for each block in turn: how many of its bytes a later read may start after (fewer
  // than all when a csvlog record spans the block's last line end).
  void Passed(const SourceBlock& block, std::size_t resumable);
  // The outcome, once Next returned nullopt; where an incremental read stopped is set in
  // `reached` (if given).
  SourceResult Finish(LogPositions* reached);

 private:
  std::optional<SourceBlock> Emit(std::size_t size);
  std::optional<SourceBlock> LongLine(bool line_end);

  const std::string path_;
  BlockBuffers& buffers_;
  int fd_ = -1;
  SourceResult result_;
  bool incremental_ = false;
  bool hold_partial_ = false;  // an incremental read of a plain file: its last line may go on
  FileIdentity identity_;
  std::uint64_t size_ = 0;   // the file's size when opened: where a gzip file read whole ends
  std::uint64_t start_ = 0;  // where reading started (a resumed read)
  // A gzip file read whole before: nothing to read, and where it was read to stays.
  std::optional<LogPosition> skipped_;
  std::unique_ptr<ByteSource> source_;
  bool done_ = false;
  // The buffer being filled and how much of it is; whether it holds bytes not looked at yet,
  // and whether the source has ended.
  BlockBytes buffer_;
  std::size_t filled_ = 0;
  bool unchecked_ = false;
  bool at_end_ = false;
  // A line longer than any kept whole: its first kMaxLineBytes, passed on once its end is read
  // (an incremental read stops before a line the server may still be writing), with the quotes
  // of the rest, which is skipped.
  BlockBytes long_line_;
  std::uint64_t long_line_bytes_ = 0, long_line_quotes_ = 0;
  std::uint64_t block_start_ = 0;  // the offset (from start_) of the next block passed
  std::uint64_t complete_ = 0;     // the bytes after which a later read may start
};

// The lines of `path` one at a time (LogBlockReader): `on_line` returns whether a later read may
// start after the line (false inside a csvlog record that spans lines).
SourceResult ReadLogLines(const std::string& path,
                          const std::function<bool(const SourceLine&)>& on_line,
                          const LogPositions* resume = nullptr, LogPositions* reached = nullptr);

}  // namespace pgward::logs
