#include "reporters/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pgward::reporters {
namespace {

std::string Describe(const std::string& action, const std::filesystem::path& path, int error) {
  return "cannot " + action + " " + path.string() + ": " + std::strerror(error);
}

}  // namespace

std::optional<std::string> WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view contents) {
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  // The temporary file must be on the same file system as the destination for rename to be
  // atomic, hence the same directory; the dot prefix keeps it out of globbing CI uploaders.
  std::string temporary = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) return Describe("create a temporary file for", path, errno);

  auto fail = [&](const std::string& action) {
    const int error = errno;
    close(fd);
    unlink(temporary.c_str());
    return Describe(action, path, error);
  };

  for (size_t written = 0; written < contents.size();) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    written += static_cast<size_t>(n);
  }
  // mkstemp creates 0600; reports are meant to be shared like any file the user creates.
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) return fail("set permissions of");
  if (fsync(fd) != 0) return fail("flush");
  if (close(fd) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return Describe("close", path, error);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return Describe("write", path, error);
  }
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
