#include "engine/core/input_file.h"

#include <fcntl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pgward {
namespace {

std::string ErrnoText(int error_number) { return std::strerror(error_number); }

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Reads `fd` to its end, failing past `max_bytes`.
std::optional<std::string> ReadAll(int fd, std::size_t max_bytes, std::string& contents) {
  char block[64 * 1024];
  for (;;) {
    const ssize_t count = read(fd, block, sizeof(block));
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        // Standard input may be non-blocking (a pipe set so by its writer): wait for it.
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        select(fd + 1, &readable, nullptr, nullptr, nullptr);
        continue;
      }
      return "cannot read: " + ErrnoText(errno);
    }
    if (count == 0) return std::nullopt;
    if (contents.size() + static_cast<std::size_t>(count) > max_bytes) {
      return "larger than the limit of " + FormatBytes(max_bytes);
    }
    contents.append(block, static_cast<std::size_t>(count));
  }
}

}  // namespace

std::string FormatBytes(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  if (bytes >= kKiB * kKiB * kKiB && bytes % (kKiB * kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB * kKiB)) + " GiB";
  }
  if (bytes >= kKiB * kKiB && bytes % (kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB)) + " MiB";
  }
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::optional<std::string> NotARegularFile(const std::string& path) {
  struct stat status;
  if (path == "-" || stat(path.c_str(), &status) != 0 || S_ISREG(status.st_mode)) {
    return std::nullopt;
  }
  return std::string("is ") + KindOf(status.st_mode) + ", not a regular file";
}

int OpenInputFile(const std::string& path, bool allow_directory, std::string& error,
                  int& open_errno) {
  open_errno = 0;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    open_errno = errno;
    error = ErrnoText(open_errno);
    return -1;
  }
  struct stat status;
  if (fstat(fd, &status) != 0) {
    error = ErrnoText(errno);
    close(fd);
    return -1;
  }
  if (S_ISREG(status.st_mode) || (allow_directory && S_ISDIR(status.st_mode))) {
    // Regular files ignore O_NONBLOCK; cleared all the same, for a reader that checks it.
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
  }
  error = std::string("is ") + KindOf(status.st_mode) + ", not a regular file";
  close(fd);
  return -1;
}

InputFile ReadInputFile(const std::string& path, std::size_t max_bytes) {
  InputFile file;
  if (path == "-") {
    if (std::optional<std::string> error = ReadAll(STDIN_FILENO, max_bytes, file.contents)) {
      file.contents.clear();
      file.error = *error;
    }
    return file;
  }
  std::string error;
  int open_errno = 0;
  const int fd = OpenInputFile(path, false, error, open_errno);
  if (fd < 0) {
    file.error = error;
    return file;
  }
  if (std::optional<std::string> read_error = ReadAll(fd, max_bytes, file.contents)) {
    file.contents.clear();
    file.error = *read_error;
  }
  close(fd);
  return file;
}

}  // namespace pgward
