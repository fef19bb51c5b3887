#pragma once

// The gate through which the hba reader opens files (FileAccess in parser.h): confinement to
// the include root, path mapping, regular files only, and the read limits. One gate serves one
// top-level file and everything it includes. Internal to engine/hba.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/hba/parser.h"

namespace pgward::hba::internal {

class FileGate {
 public:
  // `top_file` is the path as given; an empty include root means its directory.
  FileGate(const FileAccess& access, const std::string& top_file);

  struct Opened {
    int fd = -1;                       // owned by the caller; -1 when not opened
    std::string path;                  // the path opened (after --path-map), which rows carry
    int open_errno = 0;                // open()'s errno when it failed
    std::optional<std::string> error;  // why it was not opened (no path in it, unless refused)
    bool refused = false;              // outside the include root: never touched
  };

  // Opens `path` (as the server would resolve it) for reading: a regular file, or a directory
  // when `allow_directory`. A device, FIFO or socket stops the whole read (input_error).
  Opened Open(const std::string& path, bool allow_directory);
  // A file an hba file includes (or names with @), read whole: the same file included again (an
  // include_dir loop opens thousands) is read once. Each call counts as a read for the limits.
  struct Included {
    std::shared_ptr<const std::string> contents;  // null when not read
    std::string path;                             // after --path-map: what the rows carry
    int open_errno = 0;                           // open()'s errno when it failed
    int read_errno = 0;                           // read()'s errno: EISDIR for a directory
    std::optional<std::string> error;             // why it was not read, as for Opened
    bool refused = false;
  };
  const Included& ReadIncluded(const std::string& path);

  // For include_dir: the directory to list (Opened::path), or a refusal; nothing is opened.
  Opened AdmitDirectory(const std::string& path);
  // Whether `path` (after --path-map) lies under the include root; nothing is opened.
  bool Admits(const std::string& path) const;
  // Why `path` is not admitted, for its error.
  std::string Refusal(const std::string& path) const;

  // Counts `count` more bytes of the file being read, `file_bytes` of it read so far. False
  // (and input_error) past a limit.
  bool AddBytes(std::size_t file_bytes, std::size_t count);
  // Counts one more row. False (and input_error) past the limit.
  bool AddRecord();

  // Says where the read stopped, if it did and no deeper line said so yet: the line whose
  // include (or @file) met a device, FIFO or socket, or passed a limit. A line of the top file
  // is named by its number alone ("line 2: ..."), as the message follows the top file's name as
  // the user gave it (not the path read after --path-map, nor a base version's checkout).
  void Locate(const std::string& file, int line, bool top_file);

  bool stopped() const { return input_error_.has_value(); }
  const std::optional<std::string>& input_error() const { return input_error_; }

 private:
  std::string Map(const std::string& path) const;
  bool Confined(const std::string& mapped) const;
  bool CountOpen();
  void Stop(std::string message);

  const FileAccess& access_;
  // The root as written (absolute, ".." folded) and where its symlinks lead: a path is checked
  // against the first as written, against the second once resolved. "/" confines nothing.
  std::string written_root_;
  std::string root_;
  bool root_exists_ = false;
  std::size_t files_opened_ = 0;
  std::size_t total_bytes_ = 0;
  std::size_t records_ = 0;
  std::optional<std::string> input_error_;
  bool located_ = false;
  std::unordered_map<std::string, Included> included_;
  std::unordered_map<std::string, bool> directory_confined_;
};

}  // namespace pgward::hba::internal
