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

// A configuration the server failed to reload, and had not reloaded since, when a run stopped
// (LogReloadFailure::outdated): the next run's lines may not mention it again.
struct OutdatedConfiguration {
  std::string configuration;
  std::optional<std::int64_t> last_failed;  // milliseconds since 1970 UTC, when the log says
  std::string process;  // the postmaster that failed to reload it: pid, or session id
};

// What a run knew of a server's reloads when it stopped (ReloadTracker).
struct ReloadMemory {
  // The latest reload or start that applied what it read, when its time is known: older lines
  // (a rotated file read again) change nothing.
  std::optional<std::int64_t> applied;
  std::vector<OutdatedConfiguration> outdated;
  bool empty() const { return !applied && outdated.empty(); }
};

struct LogPosition {
  std::uint64_t offset = 0;
  std::string head_digest;  // SHA-256 (hex) of the first min(offset, kHeadDigestBytes) bytes
  // Kept with the last file of a log.
  std::vector<OpenConnection> open_connections;
};

// The identity of the file at `path` now, if it can be seen.
std::optional<FileIdentity> IdentityOf(const std::string& path);

class LogPositions {
 public:
  // Where the last run stopped in the file of this identity, if it was read.
  const LogPosition* Find(const FileIdentity& file) const;
  void Set(const FileIdentity& file, LogPosition position);
  bool empty() const { return positions_.empty() && reloads_.empty(); }
  // What the last run knew of the reloads of the server whose current log file is `log` (its
  // absolute path, which rotation does not change).
  ReloadMemory Reloads(const std::string& log) const;
  void SetReloads(const std::string& log, ReloadMemory memory);

  // {"files": [{"device": D, "inode": I, "offset": O, "head_sha256": H,
  //             "open_connections": [{"backend": B, "client": C}, ...]}, ...],
  //  "reloads": [{"log": L, "applied_ms": T, "outdated": [{"configuration": N,
  //                                                        "last_failed_ms": T, "process": P}]}]}
  std::string ToJson() const;
  // nullopt, with `error` set, for a document that is not one ToJson wrote.
  static std::optional<LogPositions> FromJson(const std::string& text, std::string& error);

 private:
  std::map<FileIdentity, LogPosition> positions_;
  std::map<std::string, ReloadMemory> reloads_;
};

}  // namespace pgward::logs
