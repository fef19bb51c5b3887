#include "engine/logs/log_source.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "engine/core/file_digest.h"
#include "engine/core/input_file.h"

namespace pgward::logs {
namespace {

// read() until `buffer` is full or the file ends; the byte count, or -1 with errno.
ssize_t ReadBlock(int fd, char* buffer, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = read(fd, buffer + filled, size - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  return static_cast<ssize_t>(filled);
}

// SHA-256 of the file's first min(offset, kHeadDigestBytes) bytes; nullopt if they cannot be
// read (the file is shorter).
std::optional<std::string> HeadDigest(int fd, std::uint64_t offset) {
  std::string head(static_cast<std::size_t>(std::min(offset, kHeadDigestBytes)), '\0');
  std::size_t filled = 0;
  while (filled < head.size()) {
    const ssize_t got =
        pread(fd, head.data() + filled, head.size() - filled, static_cast<off_t>(filled));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    filled += static_cast<std::size_t>(got);
  }
  return Sha256Hex(head);
}

// Where to start in a file the last run read: where it stopped, if the file still begins as it
// did then; else (truncated, or another file under a reused inode) at its start.
std::uint64_t ResumeOffset(int fd, const LogPosition* last, std::uint64_t size) {
  if (last == nullptr || last->offset > size) return 0;
  const std::optional<std::string> head = HeadDigest(fd, last->offset);
  return head && *head == last->head_digest ? last->offset : 0;
}

std::string ReadFailure(const std::string& path) {
  return "cannot read " + path + ": " + std::strerror(errno);
}

// The bytes of a file, plain or gzip: Read fills `room` bytes unless the data ends first.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Bytes read (0 at the end), or nullopt with `error` set.
  virtual std::optional<std::size_t> Read(char* into, std::size_t room) = 0;
  const std::optional<std::string>& error() const { return error_; }

 protected:
  std::optional<std::string> error_;
};

class PlainSource : public ByteSource {
 public:
  // `head`: the file's first bytes, read already.
  PlainSource(int fd, const std::string& path, std::vector<char> head)
      : fd_(fd), path_(path), head_(std::move(head)) {}
  std::optional<std::size_t> Read(char* into, std::size_t room) override {
    if (head_at_ < head_.size()) {
      const std::size_t taken = std::min(room, head_.size() - head_at_);
      std::memcpy(into, head_.data() + head_at_, taken);
      head_at_ += taken;
      if (taken == room) return taken;
      const std::optional<std::size_t> more = Read(into + taken, room - taken);
      return more ? std::optional<std::size_t>(taken + *more) : std::nullopt;
    }
    const ssize_t got = ReadBlock(fd_, into, room);
    if (got < 0) {
      error_ = ReadFailure(path_);
      return std::nullopt;
    }
    return static_cast<std::size_t>(got);
  }

 private:
  int fd_;
  const std::string& path_;
  std::vector<char> head_;
  std::size_t head_at_ = 0;
};

// A gzip stream, possibly of several members (as `cat a.gz b.gz` makes), inflated as it is read.
class GzipSource : public ByteSource {
 public:
  // `head`: the file's first bytes, read already; `head_is_all`: the file ends there.
  GzipSource(int fd, const std::string& path, std::vector<char> head, bool head_is_all)
      : fd_(fd), path_(path), input_(std::move(head)) {
    compressed_ = input_.size();
    input_done_ = head_is_all;
    input_.resize(std::max(input_.size(), kReadBytes));
    stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream_.avail_in = static_cast<uInt>(compressed_);
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) {
      error_ = "cannot read " + path + ": zlib cannot start";
    } else {
      started_ = true;
    }
  }
  ~GzipSource() override {
    if (started_) inflateEnd(&stream_);
  }

  std::optional<std::size_t> Read(char* into, std::size_t room) override {
    if (error_) return std::nullopt;
    std::size_t produced = 0;
    while (produced < room && !ended_) {
      if (!Refill()) return std::nullopt;
      if (stream_.avail_in == 0 && input_done_) {
        return Fail("cannot read " + path_ + ": the gzip data ends before its end");
      }
      stream_.next_out = reinterpret_cast<Bytef*>(into + produced);
      stream_.avail_out = static_cast<uInt>(room - produced);
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
        return Fail("cannot read " + path_ + ": not valid gzip data (" +
                    (stream_.msg != nullptr ? stream_.msg : "zlib error") + ")");
      }
      const std::size_t now = room - produced - stream_.avail_out;
      produced += now;
      inflated_ += now;
      if (inflated_ > kMaxGzipExpansion * compressed_ + kBlockBytes) {
        return Fail("cannot read " + path_ + ": it expands more than " +
                    std::to_string(kMaxGzipExpansion) +
                    " times its size, refused as a decompression bomb");
      }
      if (status == Z_STREAM_END) {
        // Another member may follow; trailing bytes that are not one are an error.
        if (!Refill()) return std::nullopt;
        if (stream_.avail_in == 0) {
          ended_ = true;
        } else {
          inflateReset(&stream_);
        }
      }
    }
    return produced;
  }

