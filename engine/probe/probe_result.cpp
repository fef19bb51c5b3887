#include "engine/probe/probe_result.h"

#include <algorithm>

namespace pgward::probe {

std::string_view TlsVersionName(TlsVersion version) {
  switch (version) {
    case TlsVersion::kTls1_0:
      return "TLSv1";
    case TlsVersion::kTls1_1:
      return "TLSv1.1";
    case TlsVersion::kTls1_2:
      return "TLSv1.2";
    case TlsVersion::kTls1_3:
      return "TLSv1.3";
  }
  return "unknown";
}

bool ProbeResult::complete() const {
  if (error.has_value() || latency_error.has_value()) return false;
  return std::none_of(versions.begin(), versions.end(),
                      [](const VersionResult& version) { return version.error.has_value(); });
}

}  // namespace pgward::probe
