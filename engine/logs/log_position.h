#pragma once

// Where reading server logs stopped, for scheduled scans (--state-dir): the next run reads only
// what was written since. Positions are kept by file identity (device and inode), not by name:
// a log rotated to postgresql.log.1 keeps its inode, so reading resumes in it where it stopped,
// and the new postgresql.log is read from its start.

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

class LogPositions {
 public:
  // Where to start reading a file of this identity and size: where the last run stopped, or 0
  // for a file not seen before and for one that shrank (copytruncate rotation).
  std::uint64_t ResumeAt(const FileIdentity& file, std::uint64_t size) const;
  void Set(const FileIdentity& file, std::uint64_t offset);
  bool empty() const { return offsets_.empty(); }

  // {"files": [{"device": D, "inode": I, "offset": O}, ...]}
  std::string ToJson() const;
  // nullopt, with `error` set, for a document that is not one ToJson wrote.
  static std::optional<LogPositions> FromJson(const std::string& text, std::string& error);

 private:
  std::map<FileIdentity, std::uint64_t> offsets_;
};

}  // namespace pgward::logs
