// libFuzzer target for the pg_hba.conf and pg_ident.conf tokenizer and parsers, and the
// certificate-name checks over both: any bytes, any supported PostgreSQL version, must give rows
// or errors: never a crash, a leak, a hang or unbounded memory. The first byte picks the
// version; the rest is the file, read as each.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/hba/certificate_names.h"
#include "engine/hba/ident.h"
#include "engine/hba/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  pgward::hba::ParseOptions options;
  constexpr int kVersions = pgward::hba::kNewestPgVersion - pgward::hba::kOldestPgVersion + 1;
  options.pg_version = pgward::hba::kOldestPgVersion + data[0] % kVersions;
  options.ssl_enabled = (data[0] & 0x80) != 0;
  options.resolve_radius_servers = false;  // no DNS from a fuzzer
  // Relative @file and include references resolve inside a directory that does not exist.
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const pgward::hba::HbaFile file =
      pgward::hba::ParseHbaText(text, "/nonexistent-pgward-fuzz/pg_hba.conf", options);
  const pgward::hba::IdentFile maps =
      pgward::hba::ParseIdentText(text, "/nonexistent-pgward-fuzz/pg_ident.conf", options);
  const auto checks = pgward::hba::CheckCertificateNames(
      file, &maps, pgward::AssumedPrivilegedRoles(), options.pg_version);
  // Touch every row so that the sanitizers see any half-built one.
  size_t bytes = 0;
  for (const pgward::hba::HbaRule& rule : file.rules) {
    bytes += rule.location.file->size() + (rule.error ? rule.error->size() : 0);
    for (const pgward::hba::Option& option : rule.options) bytes += option.value.size();
  }
  for (const pgward::hba::IdentMapping& mapping : maps.mappings) {
    bytes +=
        mapping.map_name.size() + mapping.system_user.text.size() + mapping.pg_user.text.size();
  }
  for (const auto& check : checks) {
    if (check && check->any_name_roles) bytes += check->any_name_roles->size();
  }
  return bytes == static_cast<size_t>(-1) ? 1 : 0;
}
