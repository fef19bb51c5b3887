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

// What kind of mistake a load error is, for tools that sort or count them; the message says
// which and where. Stable: docs/policy-language.md lists them.
enum class LoadErrorCode {
  kUnreadable,    // the file cannot be read
  kInvalidYaml,   // not YAML, or past the YAML limits (nodes, nesting, aliases)
  kUnsupported,   // an apiVersion or kind pgward does not know
  kMissingKey,    // a required key is absent
  kUnknownKey,    // a key this part of the document does not have
  kDuplicate,     // a key or a rule id given twice
  kWrongType,     // a value of the wrong shape or type: a list for a string, yes for true
  kUnknownName,   // a name that does not exist: field, parameter, operator, rule id, severity,
                  // framework, TLS version
  kInvalidValue,  // the right type, a wrong value: a CIDR, a bound, a pattern, a message
};

// "unreadable", "invalid_yaml", ... as docs/policy-language.md lists them.
std::string_view LoadErrorCodeName(LoadErrorCode code);

struct LoadError {
  LoadErrorCode code = LoadErrorCode::kInvalidValue;
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
