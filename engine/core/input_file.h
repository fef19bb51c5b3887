#pragma once

// Reading the files pgward is given (policies, waivers, values, inventories, snapshots, CSV,
// hba files). Every one of them may come from whoever opened a pull request, so: a regular file
// or standard input ("-") only, never a device, FIFO or socket (a read from /dev/zero or a FIFO
// would never end), and never more than a byte limit, which is checked while reading so that
// memory stays bounded whatever the file claims to be. Errors are values naming the path.

#include <cstddef>
#include <optional>
#include <string>

namespace pgward {

// The default size limit of one input file. Snapshots of a million connections are about 200 MB;
// hba, policy, waiver, values and inventory files are kilobytes.
inline constexpr std::size_t kDefaultMaxInputBytes = std::size_t{1} << 30;
inline constexpr std::size_t kDefaultMaxConfigBytes = std::size_t{16} << 20;

struct InputFile {
  std::string contents;
  std::optional<std::string> error;  // why it cannot be read (no path); contents is then empty
};

// The whole file at `path`, or standard input for "-".
InputFile ReadInputFile(const std::string& path, std::size_t max_bytes);

// Opens `path` for reading, only if it is a regular file (or, with `allow_directory`, a
// directory, which the hba reader must open as the server does). Opened non-blocking, so that
// opening a FIFO returns at once instead of waiting for a writer. Returns the descriptor, or -1
// with `error` set to the reason (no path in it) and `open_errno` to the open() errno, if any.
int OpenInputFile(const std::string& path, bool allow_directory, std::string& error,
                  int& open_errno);

// Why `path` is not a file pgward reads ("is a FIFO, not a regular file"), when it exists and
// is something else than a regular file; nullopt otherwise (missing files are the reader's to
// report). Nothing is opened: a FIFO is never waited on.
std::optional<std::string> NotARegularFile(const std::string& path);

// A byte count for messages and --help: "16 MiB", "1 GiB", "1000 bytes".
std::string FormatBytes(std::size_t bytes);

}  // namespace pgward