 private:
  std::nullopt_t Fail(std::string message) {
    error_ = std::move(message);
    return std::nullopt;
  }

  // The next compressed bytes once these are used up; false on a read error.
  bool Refill() {
    if (stream_.avail_in > 0 || input_done_) return true;
    const ssize_t got = ReadBlock(fd_, input_.data(), input_.size());
    if (got < 0) {
      error_ = ReadFailure(path_);
      return false;
    }
    compressed_ += static_cast<std::uint64_t>(got);
    input_done_ = static_cast<std::size_t>(got) < input_.size();
    stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream_.avail_in = static_cast<uInt>(got);
    return true;
  }

  int fd_;
  const std::string& path_;
  z_stream stream_{};
  bool started_ = false;
  std::vector<char> input_;
  bool input_done_ = false;
  bool ended_ = false;
  std::uint64_t compressed_ = 0;
  std::uint64_t inflated_ = 0;
};

// Cuts what `source` reads into blocks of whole lines; returns the bytes read and sets
// `complete` to the bytes after which a later read may start.
std::uint64_t CountQuotes(const char* bytes, std::size_t size) {
  return static_cast<std::uint64_t>(std::count(bytes, bytes + size, '"'));
}

std::uint64_t CutIntoBlocks(ByteSource& source, bool hold_partial,
                            const std::function<std::size_t(SourceBlock&)>& on_block,
                            BlockBuffers& buffers, std::uint64_t& complete) {
  std::uint64_t read_bytes = 0;
  std::uint64_t block_start = 0;  // the offset of the next block's first byte
  BlockBytes buffer = buffers.Take();
  std::size_t filled = 0;
  // A line longer than any kept whole: its first kMaxLineBytes, passed on once its end is read
  // (an incremental read stops before a line the server may still be writing), with the quotes
  // of the rest, which is skipped.
  BlockBytes long_line;
  std::uint64_t long_line_bytes = 0, long_line_quotes = 0;
  const auto pass_on = [&](SourceBlock& block, std::uint64_t bytes) {
    const std::size_t resumable = on_block(block);
    buffers.Give(std::move(block.bytes));
    if (resumable > 0) complete = block_start + (block.truncated ? bytes : resumable);
    block_start += bytes;
  };
  const auto pass_long_line = [&](bool line_end) {
    SourceBlock block{std::move(long_line), kMaxLineBytes, true, long_line_quotes};
    pass_on(block, long_line_bytes + (line_end ? 1 : 0));
  };
  // Passes on the buffer's first `size` bytes; what follows (a line begun) starts the next one,
  // in a buffer with room for it to go on.
  const auto emit = [&](std::size_t size) {
    BlockBytes next = buffers.Take(filled - size <= kReadBytes / 2 ? kReadBytes : kBlockBytes);
    std::memcpy(next.data.get(), buffer.data.get() + size, filled - size);
    filled -= size;
    SourceBlock block{std::exchange(buffer, std::move(next)), size, false, 0};
    pass_on(block, size);
  };
  while (true) {
    const std::optional<std::size_t> got =
        source.Read(buffer.data.get() + filled, buffer.capacity - filled);
    if (!got) break;
    read_bytes += *got;
    const bool ended = *got == 0;
    if (long_line.data) {
      char* const bytes = buffer.data.get();
      const void* end = std::memchr(bytes, '\n', *got);
      const std::size_t skipped =
          end == nullptr ? *got : static_cast<std::size_t>(static_cast<const char*>(end) - bytes);
      long_line_bytes += skipped;
      long_line_quotes += CountQuotes(bytes, skipped);
      if (end == nullptr) {
        if (!ended) continue;
        if (!hold_partial) pass_long_line(false);
        break;
      }
      pass_long_line(true);
      filled = *got - skipped - 1;
      std::memmove(bytes, bytes + skipped + 1, filled);
    } else {
      filled += *got;
    }
    const void* last = filled > 0 ? memrchr(buffer.data.get(), '\n', filled) : nullptr;
    if (last != nullptr) {
      emit(static_cast<std::size_t>(static_cast<const char*>(last) - buffer.data.get()) + 1);
    } else if (filled == buffer.capacity && buffer.capacity < kBlockBytes) {
      // A line longer than a read: kept whole up to kMaxLineBytes, in a buffer that holds it.
      BlockBytes larger = buffers.Take(kBlockBytes);
      std::memcpy(larger.data.get(), buffer.data.get(), filled);
      buffers.Give(std::exchange(buffer, std::move(larger)));
      continue;
    } else if (filled == buffer.capacity) {
      long_line = std::exchange(buffer, buffers.Take());
      long_line_bytes = kBlockBytes;
      long_line_quotes =
          CountQuotes(long_line.data.get() + kMaxLineBytes, kBlockBytes - kMaxLineBytes);
      filled = 0;
      continue;
    }
    if (ended) {
      if (filled > 0 && !hold_partial) emit(filled);
      break;
    }
  }
  buffers.Give(std::move(buffer));
  return read_bytes;
}

}  // namespace

