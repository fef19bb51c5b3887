#pragma once

#include <string>
#include <vector>

#include "engine/model/collection.h"
#include "engine/model/fact_table.h"

namespace pgward::collect::testing {

// Every fact of `kind` as "field=value; ..." text with its source, in table order: two fact
// sets are the same facts when these are equal for every kind.
std::vector<std::string> DescribeFacts(const FactSet& facts, FactKind kind);

// Rule id, target, message and fingerprint of every finding of the built-in baseline pack.
std::vector<std::string> BaselineFindings(const FactSet& facts);

// Every error message, one per line.
std::string ErrorText(const Evidence& evidence);

}  // namespace pgward::collect::testing
