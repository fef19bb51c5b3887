#pragma once

// Compile, the last stage of loading (loader.h): the draft's rules, their parameters final, into
// rules the evaluator runs: predicates over typed fact fields, message templates, compliance
// ids checked against the declared frameworks.

#include <optional>
#include <string>

#include "engine/policy/load_context.h"

namespace pgward::policy {

std::optional<Policy> CompilePolicy(LoadContext& context, PolicyDraft& draft);

}  // namespace pgward::policy
