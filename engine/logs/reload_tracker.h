#pragma once

// Which configurations a server runs older than its settings and files say: the postmaster's
// reloads (SIGHUP, pg_reload_conf()), what each failed to apply ("SSL configuration was not
// reloaded", "pg_hba.conf was not reloaded", from 16 the file's path), and its starts. A
// configuration is outdated when a reload failed for it and no reload or start has certainly
// applied it since; a crash restart applies nothing (the postmaster keeps what it had).
//
// Any SQL user can write a LOG line of any text (RAISE LOG, from a backend or a parallel worker,
// with no CONTEXT after it under log_error_verbosity = terse), and in a stderr log whose prefix
// writes user or database names a client can write whole lines, prefix and all. So a line that
// would end a failure is believed only where the format says, beyond a client's reach, that the
// postmaster wrote it: backend_type "postmaster" in csvlog (13+), jsonlog, or a stderr prefix
// with %b and no text a client chooses (LinePrefix::writes_client_text). Elsewhere it leaves the
// configuration neither outdated nor applied but unknown: evidence missing, never a pass.

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
  // The next file's lines (the first file is 1): in one file, lines come in the order they were
  // written; lines of different files are ordered by their times.
  void NewFile() { ++file_; }
  // The lines of these messages, in file order, with the entry's time (nullopt when it is not
  // known) and whether it is inside the window (`counted`). `maybe_after_window`: at or after
  // --until, or of a time unknown with a window given: it ends nothing. A failure's line is
  // given only when it is not surely after the window.
  void Requested(const LogEntry& entry, std::optional<std::int64_t> time, bool counted,
                 bool maybe_after_window);
  void Started(const LogEntry& entry, std::optional<std::int64_t> time, bool maybe_after_window);
  void NotReloaded(const LogEntry& entry, std::string_view configuration,
                   std::optional<std::int64_t> time, bool counted);

  // What a scheduled run hands to the next (Resume): a failure read once is not forgotten while
  // nothing has certainly applied it.
  // What a previous run left is kept with file `file` of this run (read on from where that run
  // stopped, so its lines come after), or 0: ordered by time alone.
  std::vector<OutdatedConfiguration> Outdated() const;
  void Resume(const std::vector<OutdatedConfiguration>& outdated, int file);

  // Reloads counted in the window, the configurations that failed in it or are not known to be
  // applied at its end (by name), and why some are unknown.
  void SetIn(LogSummary& summary) const;

 private:
  struct Event {
    int file = 0;
    std::uint64_t order = 0;  // 0: what a previous run saw, before the lines read now
    std::optional<std::int64_t> time;
  };
  struct State {
    LogReloadFailure failure;  // its counts and times
    // In each file: the order of the last failure, and the latest time of any (unknown if any
    // is), which orders it against other files' lines even where the clock was set back.
    std::map<int, Event> failed;
    bool resumed_doubted = false;
    int resumed_file = -1;
  };

  // Whether `later` certainly came after `earlier`.
  static bool After(const Event& later, const Event& earlier);
  Event Now(std::optional<std::int64_t> time) { return {file_, ++order_, time}; }
  // True: outdated; false: applied since every failure; nullopt: not known.
  std::optional<bool> Status(const State& state) const;
  State& StateOf(std::string_view configuration);
  void Cleared(const LogEntry& entry, std::optional<std::int64_t> time, bool maybe_after_window);

  int file_ = 0;  // lines given before any NewFile are file 0
  std::uint64_t order_ = 0;
  std::map<std::string, State, std::less<>> states_;
  // The last reload or start in each file that the postmaster certainly wrote, and the last that
  // it may have written (a client may have).
  std::map<int, Event> believed_, doubted_;
  bool doubted_forgeable_ = false;  // a doubted one was in a log a client can write lines in
  std::uint64_t reloads_ = 0;       // in the window
};

}  // namespace pgward::logs
