// Oracle test of NameRegex, the one reading of a name field's regular expression every check
// uses, against a real PostgreSQL 15 server's own regular expressions: the ~ operator compiles
// ARE (REG_ADVANCED) and searches unanchored, as hba.c does for pg_hba.conf and pg_ident.conf,
// and COLLATE "C" gives it the collation hba.c compiles with. Each pattern is tried on names of
// every sort: where pgward reads the pattern as the server does, the answers must be the same;
// where it reads ARE's \m and \M as RE2's \b, it may find more, never less; a pattern RE2
// cannot read is unknown.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/name_regex.h"
#include "tests/sandbox/sandbox.h"

namespace pgward {
namespace {

enum class Reading { kExact, kMayFindMore, kUnknown };

std::string Literal(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

TEST(NameRegexOracleTest, FindsWhatTheServerFinds) {
  const std::vector<std::pair<std::string, Reading>> patterns = {
      {".*", Reading::kExact},
      {"^.+$", Reading::kExact},
      {".", Reading::kExact},
      {"^[a-z0-9_]+$", Reading::kExact},
      {"^\\w+$", Reading::kExact},
      {"^[^-]*$", Reading::kExact},
      {"^(.{1,34}|.{36,})$", Reading::kExact},
      {"^app_", Reading::kExact},
      {"\\d", Reading::kExact},
      {"^pg", Reading::kExact},
      {"^[n-z]", Reading::kExact},
      {"[[:digit:]]$", Reading::kExact},
      {"(?i)^APP", Reading::kExact},
      {"***=.*", Reading::kExact},
      {"***=app", Reading::kExact},
      {"***:^app", Reading::kExact},
      {"\\mapp\\M", Reading::kMayFindMore},
      {"\\yapp", Reading::kExact},
      {"p\\Y", Reading::kExact},
      {"^DOM\\Badmin$", Reading::kExact},  // \B is a backslash in ARE
      {"\\b", Reading::kExact},            // and \b a backspace
      {"^\\x61pp", Reading::kExact},
      {"\\x61bc", Reading::kExact},  // one character, U+61BC, not "abc"
      {"app\\Z", Reading::kExact},
      {"^a.b$", Reading::kExact},  // '.' takes a newline
      {"(a)\\1", Reading::kUnknown},
      {"^(?=a)", Reading::kUnknown},
  };
  const std::vector<std::string> names = {"postgres",   "template1", "app",  "app_reports",
                                          "billing",    "x",         "zz9",  "m_2",
                                          "db-2",       "Reporting", "a.*b", "pgward-7d1f3c9a",
                                          "appx",       "my app",    "p",    "aa",
                                          "DOM\\admin", "DOMadmin",  "abc",  "a\nb"};
  std::string sql = "SELECT p.i, n.j, n.name COLLATE \"C\" ~ p.pattern FROM (VALUES ";
  for (size_t i = 0; i < patterns.size(); ++i) {
    sql += (i ? ", (" : "(") + std::to_string(i) + ", " + Literal(patterns[i].first) + ")";
  }
  sql += ") p(i, pattern), (VALUES ";
  for (size_t j = 0; j < names.size(); ++j) {
    sql += (j ? ", (" : "(") + std::to_string(j) + ", " + Literal(names[j]) + ")";
  }
  sql += ") n(j, name)";

  sandbox::Sandbox server;
  const std::vector<sandbox::Sandbox::Row> rows = server.Query(sql);
  ASSERT_EQ(rows.size(), patterns.size() * names.size());
  int compared = 0;
  for (const sandbox::Sandbox::Row& row : rows) {
    const auto& [pattern, reading] = patterns[std::stoul(row[0].value())];
    const std::string& name = names[std::stoul(row[1].value())];
    const bool server_finds = row[2].value() == "t";
    const std::optional<bool> finds = NameRegex(pattern).Finds(name);
    SCOPED_TRACE("/" + pattern + " in \"" + name + "\"");
    switch (reading) {
      case Reading::kExact:
        ASSERT_TRUE(finds.has_value());
        EXPECT_EQ(*finds, server_finds);
        break;
      case Reading::kMayFindMore:
        ASSERT_TRUE(finds.has_value());
        if (server_finds) {
          EXPECT_TRUE(*finds);
        }
        break;
      case Reading::kUnknown:
        EXPECT_FALSE(finds.has_value());
        break;
    }
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(patterns.size() * names.size()));
}

}  // namespace
}  // namespace pgward
