#pragma once

// requirements.json of an evidence bundle: per requirement of a framework (PCI DSS 4.0.1), the
// verdict and the rules and findings behind it (JudgeRequirements).

#include <iosfwd>
#include <string_view>
#include <vector>

#include "engine/findings/requirements.h"

namespace pgward::reporters {

void WriteRequirementsJson(std::string_view framework,
                           const std::vector<RequirementResult>& requirements, std::ostream& out);

}  // namespace pgward::reporters
