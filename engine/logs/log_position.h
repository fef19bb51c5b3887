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
#include <vector>

namespace pgward::logs {

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  auto operator<=>(const FileIdentity&) const = default;
};

// How many of a file's first bytes its digest covers (fewer when the position is earlier).
inline constexpr std::uint64_t kHeadDigestBytes = 4096;

// A connection received before a run stopped and not yet authorized, failed or ended: the
// client address its later lines, read by the next run, lack.
struct OpenConnection {
  std::string backend;  // session id, or "p" and the pid
  std::string client;
  std::optional<std::int64_t> received;  // milliseconds since 1970 UTC, when the log says
};

// A configuration that a reload failed to apply and that no reload or start had certainly applied
// since, when a run stopped (LogReloadFailure): the next run's lines may not mention it again.
struct OutdatedConfiguration {
  std::string configuration;
  std::optional<std::int64_t> last_failed;  // milliseconds since 1970 UTC, when the log says
  // A reload or start came after it that could not be told from a line a client can write: not
  // known to be outdated (LogReloadFailure::outdated unknown).
  bool doubted = false;
};

struct LogPosition {
  std::uint64_t offset = 0;
  std::string head_digest;  // SHA-256 (hex) of the first min(offset, kHeadDigestBytes) bytes
  // Kept with the last file of a log.
  std::vector<OpenConnection> open_connections;
  // Kept with every file a run read, marked with the run's generation: the next run takes the
  // newest it finds among the files it lists, whichever is last (a shell's glob may list the
  // oldest rotated file last) and whichever was renamed or compressed since.
  std::uint64_t reloads_generation = 0;
  std::vector<OutdatedConfiguration> outdated_configurations;
};

// The identity of the file at `path` now, if it can be seen.
std::optional<FileIdentity> IdentityOf(const std::string& path);

class LogPositions {
 public:
  // Where the last run stopped in the file of this identity, if it was read.
  const LogPosition* Find(const FileIdentity& file) const;
  void Set(const FileIdentity& file, LogPosition position);
  bool empty() const { return positions_.empty(); }
  // A new generation for a run's reload state (LogPosition::reloads_generation).
  std::uint64_t NextGeneration() { return ++generation_; }

  // {"files": [{"device": D, "inode": I, "offset": O, "head_sha256": H,
  //             "open_connections": [{"backend": B, "client": C}, ...],
  //             "reloads_generation": G,
  //             "outdated_configurations": [{"configuration": N, "last_failed_ms": T,
  //                                          "doubted": D}, ...]}, ...],
  //  "generation": G}
  std::string ToJson() const;
  // nullopt, with `error` set, for a document that is not one ToJson wrote.
  static std::optional<LogPositions> FromJson(const std::string& text, std::string& error);

 private:
  std::map<FileIdentity, LogPosition> positions_;
  std::uint64_t generation_ = 0;
};

}  // namespace pgward::logs
