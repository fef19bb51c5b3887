#include "engine/probe/probe_result.h"

#include <algorithm>

namespace pgward::probe {

bool ProbeResult::complete() const {
  if (error.has_value() || latency_error.has_value()) return false;
  return std::none_of(versions.begin(), versions.end(),
                      [](const VersionResult& version) { return version.error.has_value(); });
}

}  // namespace pgward::probe
