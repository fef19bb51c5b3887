#include "engine/logs/reload_tracker.h"

#include <algorithm>

namespace pgward::logs {
namespace {

constexpr std::string_view kOther = "(other)";

// A line the postmaster may have written: LOG (the level of these messages), not written from
// inside a function (RAISE LOG: a CONTEXT follows), not what a name with a newline left of its
// own, and of the postmaster where the format says the process, else of no client session.
bool FromPostmaster(const LogEntry& entry) {
  if (entry.severity != "LOG" || entry.has_context || entry.after_foreign_line) return false;
  if (!entry.backend_type.empty()) return entry.backend_type == "postmaster";
  return entry.user.empty() && entry.database.empty();
}

std::string_view ProcessOf(const LogEntry& entry) {
  return entry.pid.empty() ? entry.session_id : entry.pid;
}

// "starting PostgreSQL 15.14 (Debian 15.14-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc
// (Debian 12.2.0-14) 12.2.0, 64-bit" whole (postmaster.c: PG_VERSION_STR).
bool IsStartMessage(std::string_view message) {
  constexpr std::string_view kStart = "starting PostgreSQL ";
  if (!message.starts_with(kStart) || !message.ends_with("-bit")) return false;
  const std::size_t on = message.find(" on ", kStart.size());
  const std::size_t compiled = message.find(", compiled by ", on);
  const std::size_t bits = message.rfind(", ");
  if (on == std::string_view::npos || compiled == std::string_view::npos || bits <= compiled) {
    return false;
  }
  const std::string_view digits = message.substr(bits + 2, message.size() - bits - 6);
  return !digits.empty() &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void ReloadTracker::Requested(const LogEntry& entry, std::optional<std::int64_t> time, bool counted,
                              bool after_window) {
  if (!FromPostmaster(entry)) return;
  if (counted) ++reloads_;
  if (after_window) return;
  // Only the postmaster that failed to reload a configuration can reload it again (a restart, a
  // new postmaster, is a start): a reload line of another process is none.
  for (const auto& [name, state] : states_) {
    if (Outdated(state) && state.pid != ProcessOf(entry)) {
      reload_doubted_ = true;
      return;
    }
  }
  const Moment now = Now(time);
  if (!applied_ || now > *applied_) applied_ = now;
}

void ReloadTracker::NotReloaded(const LogEntry& entry, std::string_view configuration,
                                std::optional<std::int64_t> time, bool counted) {
  if (!FromPostmaster(entry)) return;
  State& state = StateOf(configuration);
  const Moment now = Now(time);
  if (now > state.failed_at) {
    state.failed_at = now;
    state.pid = ProcessOf(entry);
    state.failure.last_failed = time;
  }
  if (counted) {
    ++state.failure.failed_reloads;
    if (time && (!state.failure.first_failed || *time < *state.failure.first_failed)) {
      state.failure.first_failed = time;
    }
  }
}

void ReloadTracker::Started(const LogEntry& entry, std::optional<std::int64_t> time,
                            bool after_window) {
  if (after_window) return;
  // Where the format says neither the process nor the session, a client's RAISE LOG (with
  // log_error_verbosity = terse, no CONTEXT follows it) reads like the postmaster's start.
  if (!FromPostmaster(entry) || (entry.backend_type.empty() && !entry.carries_session) ||
      !IsStartMessage(entry.message)) {
    start_doubted_ = start_doubted_ || AnyOutdated();
    return;
  }
  const Moment now = Now(time);
  if (!applied_ || now > *applied_) applied_ = now;
}

bool ReloadTracker::AnyOutdated() const {
  return std::any_of(states_.begin(), states_.end(),
                     [this](const auto& entry) { return Outdated(entry.second); });
}

ReloadTracker::State& ReloadTracker::StateOf(std::string_view configuration) {
  configuration = Bounded(configuration);
  auto found = states_.find(configuration);
  if (found == states_.end() &&
      states_.size() - states_.count(kOther) >= kMaxReloadConfigurations) {
    found = states_.find(kOther);
    configuration = kOther;
  }
  if (found == states_.end()) {
    found = states_.emplace(std::string(configuration), State{}).first;
    found->second.failure.configuration = found->first;
  }
  return found->second;
}

ReloadMemory ReloadTracker::Memory() const {
  ReloadMemory memory;
  if (applied_ && applied_->time != kUnknownTime) memory.applied = applied_->time;
  for (const auto& [name, state] : states_) {
    if (Outdated(state)) memory.outdated.push_back({name, state.failure.last_failed, state.pid});
  }
  return memory;
}

void ReloadTracker::Resume(const ReloadMemory& memory) {
  // Lines read now come after what the last run saw applied and failed, unless their time says
  // otherwise.
  if (memory.applied) applied_ = Moment{*memory.applied, 0};
  for (const OutdatedConfiguration& configuration : memory.outdated) {
    State& state = StateOf(configuration.configuration);
    state.failed_at = {std::max(configuration.last_failed.value_or(kUnknownTime),
                                memory.applied.value_or(kUnknownTime)),
                       1};
    state.pid = std::string(Bounded(configuration.process));
    state.failure.last_failed = configuration.last_failed;
  }
  order_ = std::max<std::uint64_t>(order_, 1);
}

void ReloadTracker::SetIn(LogSummary& summary) {
  summary.reloads = reloads_;
  const bool outdated = AnyOutdated();
  for (auto& [name, state] : states_) {
    state.failure.outdated = Outdated(state);
    // Failed before the window and applied since: nothing the window shows.
    if (state.failure.failed_reloads > 0 || state.failure.outdated) {
      summary.reload_failures.push_back(state.failure);
    }
  }
  if (outdated && start_doubted_) {
    summary.notes.push_back(
        "a server start was logged where a client could have written it (neither %b nor %u or %d "
        "in log_line_prefix, or a line not the postmaster's): configurations that failed to "
        "reload before it are still taken as outdated; add %b to log_line_prefix, or use csvlog "
        "or jsonlog");
  }
  if (outdated && reload_doubted_) {
    summary.notes.push_back(
        "a reload was logged by another process than the postmaster that failed to reload: "
        "configurations that failed to reload before it are still taken as outdated");
  }
}

}  // namespace pgward::logs
