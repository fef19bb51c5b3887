#pragma once

// Memory between scheduled runs (--state-dir DIR): the JSON reports of the last runs of one
// scan, kept in a directory of their own, so that tonight's run compares itself with last
// night's through the baseline mechanism and says what changed.

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/findings/report.h"
#include "engine/logs/log_position.h"

namespace pgward::cli {

class RunState {
 public:
  // The state of the scan that `identity` names (the inventory's absolute path, or the targets
  // and files scanned, secrets redacted): DIR/<label>-<digest of identity>, created if need be.
  // Keeps the last `keep` reports (at least 1).
  static std::variant<RunState, std::string> Open(const std::filesystem::path& directory,
                                                  const std::string& label,
                                                  const std::vector<std::string>& identity,
                                                  size_t keep);

  // The last run's report, if there was one.
  std::optional<std::string> previous() const;

  // Writes this run's report (JSON) as the newest, then removes all but the last `keep`.
  // Runs are numbered, not timed, so that --reproducible runs keep their order too.
  std::optional<std::string> Save(const ScanReport& report) const;

  // Where the last run stopped reading server logs: empty before the first run.
  std::variant<logs::LogPositions, std::string> LoadLogPositions() const;
  // Kept with the report of the run that read up to there (after Save).
  std::optional<std::string> SaveLogPositions(const logs::LogPositions& positions) const;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::vector<std::filesystem::path> Reports() const;  // oldest first

  std::filesystem::path directory_;
  size_t keep_ = 1;
};

}  // namespace pgward::cli
