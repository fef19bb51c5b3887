#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/policy/loader.h"

namespace pgward::policy {

// A file of the rules/ directory, compiled into the binary so that the built-in packs work
// wherever pgward is installed.
struct BuiltinFile {
  std::string_view path;  // "rules/catalog.yaml", "rules/packs/baseline.yaml", ...
  std::string_view text;
};

std::span<const BuiltinFile> BuiltinRuleFiles();

// A FileReader over BuiltinRuleFiles(), by their path ("rules/catalog.yaml").
InputFile ReadBuiltinFile(const std::string& path);

// "baseline", "cis-postgresql", "pci-dss-4.0": the files under rules/packs/.
std::vector<std::string> BuiltinPackNames();

// Loads a built-in pack by name; an unknown name is an error with a suggestion.
LoadResult LoadBuiltinPack(const std::string& name, const ParameterOverrides& overrides = {});

// The ids of every built-in rule (rules/catalog.yaml), whichever packs a run selects.
std::set<std::string> BuiltinRuleIds();

}  // namespace pgward::policy
