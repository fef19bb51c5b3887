#pragma once

// pg_hba.conf files of any size for the benchmarks (access_bench, scan_bench), the same shapes
// at every size.

#include <cstdio>
#include <string>

namespace pgward::bench {

// What large real files look like: many per-host and per-subnet lines for named roles and
// databases, TLS and plaintext variants, group lines, host names, and rejects that shadow
// some later lines.
inline std::string GenerateHbaFile(int records) {
  std::string text;
  text.reserve(static_cast<size_t>(records) * 64);
  char line[192];
  for (int i = 0; i < records; ++i) {
    const int a = (i >> 16) & 0xff, b = (i >> 8) & 0xff, c = i & 0xff;
    switch (i % 8) {
      case 0:
        std::snprintf(line, sizeof line, "hostssl app_%d user_%d 10.%d.%d.%d/32 scram-sha-256\n",
                      i % 97, i, a, b, c);
        break;
      case 1:
        std::snprintf(line, sizeof line, "hostnossl all all 10.%d.%d.0/24 reject\n", a, b);
        break;
      case 2:
        std::snprintf(line, sizeof line, "host db_%d +team_%d 172.%d.%d.0/24 md5\n", i % 50, i % 31,
                      16 + a % 16, b);
        break;
      case 3:
        std::snprintf(line, sizeof line, "hostssl all svc_%d 2001:db8:%x:%x::/64 cert\n", i, a, b);
        break;
      case 4:
        std::snprintf(line, sizeof line, "host all all 192.168.%d.%d/32 reject\n", b, c);
        break;
      case 5:
        std::snprintf(line, sizeof line, "host sameuser all 10.%d.%d.%d/32 scram-sha-256\n", a, b,
                      c);
        break;
      case 6:
        std::snprintf(line, sizeof line, "host all all db%d.example.com scram-sha-256\n", i);
        break;
      default:
        std::snprintf(line, sizeof line, "hostssl replication repl_%d 10.%d.0.0/16 cert\n", i % 7,
                      a);
        break;
    }
    text += line;
  }
  text += "host all all 0.0.0.0/0 reject\nhost all all ::/0 reject\n";
  return text;
}

}  // namespace pgward::bench
