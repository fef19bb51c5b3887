#pragma once

// The parameters a replica connects with (a standby's WAL receiver, a subscription), read from
// its connection string as libpq reads it, without libpq: a server's libpq knows keywords
// pgward's may not (a PostgreSQL 17 standby's WAL receiver lists sslnegotiation, which libpq 15
// refuses), and only a handful of keywords matter here. Nothing else of the string is kept: a
// subscription's holds its password.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pgward::collect {

// Whether pgward judges a replica's connection by this keyword: host, hostaddr, port, sslmode,
// channel_binding, require_auth, service.
bool IsReplicaKeyword(std::string_view keyword);

// The replica keywords of a keyword/value connection string (`host=db1 sslmode='verify-full'`)
// as libpq's conninfo_parse reads them: spaces around '=', single quotes and backslash escapes
// in values, and a keyword given twice taking its last value. A bare word continues the value
// before it, as in the strings pg_stat_wal_receiver shows, which libpq writes unquoted
// (`sslrootcert=/etc/my certs/ca.crt`). Absent: a URI (`postgresql://...`, for libpq) or an
// unterminated quote.
std::optional<std::map<std::string, std::string, std::less<>>> ParseKeywordConninfo(
    std::string_view conninfo);

bool IsConninfoUri(std::string_view conninfo);

struct ReplicaConnection {
  std::optional<std::string> host;  // host, else hostaddr
  std::optional<std::string> port;
  std::optional<std::string> sslmode;
  std::optional<std::string> channel_binding;
  std::optional<std::string> require_auth;  // only as given: libpq has no default to fill in
};

// What the keywords make of a connection. A keyword the string leaves out is libpq's default
// (sslmode prefer; channel_binding prefer, disable before 13, whose libpq may not bind), unless
// the string names a service, whose file (out of pgward's sight) may set it: then unknown. A
// host with '@' or a port other than digits is what libpq makes of a URI whose password holds
// '@' or '/': a piece of the password, left out.
ReplicaConnection ReadReplicaConnection(
    const std::map<std::string, std::string, std::less<>>& keywords, int server_version);

}  // namespace pgward::collect
