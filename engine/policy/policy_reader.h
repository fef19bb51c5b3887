#pragma once

// Read, the first stage of loading (loader.h): a Policy document's YAML into a PolicyDraft:
// its metadata, parameters with their defaults and bounds, and frameworks, its shape checked.
// The rules stay YAML until their parameters are final.

#include <optional>
#include <string>

#include "engine/policy/load_context.h"

namespace pgward::policy {

std::optional<PolicyDraft> ReadPolicy(LoadContext& context, const YamlNode& root,
                                      const std::string& file);

// The metadata mapping of a policy or pack: a name, and optionally a version and description.
void ReadMetadata(LoadContext& context, const YamlNode& root, const std::string& file,
                  std::string& name, std::string& version, std::string& description);

}  // namespace pgward::policy
