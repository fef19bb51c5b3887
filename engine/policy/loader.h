#pragma once

// Reads policy and pack files (YAML, apiVersion pgward/v1): read -> validate -> compile, in the
// manner of Falco's rule loader. Nothing is evaluated from a file with an error: every error is
// collected with its file:line:column, and the result then holds no policy.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/input_file.h"
#include "engine/policy/policy.h"

namespace pgward::policy {

struct LoadError {
  SourcePosition position;
  std::string message;

  // "file:line:column: message" (or "file: message" without a position), secrets redacted.
  std::string ToString() const;
};

// Where a policy's parameter values come from, later sources overriding earlier ones:
// the defaults, a pack's `parameters`, values files, then --set NAME=VALUE.
struct ParameterOverrides {
  std::vector<std::string> values_files;
  std::vector<std::string> assignments;  // "NAME=VALUE" as typed on the command line
};

struct LoadResult {
  std::optional<Policy> policy;
  std::vector<LoadError> errors;
};

// Loads a file of kind Policy or Pack.
LoadResult LoadPolicyFile(const std::string& path, const ParameterOverrides& overrides = {});

// Loads YAML text as if read from `path` (a pack's `policy` is still read from disk).
LoadResult LoadPolicyText(const std::string& text, const std::string& path,
                          const ParameterOverrides& overrides = {});

// Loads `path` reading every file through `reader` (the built-in packs, compiled in).
// Returns the file's text, or why it cannot be read.
using FileReader = std::function<InputFile(const std::string& path)>;
LoadResult LoadPolicyFrom(const FileReader& reader, const std::string& path,
                          const ParameterOverrides& overrides = {});

}  // namespace pgward::policy
