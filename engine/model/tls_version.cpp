#include "engine/model/tls_version.h"

namespace pgward {

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
  return "";
}

std::optional<TlsVersion> ParseTlsVersion(std::string_view name) {
  for (TlsVersion version : kAllTlsVersions) {
    if (TlsVersionName(version) == name) return version;
  }
  return std::nullopt;
}

}  // namespace pgward
