#pragma once

#include <optional>
#include <string_view>

namespace pgward {

// Protocol versions in their natural order, so that policies can compare them
// (TLSv1 < TLSv1.1 < TLSv1.2 < TLSv1.3). Names are PostgreSQL's (pg_stat_ssl.version,
// ssl_min_protocol_version), which are also OpenSSL's.
enum class TlsVersion { kTls1_0 = 1, kTls1_1, kTls1_2, kTls1_3 };

inline constexpr TlsVersion kAllTlsVersions[] = {TlsVersion::kTls1_0, TlsVersion::kTls1_1,
                                                 TlsVersion::kTls1_2, TlsVersion::kTls1_3};

std::string_view TlsVersionName(TlsVersion version);

// "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"; nullopt for anything else (including SSLv3 and the
// empty string PostgreSQL uses for "no limit" in ssl_max_protocol_version).
std::optional<TlsVersion> ParseTlsVersion(std::string_view name);

}  // namespace pgward
