// A waivers file's mistakes are load errors like a policy's: position, message and code.
#include "engine/policy/waivers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pgward::policy {
namespace {

TEST(WaiversLoadTest, EachMistakeHasItsPositionAndCode) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("pgward-waivers-" + std::to_string(getpid()));
  std::ofstream(path) << R"(apiVersion: pgward/v1
kind: Waivers
waivers:
  - rule: PGW-HBA-04
    justification: legacy
    owner: dba
    expires: 2026-02-30
    match: {client_addr: 10.0.0.0/33, colour: red}
  - rule: PGW-HBA-004
    justification: one match, said twice
    owner: dba
    expires: 2026-02-28
    match: {user: app}
    match: {user: other}
)";
  const WaiversLoadResult result = LoadWaivers(path.string(), {"PGW-HBA-004"});
  std::filesystem::remove(path);
  std::vector<std::string> seen;
  for (const LoadError& error : result.errors) {
    seen.push_back(std::string(LoadErrorCodeName(error.code)) + " " +
                   std::to_string(error.position.line) + ":" + error.message);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "unknown_name 4:waiver for unknown rule 'PGW-HBA-04' (did you mean "
                      "'PGW-HBA-004'?)",
                      "invalid_value 7:'expires' must be a date, YYYY-MM-DD",
                      "unknown_key 8:unknown key 'colour' in waiver match",
                      "invalid_value 8:invalid CIDR '10.0.0.0/33' in waiver match",
                      "duplicate 14:duplicate key 'match' in waiver"}));
  EXPECT_TRUE(result.waivers.empty());
}

}  // namespace
}  // namespace pgward::policy
