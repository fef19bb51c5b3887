#pragma once

// What the stages of loading a policy share (read -> validate -> compile, see loader.h): the
// errors found so far, how files are read, the YAML shape checks, parameter values and the
// document's vocabulary. Internal to engine/policy.

#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/input_file.h"
#include "engine/core/suggest.h"
#include "engine/core/yaml_tree.h"
#include "engine/policy/loader.h"
#include "engine/policy/policy.h"

namespace pgward::policy {

inline constexpr std::string_view kApiVersion = "pgward/v1";

inline constexpr std::string_view kPolicyKeys[] = {"apiVersion", "kind",       "metadata",
                                                   "parameters", "frameworks", "rules"};
inline constexpr std::string_view kFrameworkKeys[] = {"title", "version", "organization"};
inline constexpr std::string_view kPackKeys[] = {
    "apiVersion", "kind", "metadata", "policy", "rules", "exclude", "parameters", "severities"};
inline constexpr std::string_view kMetadataKeys[] = {"name", "version", "description"};
inline constexpr std::string_view kParameterKeys[] = {"type", "default", "description", "minimum",
                                                      "maximum"};
inline constexpr std::string_view kRuleKeys[] = {
    "id",     "title",   "description", "severity",    "target",     "where",
    "assert", "message", "variants",    "remediation", "compliance", "references"};
inline constexpr std::string_view kVariantKeys[] = {"when", "severity", "message"};
inline constexpr std::string_view kParameterTypeNames[] = {
    "bool", "integer", "string", "tls_version", "string_list", "cidr_list"};
inline constexpr std::string_view kSeverityNames[] = {"info", "low", "medium", "high", "critical"};
inline constexpr std::string_view kTlsVersionNames[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

template <size_t N>
std::span<const std::string_view> Names(const std::string_view (&names)[N]) {
  return std::span<const std::string_view>(names, N);
}

inline std::string Hint(std::string_view word, std::span<const std::string_view> candidates) {
  if (std::optional<std::string> match = ClosestMatch(word, candidates)) {
    return " (did you mean '" + *match + "'?)";
  }
  return "";
}

inline std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A parameter while its value is still being settled (defaults, pack, values files, --set).
struct DraftParameter {
  Parameter parameter;
  // Where the value was last set (the default, a pack, a values file, --set): errors that the
  // value causes later, such as a pattern RE2 rejects, point there (--set has no place).
  std::string value_file;
  std::optional<YamlMark> value_mark;
};

// A Policy document read and checked, with its rules kept as YAML until parameters are final
// (their trees are the load context's).
struct PolicyDraft {
  std::string file;
  std::string name, version, description;
  std::vector<DraftParameter> parameters;
  std::vector<FrameworkInfo> frameworks;  // sorted by id
  std::vector<YamlNode> rules;
};

inline InputFile ReadFromDisk(const std::string& path) {
  return ReadInputFile(path, kDefaultMaxConfigBytes);
}

// The errors of one load, and the checks every stage makes of YAML nodes. Each check reports
// what is wrong at the node's line and column and returns nullopt (or false).
class LoadContext {
 public:
  explicit LoadContext(FileReader reader) : reader_(std::move(reader)) {}
  // The nodes it gives out point into its trees.
  LoadContext(const LoadContext&) = delete;
  LoadContext& operator=(const LoadContext&) = delete;

  size_t error_count() const { return errors_.size(); }
  std::vector<LoadError> TakeErrors() { return std::move(errors_); }

  // An error at `mark` in `file`, or at the file itself.
  void Error(LoadErrorCode code, const std::string& file, std::optional<YamlMark> mark,
             std::string message);

  // The root of a policy or pack file (`text` when given, else read through the reader): a
  // mapping with a supported apiVersion and kind.
  std::optional<YamlNode> Parse(const std::string& path, const std::optional<std::string>& text);
  // The YAML document `text` of `path`, or nullopt with the error recorded.
  std::optional<YamlTree> ParseYaml(const std::string& path, std::string_view text);

  // YAML itself allows a key twice (the later one silently wins): an error here.
  void CheckDuplicateKeys(const YamlNode& map, const std::string& where, const std::string& file);
  // Reports keys outside `allowed` (with a suggestion) and keys given twice.
  void CheckKeys(const YamlNode& map, std::span<const std::string_view> allowed,
                 const std::string& where, const std::string& file);
  // A required scalar string.
  std::optional<std::string> Scalar(const YamlNode& map, const std::string& key,
                                    const std::string& file, const std::string& where = "");
  // An optional scalar string; empty when absent.
  std::string OptionalScalar(const YamlNode& map, const std::string& key, const std::string& file);
  std::optional<std::vector<std::string>> ScalarList(const YamlNode& node, const std::string& what,
                                                     const std::string& file);

  // A parameter value of `type` from YAML, or from command-line text (lists comma-separated).
  std::optional<ParameterValue> ParseValue(ParameterType type, const YamlNode& node,
                                           const std::string& what, const std::string& file);
  std::optional<ParameterValue> ParseScalarValue(ParameterType type, const std::string& text,
                                                 const std::string& what, const std::string& file,
                                                 std::optional<YamlMark> mark);
  bool WithinBounds(const Parameter& parameter, const ParameterValue& value,
                    const std::string& what, const std::string& file, std::optional<YamlMark> mark);
  DraftParameter* FindParameter(PolicyDraft& draft, const std::string& name);
  std::string UnknownParameter(PolicyDraft& draft, const std::string& name);
  std::optional<Severity> ParseSeverityNode(const YamlNode& node, const std::string& file);

 private:
  FileReader reader_;
  std::vector<LoadError> errors_;
  std::deque<YamlTree> documents_;  // a deque: nodes point at their tree, which must not move
};

}  // namespace pgward::policy
