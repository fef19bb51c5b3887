#pragma once

// Where reading server logs stopped, for scheduled scans (--state-dir): the next run reads only
// what was written since. Positions are kept by file identity (device and inode), not by name:
// a log rotated to postgresql.log.1 keeps its inode, so reading resumes in it where it stopped,
// and the new postgresql.log is read from its start. Each position also keeps a digest of the
// file's first bytes, so that a file that was truncated and has grown again (copytruncate), or a
// new file that reuses a deleted one's inode, is read from its start instead of from the middle.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace pgward::logs {

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  auto operator<=>(const FileIdentity&) const = default;
};

// How many of a file's first bytes its digest covers (fewer when the position is earlier).
inline constexpr std::uint64_t kHeadDigestBytes = 4096;

struct LogPosition {
  std::uint64_t offset = 0;
  std::string head_digest;  // SHA-256 (hex) of the first min(offset, kHeadDigestBytes) bytes
};

class LogPositions {
 public:
  // Where the last run stopped in the file of this identity, if it was read.
  const LogPosition* Find(const FileIdentity& file) const;
  void Set(const FileIdentity& file, LogPosition position);
  bool empty() const { return positions_.empty(); }

  // {"files": [{"device": D, "inode": I, "offset": O, "head_sha256": H}, ...]}
  std::string ToJson() const;
  // nullopt, with `error` set, for a document that is not one ToJson wrote.
  static std::optional<LogPositions> FromJson(const std::string& text, std::string& error);

 private:
  std::map<FileIdentity, LogPosition> positions_;
};

}  // namespace pgward::logs
