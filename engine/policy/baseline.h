#pragma once

// Baselines: an earlier run's JSON report, against which each finding of this run is new,
// unchanged, worsened or updated (matched by fingerprint), and the baseline's findings that are
// gone are absent. Scheduled runs compare with last night's report; pre-merge runs with the base
// branch's.

#include <vector>

#include "engine/findings/finding.h"

namespace pgward::policy {

// Sets every finding's baseline_state and returns the baseline's findings this run does not
// have, with state absent.
std::vector<Finding> ApplyBaseline(std::vector<Finding>& findings,
                                   const std::vector<Finding>& baseline);

}  // namespace pgward::policy
