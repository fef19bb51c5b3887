#include "engine/logs/reload_tracker.h"

#include <algorithm>

namespace pgward::logs {
namespace {

constexpr std::string_view kOther = "(other)";

// A line the postmaster may have written: LOG (the level of these messages), not from inside a
// function (RAISE LOG: a CONTEXT follows it), of no client session, and of the postmaster where
// the format says the process.
bool MaybePostmaster(const LogEntry& entry) {
  return entry.severity == "LOG" && !entry.has_context && entry.user.empty() &&
         entry.database.empty() &&
         (entry.backend_type.empty() || entry.backend_type == "postmaster");
}

// A line no client can have written: the format says, beyond a client's reach, that the
// postmaster did.
bool CertainlyPostmaster(const LogEntry& entry) {
  return MaybePostmaster(entry) && entry.backend_type == "postmaster" && !entry.forgeable;
}

}  // namespace

bool ReloadTracker::After(const Event& later, const Event& earlier) {
  if (later.file == earlier.file) return later.order > earlier.order;
  return later.time && earlier.time && *later.time > *earlier.time;
}

void ReloadTracker::Requested(const LogEntry& entry, std::optional<std::int64_t> time, bool counted,
                              bool maybe_after_window) {
  if (!MaybePostmaster(entry)) return;
  if (counted) ++reloads_;
  Cleared(entry, time, maybe_after_window);
}

void ReloadTracker::Started(const LogEntry& entry, std::optional<std::int64_t> time,
                            bool maybe_after_window) {
  if (MaybePostmaster(entry)) Cleared(entry, time, maybe_after_window);
}

void ReloadTracker::Cleared(const LogEntry& entry, std::optional<std::int64_t> time,
                            bool maybe_after_window) {
  if (maybe_after_window) return;
  const Event now = Now(time);
  if (CertainlyPostmaster(entry)) {
    believed_[file_] = now;
  } else {
    doubted_[file_] = now;
    doubted_forgeable_ = doubted_forgeable_ || entry.forgeable;
  }
}

void ReloadTracker::NotReloaded(const LogEntry& entry, std::string_view configuration,
                                std::optional<std::int64_t> time, bool counted) {
  if (!MaybePostmaster(entry)) return;
  State& state = StateOf(configuration);
  // A failure read now, after what the last run left in this file, is certain whatever came
  // before it.
  if (file_ == state.resumed_file) state.resumed_doubted = false;
  const Event now = Now(time);
  const auto [failed, first] = state.failed.try_emplace(file_, now);
  if (!first) {
    failed->second.order = now.order;
    if (failed->second.time && time) {
      failed->second.time = std::max(*failed->second.time, *time);
    } else {
      failed->second.time = std::nullopt;
    }
  }
  LogReloadFailure& failure = state.failure;
  if (time && (!failure.last_failed || *time > *failure.last_failed)) failure.last_failed = time;
  if (counted) {
    ++failure.failed_reloads;
    if (time && (!failure.first_failed || *time < *failure.first_failed)) {
      failure.first_failed = time;
    }
  }
}

std::optional<bool> ReloadTracker::Status(const State& state) const {
  bool unknown = false;
  for (const auto& failure : state.failed) {
    // Not a structured binding: clang 14 (the fuzz build's) cannot capture one in a lambda.
    const auto& file = failure.first;
    const auto& failed = failure.second;
    const auto after_it = [&](const auto& entry) { return After(entry.second, failed); };
    if (std::any_of(believed_.begin(), believed_.end(), after_it)) continue;
    // Not certainly applied since: a reload or start that may have come after it (one a client
    // may have written, or one whose order cannot be told) leaves it unknown.
    const auto maybe_after_it = [&](const auto& entry) { return !After(failed, entry.second); };
    if ((file == state.resumed_file && state.resumed_doubted) ||
        std::any_of(believed_.begin(), believed_.end(), maybe_after_it) ||
        std::any_of(doubted_.begin(), doubted_.end(), maybe_after_it)) {
      unknown = true;
      continue;
    }
    return true;
  }
  if (unknown) return std::nullopt;
  return false;
}

ReloadTracker::State& ReloadTracker::StateOf(std::string_view configuration) {
  configuration = Bounded(configuration);
  auto found = states_.find(configuration);
  if (found == states_.end() &&
      states_.size() - states_.count(kOther) >= kMaxReloadConfigurations) {
    configuration = kOther;
    found = states_.find(kOther);
  }
  if (found == states_.end()) {
    found = states_.emplace(std::string(configuration), State{}).first;
    found->second.failure.configuration = found->first;
  }
  return found->second;
}

std::vector<OutdatedConfiguration> ReloadTracker::Outdated() const {
  std::vector<OutdatedConfiguration> outdated;
  for (const auto& [name, state] : states_) {
    const std::optional<bool> status = Status(state);
    if (status == true || !status.has_value()) {
      outdated.push_back({name, state.failure.last_failed, !status.has_value()});
    }
  }
  return outdated;
}

void ReloadTracker::Resume(const std::vector<OutdatedConfiguration>& outdated, int file) {
  for (const OutdatedConfiguration& configuration : outdated) {
    State& state = StateOf(configuration.configuration);
    state.failed[file] = Event{file, 0, configuration.last_failed};
    state.resumed_doubted = configuration.doubted;
    state.resumed_file = file;
    state.failure.last_failed = configuration.last_failed;
  }
}

void ReloadTracker::SetIn(LogSummary& summary) const {
  summary.reloads = reloads_;
  bool unknown = false;
  for (const auto& [name, state] : states_) {
    LogReloadFailure failure = state.failure;
    failure.outdated = Status(state);
    unknown = unknown || !failure.outdated.has_value();
    // Failed before the window and applied since: nothing the window shows.
    if (failure.failed_reloads > 0 || failure.outdated != std::optional<bool>(false)) {
      summary.reload_failures.push_back(std::move(failure));
    }
  }
  if (unknown) {
    summary.notes.push_back(
        std::string("a reload or server start that came after a failed reload could not be told "
                    "from a line a client can write") +
        (doubted_forgeable_ ? " (the prefix writes text a client chooses: %u, %d, %a, %h or %r)"
                            : "") +
        ", or its order could not be told: whether the server still runs the older configuration "
        "is not known. csvlog (13+), jsonlog, or a log_line_prefix with %b (before any %q) and "
        "without %u, %d, %a, %h and %r say which lines are the postmaster's");
  }
}

}  // namespace pgward::logs
