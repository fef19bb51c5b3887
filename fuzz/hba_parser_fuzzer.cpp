// libFuzzer target for the pg_hba.conf tokenizer and parser: any bytes, any supported
// PostgreSQL version, must give rows or errors: never a crash, a leak, a hang or unbounded
// memory. The first byte picks the version; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/hba/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  pgward::hba::ParseOptions options;
  constexpr int kVersions = pgward::hba::kNewestPgVersion - pgward::hba::kOldestPgVersion + 1;
  options.pg_version = pgward::hba::kOldestPgVersion + data[0] % kVersions;
  options.ssl_enabled = (data[0] & 0x80) != 0;
  options.resolve_radius_servers = false;  // no DNS from a fuzzer
  // Relative @file and include references resolve inside a directory that does not exist.
  const pgward::hba::HbaFile file =
      pgward::hba::ParseHbaText(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1),
                                "/nonexistent-pgward-fuzz/pg_hba.conf", options);
  // Touch every row so that the sanitizers see any half-built one.
  size_t bytes = 0;
  for (const pgward::hba::HbaRule& rule : file.rules) {
    bytes += rule.location.file->size() + (rule.error ? rule.error->size() : 0);
    for (const pgward::hba::Option& option : rule.options) bytes += option.value.size();
  }
  return bytes == static_cast<size_t>(-1) ? 1 : 0;
}
