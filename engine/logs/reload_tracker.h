#pragma once

// Which configurations a server runs older than its settings and files say: the postmaster's
// reloads (SIGHUP, pg_reload_conf()) and what each failed to apply ("SSL configuration was not
// reloaded", "pg_hba.conf was not reloaded", from 16 the file's path), and its starts. A
// configuration is outdated when a failure came after the latest reload or start that applied
// it; a crash restart applies nothing (the postmaster keeps what it had).
//
// Only the postmaster's lines count, and a line that would end an outdated state is believed
// only where a client cannot have written it: a client's RAISE LOG, or a user or database name
// with a newline in it that leaves a line of its own in a stderr log, must never make a server
// that runs an old configuration pass.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/logs/log_position.h"
#include "engine/logs/log_reader.h"
#include "engine/model/log_summary.h"

namespace pgward::logs {

// Configurations a server can fail to reload are three (SSL, pg_hba.conf, pg_ident.conf); a log
// that names more is not one to keep them all for: the rest are one "(other)".
inline constexpr std::size_t kMaxReloadConfigurations = 16;

class ReloadTracker {
 public:
  // The lines of these messages, in file order, with the entry's time (nullopt when it is not
  // known) and whether it is inside the window (`counted`). `after_window`: at or after --until,
  // where nothing may end a state (a failure still holds: it may be the last).
  void Requested(const LogEntry& entry, std::optional<std::int64_t> time, bool counted,
                 bool after_window);
  void NotReloaded(const LogEntry& entry, std::string_view configuration,
                   std::optional<std::int64_t> time, bool counted);
  void Started(const LogEntry& entry, std::optional<std::int64_t> time, bool after_window);

  // What a scheduled run hands to the next (Resume): a failure read once is not forgotten while
  // the server still runs the older configuration, and lines older than what it saw applied (a
  // rotated file read again) change nothing.
  ReloadMemory Memory() const;
  void Resume(const ReloadMemory& memory);

  // Reloads counted in the window, the configurations that failed in it or are still outdated
  // (by name), and notes on lines not believed.
  void SetIn(LogSummary& summary);

 private:
  // Where a line stands: its time (the earliest possible when unknown), then its order read.
  struct Moment {
    std::int64_t time = 0;
    std::uint64_t order = 0;
    auto operator<=>(const Moment&) const = default;
  };
  struct State {
    LogReloadFailure failure;
    Moment failed_at;
    std::string pid;  // the postmaster's that wrote the failure
  };

  Moment Now(std::optional<std::int64_t> time) { return {time.value_or(kUnknownTime), ++order_}; }
  bool Outdated(const State& state) const { return !applied_ || state.failed_at > *applied_; }
  bool AnyOutdated() const;
  State& StateOf(std::string_view configuration);

  static constexpr std::int64_t kUnknownTime = INT64_MIN;
  std::uint64_t order_ = 0;
  std::optional<Moment> applied_;  // the latest reload or start that applied what it read
  std::map<std::string, State, std::less<>> states_;
  std::uint64_t reloads_ = 0;  // in the window
  std::vector<std::string> notes_;
  bool start_doubted_ = false, reload_doubted_ = false;
};

}  // namespace pgward::logs
