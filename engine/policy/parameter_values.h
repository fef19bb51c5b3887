#pragma once

// Validate, the second stage of loading (loader.h): the parameters' values settled, later
// sources overriding earlier ones (a pack's values, values files, --set NAME=VALUE), each
// checked against its parameter's type and bounds.

#include <optional>
#include <string>

#include "engine/policy/load_context.h"

namespace pgward::policy {

// Values given as a YAML mapping of name -> value (a pack's `parameters`, a values file).
void ApplyValues(LoadContext& context, PolicyDraft& draft, const YamlNode& values,
                 const std::string& file);

// The values files, then the --set assignments.
void ApplyOverrides(LoadContext& context, PolicyDraft& draft, const ParameterOverrides& overrides);

}  // namespace pgward::policy
