#include "engine/logs/log_source.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "engine/core/file_digest.h"
#include "engine/core/input_file.h"

namespace pgward::logs {
namespace {

constexpr std::size_t kBlockBytes = std::size_t{1} << 20;

// Cuts a stream of blocks into lines. A line inside one block is passed as a view of it; only a
// line that spans blocks is copied.
class LineSplitter {
 public:
  LineSplitter(const std::function<bool(const SourceLine&)>& on_line, bool hold_partial)
      : on_line_(on_line), hold_partial_(hold_partial) {}

  // Bytes fed up to and including the end of the last line a later read may start after.
  std::uint64_t complete_bytes() const { return complete_bytes_; }

  void Feed(std::string_view block) {
    const std::uint64_t fed_before = fed_;
    fed_ += block.size();
    const char* const start = block.data();
    while (!block.empty()) {
      const void* found = std::memchr(block.data(), '\n', block.size());
      if (found == nullptr) {
        Keep(block);
        return;
      }
      const std::uint64_t line_end =
          fed_before + static_cast<std::uint64_t>(static_cast<const char*>(found) - start) + 1;
      const std::size_t end =
          static_cast<std::size_t>(static_cast<const char*>(found) - block.data());
      bool resumable = false;
      if (pending_.empty() && !pending_truncated_) {
        resumable = Emit(block.substr(0, end), end > kMaxLineBytes);
      } else {
        Keep(block.substr(0, end));
        resumable = Emit(pending_, pending_truncated_);
        pending_.clear();
        pending_truncated_ = false;
      }
      if (resumable) complete_bytes_ = line_end;
      block.remove_prefix(end + 1);
    }
  }

  void Finish() {
    if (!hold_partial_ && (!pending_.empty() || pending_truncated_)) {
      Emit(pending_, pending_truncated_);
    }
    pending_.clear();
  }

 private:
  void Keep(std::string_view part) {
    const std::size_t room = kMaxLineBytes - std::min(kMaxLineBytes, pending_.size());
    if (part.size() > room) pending_truncated_ = true;
    pending_.append(part.substr(0, std::min(room, part.size())));
  }

  bool Emit(std::string_view line, bool truncated) {
    if (line.size() > kMaxLineBytes) line = line.substr(0, kMaxLineBytes);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return on_line_(SourceLine{line, truncated});
  }

  const std::function<bool(const SourceLine&)>& on_line_;
  const bool hold_partial_;
  std::string pending_;
  bool pending_truncated_ = false;
  std::uint64_t fed_ = 0;
  std::uint64_t complete_bytes_ = 0;
};

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

// A gzip stream, possibly of several members (as `cat a.gz b.gz` makes), inflated block by block.
void InflateInto(int fd, const std::string& path, std::vector<char>& input, std::size_t available,
                 LineSplitter& lines, SourceResult& result) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) {
    result.error = "cannot read " + path + ": zlib cannot start";
    return;
  }
  std::vector<char> output(kBlockBytes);
  std::uint64_t compressed = available;
  bool input_done = available < input.size();
  stream.next_in = reinterpret_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(available);
  // The next block of compressed bytes once these are used up; false on a read error.
  const auto refill = [&] {
    if (stream.avail_in > 0 || input_done) return true;
    const ssize_t got = ReadBlock(fd, input.data(), input.size());
    if (got < 0) {
      result.error = ReadFailure(path);
      return false;
    }
    compressed += static_cast<std::uint64_t>(got);
    input_done = static_cast<std::size_t>(got) < input.size();
    stream.next_in = reinterpret_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(got);
    return true;
  };
  while (true) {
    if (!refill()) break;
    if (stream.avail_in == 0 && input_done) {
      result.error = "cannot read " + path + ": the gzip data ends before its end";
      break;
    }
    stream.next_out = reinterpret_cast<Bytef*>(output.data());
    stream.avail_out = static_cast<uInt>(output.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      result.error = "cannot read " + path + ": not valid gzip data (" +
                     (stream.msg != nullptr ? stream.msg : "zlib error") + ")";
      break;
    }
    const std::size_t produced = output.size() - stream.avail_out;
    result.bytes += produced;
    if (result.bytes > kMaxGzipExpansion * compressed + kBlockBytes) {
      result.error = "cannot read " + path + ": it expands more than " +
                     std::to_string(kMaxGzipExpansion) +
                     " times its size, refused as a decompression bomb";
      break;
    }
    lines.Feed(std::string_view(output.data(), produced));
    if (status == Z_STREAM_END) {
      // Another member may follow; trailing bytes that are not one are an error.
      if (!refill() || stream.avail_in == 0) break;
      inflateReset(&stream);
    }
  }
  inflateEnd(&stream);
}

}  // namespace

SourceResult ReadLogLines(const std::string& path,
                          const std::function<bool(const SourceLine&)>& on_line,
                          const LogPositions* resume, LogPositions* reached) {
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
  LineSplitter lines(on_line, incremental);
  std::vector<char> block(kBlockBytes);
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
  const ssize_t first = ReadBlock(fd, block.data(), block.size());
  if (first < 0) {
    result.error = ReadFailure(path);
  } else if (start == 0 && first >= 2 && static_cast<unsigned char>(block[0]) == 0x1f &&
             static_cast<unsigned char>(block[1]) == 0x8b) {
    result.gzip = true;
    InflateInto(fd, path, block, static_cast<std::size_t>(first), lines, result);
  } else {
    for (ssize_t got = first; got > 0;) {
      result.bytes += static_cast<std::uint64_t>(got);
      lines.Feed(std::string_view(block.data(), static_cast<std::size_t>(got)));
      if (static_cast<std::size_t>(got) < block.size()) break;
      got = ReadBlock(fd, block.data(), block.size());
      if (got < 0) result.error = ReadFailure(path);
    }
  }
  if (!result.error) lines.Finish();
  if (incremental && !result.error) {
    // A gzip file is done once read; a plain one up to its last complete line.
    const std::uint64_t offset = result.gzip ? size : start + lines.complete_bytes();
    if (const std::optional<std::string> head = HeadDigest(fd, offset)) {
      reached->Set(identity, {offset, *head});
    }
  }
  if (fd != STDIN_FILENO) close(fd);
  return result;
}

}  // namespace pgward::logs
