// Servers that lie to the collector (a compromised server of the fleet, or whoever answers on its
// address before TLS): pgward must fail the target with a clear error, in bounded time and
// memory, never hang or crash.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "tests/probe/test_servers.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

using probe::testing::AnswerQueriesWithCopy;
using probe::testing::TestServer;

// libpq makes a new result on every call while a COPY is under way: a collector that read
// results until libpq had none would never stop, and keep them all.
TEST(HostileServerTest, AServerThatAnswersQueriesWithCopyFailsItsTarget) {
  const TestServer server(AnswerQueriesWithCopy);
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                          " user=pgward dbname=postgres sslmode=disable gssencmode=disable";
  testing::CommandOptions options;
  // A watchdog: the collector that looped never ended, and took 2.7 GB in 5 s.
  options.timeout_seconds = 10;
  const auto result = testing::RunPgward({"scan", "--target", dsn, "--format", "json"}, options);
  ASSERT_EQ(result.exit_code, 3) << result.err;
  const nlohmann::json report = nlohmann::json::parse(result.out);
  ASSERT_EQ(report["errors"].size(), 1u) << report["errors"].dump();
  EXPECT_NE(report["errors"][0]["message"].get<std::string>().find(
                "the server answered a query with COPY"),
            std::string::npos)
      << report["errors"][0].dump();
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace pgward
