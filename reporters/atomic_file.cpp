#include "reporters/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <utility>

namespace pgward::reporters {
namespace {

// The temporary files being written, removed when a signal ends the run (a CI job's timeout
// sends SIGTERM, a user SIGINT) or an exception leaves WriteFileAtomically: a report of
// gigabytes must not stay behind under a dot name. The handler reads only these fixed slots,
// never memory a writer frees, and claims a slot before it reads its path, so that no writer
// frees it and another fills it with a new path meanwhile (the handler would unlink half of one
// and half of the other). Reports are written on one thread per core, one at a time each.
enum : int { kSlotFree, kSlotFilling, kSlotReady, kSlotRemoving };
struct TemporarySlot {
  std::atomic<int> state{kSlotFree};
  char path[4096];
};
static_assert(std::atomic<int>::is_always_lock_free, "a signal handler may use only these");
TemporarySlot temporary_slots[256];
constexpr std::size_t kNoSlot = ~std::size_t{0};

// Async-signal-safe: unlink, then the default action, which ends the process.
void RemoveTemporariesAndDie(int signal) {
  for (TemporarySlot& slot : temporary_slots) {
    int ready = kSlotReady;
    if (slot.state.compare_exchange_strong(ready, kSlotRemoving)) unlink(slot.path);
  }
  ::signal(signal, SIG_DFL);
  raise(signal);
}

// The signals that end a run whose temporary files are removed first.
constexpr int kRemovingSignals[] = {SIGTERM, SIGINT, SIGHUP};

// Only where the signal would end the process: a disposition set by whoever started pgward
// (SIG_IGN under nohup) stays.
void InstallSignalHandlers() {
  for (const int signal : kRemovingSignals) {
    struct sigaction current {};
    if (sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
    struct sigaction removing {};
    removing.sa_handler = RemoveTemporariesAndDie;
    // The others wait while one removes: a second signal would find the slots the first has
    // claimed and end the process before their files are removed.
    sigemptyset(&removing.sa_mask);
    for (const int blocked : kRemovingSignals) sigaddset(&removing.sa_mask, blocked);
    sigaction(signal, &removing, nullptr);
  }
}

// The slot that now holds `path`, or kNoSlot (all taken, or a path too long: left as before).
std::size_t AddTemporary(const std::string& path) {
  static std::once_flag installed;
  std::call_once(installed, InstallSignalHandlers);
  if (path.size() >= sizeof(TemporarySlot::path)) return kNoSlot;
  for (std::size_t i = 0; i < std::size(temporary_slots); ++i) {
    int free = kSlotFree;
    if (!temporary_slots[i].state.compare_exchange_strong(free, kSlotFilling)) continue;
    std::memcpy(temporary_slots[i].path, path.c_str(), path.size() + 1);
    temporary_slots[i].state.store(kSlotReady, std::memory_order_release);
    return i;
  }
  return kNoSlot;
}

// A slot the signal handler claimed stays its: the process is ending.
void RemoveTemporary(std::size_t slot) {
  if (slot == kNoSlot) return;
  int ready = kSlotReady;
  temporary_slots[slot].state.compare_exchange_strong(ready, kSlotFree);
}

// An output stream buffer over a file descriptor that remembers why a write failed.
class FdBuffer final : public RewindableBuffer {
 public:
  FdBuffer(int fd, Durability durability) : fd_(fd), durability_(durability) {
    setp(buffer_, buffer_ + sizeof buffer_);
  }
  int error() const { return error_; }

  bool Rewind() override {
    setp(buffer_, buffer_ + sizeof buffer_);  // what is not written yet is dropped with the rest
    if (error_ != 0) return false;
    if (ftruncate(fd_, 0) != 0 || lseek(fd_, 0, SEEK_SET) < 0) {
      error_ = errno;
      return false;
    }
    end_ = synced_ = 0;
    return true;
  }

  bool ReadBack(const std::function<bool(std::string_view)>& take) override {
    if (!Drain()) return false;
    char piece[1 << 16];
    for (off_t offset = 0; offset < end_;) {
      const ssize_t n = pread(
          fd_, piece, static_cast<size_t>(std::min<off_t>(sizeof piece, end_ - offset)), offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : EIO;
        return false;
      }
      if (!take(std::string_view(piece, static_cast<size_t>(n)))) return true;
      offset += n;
    }
    return true;
  }

 protected:
  int_type overflow(int_type c) override {
    if (!Drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    if (size < epptr() - pptr()) {
      std::memcpy(pptr(), data, static_cast<size_t>(size));
      pbump(static_cast<int>(size));
      return size;
    }
    // Large pieces go straight to the file.
    if (!Drain() || !WriteAll(data, static_cast<size_t>(size))) return 0;
    return size;
  }
  int sync() override { return Drain() ? 0 : -1; }

 private:
  bool Drain() {
    const bool ok = WriteAll(pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buffer_, buffer_ + sizeof buffer_);
    return ok;
  }
  bool WriteAll(const char* data, size_t size) {
    for (size_t written = 0; written < size;) {
      const ssize_t n = write(fd_, data + written, size - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      written += static_cast<size_t>(n);
    }
    StartWriteback(size);
    return error_ == 0;
  }

  // A file synced before it is renamed has its pages sent to the disk while the rest is being
  // made, a few megabytes at a time, so that the sync at the end has little left to wait for.
  // Only a hint: its failure is the sync's to report.
  void StartWriteback(size_t written) {
    constexpr off_t kWritebackBytes = 4 << 20;
    end_ += static_cast<off_t>(written);
    if (durability_ != Durability::kSynced || end_ - synced_ < kWritebackBytes) return;
    sync_file_range(fd_, synced_, end_ - synced_, SYNC_FILE_RANGE_WRITE);
    synced_ = end_;
  }

  int fd_;
  Durability durability_;
  int error_ = 0;
  off_t end_ = 0, synced_ = 0;  // bytes written, and those whose writeback has started
  char buffer_[1 << 16];
};

// The process's umask. Reading it means setting it, and report files are written on several
// threads at once: one would read the 0 another had just set (and make a file anyone may write,
// and leave the process's umask 0), so they take turns.
mode_t Umask() {
  static std::mutex turns;
  const std::lock_guard<std::mutex> lock(turns);
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

std::string Describe(const std::string& action, const std::filesystem::path& path, int error) {
  return "cannot " + action + " " + path.string() + ": " + std::strerror(error);
}

// Puts the file at `temporary` in place of `path`: nullopt, or the errno of the failure and
// whether the temporary name still holds the new file (to be removed) or the old one (kept there
// when it could not be removed, which the error says).
// An unsynced file replaces a regular one by exchange, and the old one, now at the temporary
// name, is removed: ext4 writes a file renamed over another back at once (auto_da_alloc, meant for
// programs that never fsync), which for reports of megabytes cost a few milliseconds each, paid
// by the run, although they were to reach the disk in the kernel's own time. A synced file was
// written back already. Where the exchange is refused (no old file, or a file system without
// it), or what it took out is not the regular file seen before it (replaced in between, by a
// directory say, which it then puts back), rename.
struct ReplaceError {
  int error;
  bool old_file_left;
};
std::optional<ReplaceError> Replace(const std::string& temporary, const std::filesystem::path& path,
                                    Durability durability) {
  struct stat old, taken_out;
  if (durability == Durability::kUnsynced && lstat(path.c_str(), &old) == 0 &&
      S_ISREG(old.st_mode) &&
      renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    if (lstat(temporary.c_str(), &taken_out) == 0 && taken_out.st_dev == old.st_dev &&
        taken_out.st_ino == old.st_ino) {
      if (unlink(temporary.c_str()) != 0) return ReplaceError{errno, true};
      return std::nullopt;
    }
    if (renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) != 0) {
      return ReplaceError{errno, true};
    }
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) return ReplaceError{errno, false};
  return std::nullopt;
}

}  // namespace

std::optional<std::string> WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view contents, Durability durability) {
  return WriteFileAtomically(
      path,
      [contents](std::ostream& out) {
        out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
      },
      durability);
}

std::optional<std::string> WriteFileAtomically(
    const std::filesystem::path& path, const std::function<void(std::ostream&)>& write_contents,
    Durability durability) {
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  // The temporary file must be on the same file system as the destination for rename to be
  // atomic, hence the same directory; the dot prefix keeps it out of globbing CI uploaders.
  std::string temporary = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) return Describe("create a temporary file for", path, errno);
  // Closed, and removed, on every way out but the rename: a failure, an exception, a signal.
  struct Pending {
    const std::string& name;
    int fd;
    std::size_t slot = AddTemporary(name);
    bool kept = false;
    int Close() { return close(std::exchange(fd, -1)); }
    ~Pending() {
      if (fd >= 0) close(fd);
      RemoveTemporary(slot);
      if (!kept) unlink(name.c_str());
    }
  } pending{temporary, fd};

  auto fail = [&](const std::string& action) {
    const int error = errno;
    pending.Close();
    return Describe(action, path, error);
  };

  {
    FdBuffer buffer(fd, durability);
    std::ostream out(&buffer);
    write_contents(out);
    out.flush();
    if (buffer.error() != 0 || !out) {
      errno = buffer.error() != 0 ? buffer.error() : EIO;
      return fail("write");
    }
  }
  // mkstemp creates 0600; reports are meant to be shared like any file the user creates.
  if (fchmod(fd, 0666 & ~Umask()) != 0) return fail("set permissions of");
  if (durability == Durability::kSynced && fsync(fd) != 0) return fail("flush");
  if (pending.Close() != 0) return Describe("close", path, errno);
  const std::optional<ReplaceError> failed = Replace(temporary, path, durability);
  // Renamed, or holding the old file: the temporary name is no longer the new file's.
  pending.kept = !failed || failed->old_file_left;
  if (failed) {
    if (failed->old_file_left) {
      return "wrote " + path.string() + ", but what it replaced is left as " + temporary + ": " +
             std::strerror(failed->error);
    }
    return Describe("write", path, failed->error);
  }
  // A synced file's new name reaches the disk too: until its directory is flushed, a crash could
  // leave the old file at the path that the run said it had replaced.
  if (durability == Durability::kSynced) {
    if (const std::optional<std::string> failed = SyncDirectory(directory)) {
      return "wrote " + path.string() + ", but " + *failed;
    }
  }
  return std::nullopt;
}

std::optional<std::string> SyncDirectory(const std::filesystem::path& directory) {
  const int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // EINVAL: a file system that cannot flush a directory (some network and FUSE ones), where
  // there is nothing more to wait for.
  if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
    const int error = errno;
    if (fd >= 0) close(fd);
    return "could not flush the directory " + directory.string() + ": " + std::strerror(error);
  }
  close(fd);
  return std::nullopt;
}

std::optional<std::string> CheckOutputPath(const std::string& path,
                                           const std::vector<std::string>& inputs) {
  struct stat output;
  if (lstat(path.c_str(), &output) != 0) {
    if (errno == ENOENT) return std::nullopt;  // a new file
    return Describe("write to", path, errno);
  }
  if (!S_ISREG(output.st_mode)) {
    return "cannot write to " + path + ": not a regular file (use - for standard output)";
  }
  for (const std::string& input : inputs) {
    struct stat read;
    if (stat(input.c_str(), &read) == 0 && read.st_dev == output.st_dev &&
        read.st_ino == output.st_ino) {
      return "cannot write to " + path + ": it is an input of this run (" + input + ")";
    }
  }
  return std::nullopt;
}

}  // namespace pgward::reporters
