#pragma once

// What an input yields besides facts: evidence that could not be collected, and the files read.
// Inputs produce these; the report carries them to the reporters unchanged.

#include <cstddef>
#include <optional>
#include <string>

namespace pgward {

// A place in an input file: a pg_hba.conf line, an inventory entry.
struct SourceLocation {
  std::string file;
  int line = 0;
};

// Evidence that could not be collected or read: the run is incomplete (exit 3).
struct EvidenceError {
  std::string target;
  std::string message;  // secrets already redacted
  std::optional<SourceLocation> location;
};

// A part of a fleet scanned apart from the rest (--shard INDEX/COUNT): the targets whose name
// hashes to `index` of `count`.
struct Shard {
  size_t index = 0;
  size_t count = 1;
};

// A file the run read, with its SHA-256: proof of which file was checked.
struct Artifact {
  std::string path;
  std::string sha256;
};

}  // namespace pgward
