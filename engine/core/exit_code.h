#pragma once

namespace pgward {

// The process exit codes of every pgward command. They are part of the public contract
// (documented in --help and the README): CI jobs branch on them.
enum class ExitCode : int {
  kOk = 0,                  // no failing finding at or above the threshold
  kFindings = 1,            // failing findings at or above the threshold
  kUsageOrInputError = 2,   // bad flags, unreadable or invalid input, unimplemented command
  kIncompleteEvidence = 3,  // something could not be collected or read: never a silent pass
};

constexpr int ToInt(ExitCode code) { return static_cast<int>(code); }

}  // namespace pgward
