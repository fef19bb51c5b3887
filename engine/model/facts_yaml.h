#pragma once

#include <optional>
#include <string>

#include "engine/core/yaml_tree.h"
#include "engine/model/fact_table.h"

namespace pgward {

// Facts written by hand, for policy tests and examples: a mapping of fact type to a list of
// facts, each a mapping of field to value typed by the fact schema (addresses and ranges as
// text, timestamps as "YYYY-MM-DD[THH:MM:SSZ]", lists as YAML lists, null for absent).
//   connection:
//     - {server: db1, pid: 7, user: app, client_addr: 10.0.0.5, ssl: false}
// Returns an error "line:column: message" for an unknown type or field or a mistyped value.
std::optional<std::string> AddFactsFromYaml(const YamlNode& document, FactSet& facts);

}  // namespace pgward
