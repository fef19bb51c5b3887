#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace pgward::reporters {

// A stream buffer whose contents can be read back, or thrown away to be written again from the
// start: the temporary file WriteFileAtomically writes, before it is renamed. A writer that learns
// only late that its document must be measured (SARIF near GitHub's limits) reads back what it
// wrote instead of measuring every document; one that learns at the end that its document must be
// made otherwise writes it at once where it can start again, instead of making it twice.
class RewindableBuffer : public std::streambuf {
 public:
  // Empties the file. False when it cannot be emptied (its error is then the write's).
  virtual bool Rewind() = 0;
  // Everything written so far, from the start, given to `take` a piece at a time until it
  // returns false. False when it cannot be read (its error is then the write's).
  virtual bool ReadBack(const std::function<bool(std::string_view)>& take) = 0;
};

// Whether a file written by WriteFileAtomically is on the disk before it replaces the old one.
enum class Durability {
  // fsync, rename, then fsync of the directory: after a crash the path holds the old file or the
  // complete new one, and the new one once the write has returned. For what a run keeps and
  // could not make again: run state, snapshots, evidence bundles.
  kSynced,
  // No fsync, and the old file exchanged for the new one, then removed: readers still see the
  // old file or the complete new one, and the kernel writes it back within about half a minute,
  // but a crash before then may lose it or leave it empty.
  // For reports, which a run writes again (under --state-dir they are synced, as the state that
  // records the run is); waiting for the disk took a third of a 10,000-line scan.
  kUnsynced,
};

// Writes `contents` to `path` so that readers see either the old file or the complete new one,
// never a half-written report: a temporary file in the same directory, then put in place of the
// old one (Durability).
// Returns an error message naming the path, or nullopt on success. On error the destination is
// left untouched and the temporary file is removed, but for two cases the error names: the new
// file is in place and what it replaced could not be removed from the temporary name, or (synced)
// its directory could not be flushed.
std::optional<std::string> WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view contents, Durability durability);
// The same for contents written as they are made: `write_contents` streams into the temporary file.
std::optional<std::string> WriteFileAtomically(
    const std::filesystem::path& path, const std::function<void(std::ostream&)>& write_contents,
    Durability durability);

// Flushes `directory` to the disk, so that the names made in it are there after a crash (the
// files' contents are flushed on their own). An error message, or nullopt.
std::optional<std::string> SyncDirectory(const std::filesystem::path& directory);

// Whether a report may be written to `path`: a regular file or a new name, never a device, FIFO,
// socket, directory or symlink (the rename would replace the node, not write through it), and
// never one of the run's `inputs`, whatever name it is given by. An error message naming the
// path, or nullopt.
std::optional<std::string> CheckOutputPath(const std::string& path,
                                           const std::vector<std::string>& inputs);

}  // namespace pgward::reporters