BlockBytes BlockBuffers::Take(std::size_t capacity) {
  if (capacity == kReadBytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      BlockBytes bytes = std::move(free_.back());
      free_.pop_back();
      return bytes;
    }
  }
  return {std::make_unique_for_overwrite<char[]>(capacity), capacity};
}

void BlockBuffers::Give(BlockBytes bytes) {
  // A block its consumer took the bytes of (moved from: no data) gives nothing back.
  if (!bytes.data || bytes.capacity != kReadBytes) return;
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(bytes));
}

SourceResult ReadLogBlocks(const std::string& path,
                           const std::function<std::size_t(SourceBlock&)>& on_block,
                           BlockBuffers& buffers, const LogPositions* resume,
                           LogPositions* reached) {
  SourceResult result;
  int fd = STDIN_FILENO;
  if (path != "-") {
    std::string reason;
    int open_errno = 0;
    fd = OpenInputFile(path, /*allow_directory=*/false, reason, open_errno);
    if (fd < 0) {
      result.error = "cannot read " + path + ": " + reason;
      return result;
    }
  }
  // The file as it is now: what this run reads ends here, whatever the server appends meanwhile.
  struct stat status {};
  const bool incremental = reached != nullptr && fd != STDIN_FILENO && fstat(fd, &status) == 0;
  const FileIdentity identity{static_cast<std::uint64_t>(status.st_dev),
                              static_cast<std::uint64_t>(status.st_ino)};
  const std::uint64_t size = static_cast<std::uint64_t>(status.st_size);
  const std::uint64_t start =
      incremental && resume != nullptr ? ResumeOffset(fd, resume->Find(identity), size) : 0;
  if (start > 0) {
    // Peek for gzip before seeking: a compressed file seen before was read whole then.
    unsigned char magic[2] = {0, 0};
    const bool gzip = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip || lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) {
      if (!gzip) result.error = ReadFailure(path);
      if (!result.error) reached->Set(identity, *resume->Find(identity));
      if (fd != STDIN_FILENO) close(fd);
      return result;
    }
  }
  // The first bytes tell gzip (standard input cannot be read twice to look).
  constexpr std::size_t kHeadBytes = 4096;
  std::vector<char> head(kHeadBytes);
  const ssize_t first = ReadBlock(fd, head.data(), head.size());
  std::uint64_t complete = 0;
  if (first < 0) {
    result.error = ReadFailure(path);
  } else {
    head.resize(static_cast<std::size_t>(first));
    result.gzip = start == 0 && head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                  static_cast<unsigned char>(head[1]) == 0x8b;
    std::unique_ptr<ByteSource> source;
    if (result.gzip) {
      const bool head_is_all = head.size() < kHeadBytes;
      source = std::make_unique<GzipSource>(fd, path, std::move(head), head_is_all);
    } else {
      source = std::make_unique<PlainSource>(fd, path, std::move(head));
    }
    result.bytes = CutIntoBlocks(*source, incremental && !result.gzip, on_block, buffers, complete);
    result.error = source->error();
  }
  if (incremental && !result.error) {
    // A gzip file is done once read; a plain one up to its last complete line.
    const std::uint64_t offset = result.gzip ? size : start + complete;
    if (const std::optional<std::string> head = HeadDigest(fd, offset)) {
      reached->Set(identity, {offset, *head, {}, 0, {}});
    }
  }
  if (fd != STDIN_FILENO) close(fd);
  return result;
}

SourceResult ReadLogLines(const std::string& path,
                          const std::function<bool(const SourceLine&)>& on_line,
                          const LogPositions* resume, LogPositions* reached) {
  BlockBuffers buffers;
  return ReadLogBlocks(
      path,
      [&](SourceBlock& block) {
        const std::string_view text = block.text();
        if (block.truncated) return on_line({text, true}) ? text.size() : 0;
        std::size_t resumable = 0;
        ForEachLine(text, [&](std::string_view line) {
          if (on_line({line, false})) resumable = AfterLine(text, line);
        });
        return resumable;
      },
      buffers, resume, reached);
}

}  // namespace pgward::logs
