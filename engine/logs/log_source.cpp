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

}  // namespace

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

namespace {

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

std::uint64_t CountQuotes(const char* bytes, std::size_t size) {
  return static_cast<std::uint64_t>(std::count(bytes, bytes + size, '"'));
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

LogBlockReader::LogBlockReader(const std::string& path, BlockBuffers& buffers,
                               const LogPositions* resume, bool incremental)
    : path_(path), buffers_(buffers) {
  done_ = true;  // until the file is open and its first bytes are read
  fd_ = STDIN_FILENO;
  if (path_ != "-") {
    std::string reason;
    int open_errno = 0;
    fd_ = OpenInputFile(path_, /*allow_directory=*/false, reason, open_errno);
    if (fd_ < 0) {
      result_.error = "cannot read " + path_ + ": " + reason;
      return;
    }
  }
  // The file as it is now: what this run reads ends here, whatever the server appends meanwhile.
  struct stat status {};
  incremental_ = incremental && fd_ != STDIN_FILENO && fstat(fd_, &status) == 0;
  identity_ = {static_cast<std::uint64_t>(status.st_dev),
               static_cast<std::uint64_t>(status.st_ino)};
  size_ = static_cast<std::uint64_t>(status.st_size);
  start_ =
      incremental_ && resume != nullptr ? ResumeOffset(fd_, resume->Find(identity_), size_) : 0;
  if (start_ > 0) {
    // Peek for gzip before seeking: a compressed file seen before was read whole then.
    unsigned char magic[2] = {0, 0};
    const bool gzip = pread(fd_, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip || lseek(fd_, static_cast<off_t>(start_), SEEK_SET) < 0) {
      if (gzip) {
        skipped_ = *resume->Find(identity_);
      } else {
        result_.error = ReadFailure(path_);
      }
      return;
    }
  }
  // The first bytes tell gzip (standard input cannot be read twice to look).
  constexpr std::size_t kHeadBytes = 4096;
  std::vector<char> head(kHeadBytes);
  const ssize_t first = ReadBlock(fd_, head.data(), head.size());
  if (first < 0) {
    result_.error = ReadFailure(path_);
    return;
  }
  head.resize(static_cast<std::size_t>(first));
  result_.gzip = start_ == 0 && head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                 static_cast<unsigned char>(head[1]) == 0x8b;
  if (result_.gzip) {
    const bool head_is_all = head.size() < kHeadBytes;
    source_ = std::make_unique<GzipSource>(fd_, path_, std::move(head), head_is_all);
  } else {
    source_ = std::make_unique<PlainSource>(fd_, path_, std::move(head));
  }
  hold_partial_ = incremental_ && !result_.gzip;
  buffer_ = buffers_.Take();
  done_ = false;
}

LogBlockReader::~LogBlockReader() {
  buffers_.Give(std::move(buffer_));
  if (fd_ > STDIN_FILENO) close(fd_);
}

std::optional<SourceBlock> LogBlockReader::Emit(std::size_t size) {
  // What follows the block's bytes (a line begun) starts the next buffer, with room for the
  // line to go on.
  BlockBytes next = buffers_.Take(filled_ - size <= kReadBytes / 2 ? kReadBytes : kBlockBytes);
  std::memcpy(next.data.get(), buffer_.data.get() + size, filled_ - size);
  filled_ -= size;
  return SourceBlock{std::exchange(buffer_, std::move(next)), size, false, 0, size};
}

std::optional<SourceBlock> LogBlockReader::LongLine(bool line_end) {
  return SourceBlock{std::move(long_line_), kMaxLineBytes, true, long_line_quotes_,
                     long_line_bytes_ + (line_end ? 1 : 0)};
}

std::optional<SourceBlock> LogBlockReader::Next() {
  while (true) {
    if (unchecked_) {
      unchecked_ = false;
      const void* last = filled_ > 0 ? memrchr(buffer_.data.get(), '\n', filled_) : nullptr;
      if (last != nullptr) {
        // Looked at again after the block if the source has ended: its last line may have no
        // line end.
        unchecked_ = at_end_;
        return Emit(static_cast<std::size_t>(static_cast<const char*>(last) - buffer_.data.get()) +
                    1);
      }
      if (filled_ == buffer_.capacity && buffer_.capacity < kBlockBytes) {
        // A line longer than a read: kept whole up to kMaxLineBytes, in a buffer that holds it.
        BlockBytes larger = buffers_.Take(kBlockBytes);
        std::memcpy(larger.data.get(), buffer_.data.get(), filled_);
        buffers_.Give(std::exchange(buffer_, std::move(larger)));
      } else if (filled_ == buffer_.capacity) {
        long_line_ = std::exchange(buffer_, buffers_.Take());
        long_line_bytes_ = kBlockBytes;
        long_line_quotes_ =
            CountQuotes(long_line_.data.get() + kMaxLineBytes, kBlockBytes - kMaxLineBytes);
        filled_ = 0;
      } else if (at_end_) {
        done_ = true;
        if (filled_ > 0 && !hold_partial_) {
          return Emit(filled_);
        }
      }
    }
    if (done_) return std::nullopt;
    const std::optional<std::size_t> got =
        source_->Read(buffer_.data.get() + filled_, buffer_.capacity - filled_);
    if (!got) {
      done_ = true;
      return std::nullopt;
    }
    result_.bytes += *got;
    at_end_ = *got == 0;
    if (!long_line_.data) {
      filled_ += *got;
      unchecked_ = true;
      continue;
    }
    char* const bytes = buffer_.data.get();
    const void* end = std::memchr(bytes, '\n', *got);
    const std::size_t skipped =
        end == nullptr ? *got : static_cast<std::size_t>(static_cast<const char*>(end) - bytes);
    long_line_bytes_ += skipped;
    long_line_quotes_ += CountQuotes(bytes, skipped);
    if (end == nullptr) {
      if (!at_end_) continue;
      done_ = true;
      if (hold_partial_) return std::nullopt;
      return LongLine(false);
    }
    filled_ = *got - skipped - 1;
    std::memmove(bytes, bytes + skipped + 1, filled_);
    unchecked_ = true;
    return LongLine(true);
  }
}

void LogBlockReader::Passed(const SourceBlock& block, std::size_t resumable) {
  if (resumable > 0) complete_ = block_start_ + (block.truncated ? block.file_bytes : resumable);
  block_start_ += block.file_bytes;
}

SourceResult LogBlockReader::Finish(LogPositions* reached) {
  if (source_) result_.error = source_->error();
  if (incremental_ && reached != nullptr && !result_.error) {
    if (skipped_) {
      reached->Set(identity_, *skipped_);
      return result_;
    }
    // A gzip file is done once read; a plain one up to its last complete line.
    const std::uint64_t offset = result_.gzip ? size_ : start_ + complete_;
    if (const std::optional<std::string> head = HeadDigest(fd_, offset)) {
      reached->Set(identity_, {offset, *head, {}, 0, {}});
    }
  }
  return result_;
}

SourceResult ReadLogLines(const std::string& path,
                          const std::function<bool(const SourceLine&)>& on_line,
                          const LogPositions* resume, LogPositions* reached) {
  BlockBuffers buffers;
  LogBlockReader reader(path, buffers, resume, reached != nullptr);
  while (std::optional<SourceBlock> block = reader.Next()) {
    const std::string_view text = block->text();
    std::size_t resumable = 0;
    if (block->truncated) {
      if (on_line({text, true})) resumable = text.size();
    } else {
      ForEachLine(text, [&](std::string_view line) {
        if (on_line({line, false})) resumable = AfterLine(text, line);
      });
    }
    reader.Passed(*block, resumable);
    buffers.Give(std::move(block->bytes));
  }
  return reader.Finish(reached);
}

}  // namespace pgward::logs
