#include "engine/hba/file_gate.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "engine/core/input_file.h"

namespace pgward::hba::internal {
namespace {

// realpath(3), or nullopt (errno set).
std::optional<std::string> RealPath(const std::string& path) {
  const std::unique_ptr<char, decltype(&free)> resolved(realpath(path.c_str(), nullptr), free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  std::error_code error;
  const std::filesystem::path current = std::filesystem::current_path(error);
  return (current / path).string();
}

// `path` with "." and ".." folded and no trailing separator, as text.
std::string LexicallyNormal(const std::string& absolute) {
  std::string normal = std::filesystem::path(absolute).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

bool IsUnder(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path.size() >= root.size() && path.compare(0, root.size(), root) == 0 &&
         (path.size() == root.size() || path[root.size()] == '/');
}

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

FileGate::FileGate(const FileAccess& access, const std::string& top_file) : access_(access) {
  std::string root = access.include_root;
  if (root.empty()) {
    root = std::filesystem::path(Map(top_file)).parent_path().string();
    if (root.empty()) root = ".";
  }
  // A root that does not exist confines to its name: nothing real lies under it.
  written_root_ = LexicallyNormal(Absolute(root));
  const std::optional<std::string> real_root = RealPath(root);
  root_exists_ = real_root.has_value();
  root_ = real_root.value_or(written_root_);
}

std::string FileGate::Map(const std::string& path) const {
  for (const PathMapping& mapping : access_.path_map) {
    if (IsUnder(path, mapping.from)) return mapping.to + path.substr(mapping.from.size());
  }
  return path;
}

bool FileGate::Admits(const std::string& path) const { return Confined(Map(path)); }

// Under the root as written (".." folded) and where its symlinks lead. For a path that does not
// exist, its deepest existing ancestor must lie under the root, so that not even the absence
// of a file outside it is reported.
bool FileGate::Confined(const std::string& mapped) const {
  if (root_ == "/") return true;
  if (!IsUnder(LexicallyNormal(Absolute(mapped)), written_root_)) return false;
  std::string probe = Absolute(mapped);
  for (;;) {
    if (const std::optional<std::string> real = RealPath(probe)) {
      // Reaching an ancestor of a root that does not exist: nothing can exist at the path.
      return IsUnder(*real, root_) || (!root_exists_ && IsUnder(root_, *real));
    }
    std::string parent = std::filesystem::path(probe).parent_path().string();
    if (parent == probe) return false;
    probe = std::move(parent);
  }
}

std::string FileGate::Refusal(const std::string& path) const {
  return "refused to read " + Quoted(path) + ": it lies outside the include root " + Quoted(root_) +
         " (see --include-root and --path-map)";
}

void FileGate::Stop(std::string message) {
  if (!input_error_) input_error_ = std::move(message);
}

void FileGate::Locate(const std::string& file, int line, bool top_file) {
  if (!input_error_ || located_) return;
  located_ = true;
  input_error_ = (top_file ? "line " : file + ":") + std::to_string(line) + ": " + *input_error_;
}

bool FileGate::CountOpen() {
  if (++files_opened_ <= access_.limits.max_files) return true;
  Stop("more than " + std::to_string(access_.limits.max_files) +
       " file and directory reads (include loops?); the limit is --max-files");
  return false;
}

FileGate::Opened FileGate::Open(const std::string& path, bool allow_directory) {
  Opened opened;
  opened.path = Map(path);
  if (stopped() || !CountOpen()) {
    opened.error = "not read: the read was stopped";
    return opened;
  }
  if (!Confined(opened.path)) {
    opened.refused = true;
    opened.error = Refusal(path);
    return opened;
  }
  std::string error;
  opened.fd = OpenInputFile(opened.path, allow_directory, error, opened.open_errno);
  if (opened.fd >= 0) return opened;
  if (opened.open_errno == 0) {
    // It opened but is no file to read: a device, FIFO or socket (or a directory at the top).
    Stop(Quoted(opened.path) + " " + error);
  }
  opened.error = std::move(error);
  return opened;
}

const FileGate::Included& FileGate::ReadIncluded(const std::string& path) {
  static const Included kStopped{nullptr, "", 0, 0, "not read: the read was stopped", false};
  if (stopped()) return kStopped;
  auto [entry, inserted] = included_.try_emplace(path);
  Included& included = entry->second;
  // A first read is counted by Open(), a read from memory here.
  if (!inserted && !CountOpen()) return kStopped;
  if (inserted) {
    Opened opened = Open(path, true);
    included.path = std::move(opened.path);
    included.open_errno = opened.open_errno;
    included.error = std::move(opened.error);
    included.refused = opened.refused;
    if (opened.fd >= 0) {
      auto contents = std::make_shared<std::string>();
      char block[64 * 1024];
      for (;;) {
        const ssize_t count = read(opened.fd, block, sizeof(block));
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) {
          // Like the server, a file that fails to read ends there (a directory at once).
          included.read_errno = errno;
          contents->resize(contents->rfind('\n') + 1);  // npos + 1: nothing
          break;
        }
        if (count == 0) break;
        contents->append(block, static_cast<std::size_t>(count));
        if (contents->size() > access_.limits.max_file_bytes) {
          AddBytes(contents->size(), 0);
          break;
        }
      }
      close(opened.fd);
      included.contents = std::move(contents);
    }
  }
  if (included.contents) AddBytes(included.contents->size(), included.contents->size());
  return stopped() ? kStopped : included;
}

FileGate::Opened FileGate::AdmitDirectory(const std::string& path) {
  Opened admitted;
  admitted.path = Map(path);
  if (stopped() || !CountOpen()) {
    admitted.error = "not read: the read was stopped";
    return admitted;
  }
  // The verdict of each directory is kept: an include_dir loop asks for the same one often.
  const auto [verdict, inserted] = directory_confined_.try_emplace(admitted.path, false);
  if (inserted) verdict->second = Confined(admitted.path);
  if (!verdict->second) {
    admitted.refused = true;
    admitted.error = Refusal(path);
  }
  return admitted;
}

bool FileGate::AddBytes(std::size_t file_bytes, std::size_t count) {
  total_bytes_ += count;
  if (file_bytes > access_.limits.max_file_bytes) {
    Stop("a file is larger than " + FormatBytes(access_.limits.max_file_bytes) +
         "; the limit is --max-file-bytes");
  } else if (total_bytes_ > access_.limits.max_total_bytes) {
    Stop("the files read add up to more than " + FormatBytes(access_.limits.max_total_bytes) +
         "; the limit is --max-total-bytes");
  }
  return !stopped();
}

bool FileGate::AddRecord() {
  if (++records_ > access_.limits.max_records) {
    Stop("more than " + std::to_string(access_.limits.max_records) +
         " rows; the limit is --max-records");
  }
  return !stopped();
}

}  // namespace pgward::hba::internal
