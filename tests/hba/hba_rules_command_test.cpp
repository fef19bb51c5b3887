// RunHbaRules(): the body of `pgward hba rules`.

#include "engine/cli/hba_rules_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/hba/hba_test_util.h"

namespace pgward::cli {
namespace {

using hba::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

struct CommandResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

CommandResult RunCommand(const HbaRulesOptions& options) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunHbaRules(options, out, err);
  return {code, out.str(), err.str()};
}

constexpr std::string_view kFile =
    "local all all peer\n"
    "host all all 10.0.0.1/8 ldap ldapbasedn=dc=x ldapbindpasswd=s3cret\n"
    "bogus line\n";

TEST(HbaRulesCommandTest, JsonHasEveryKeyInViewOrder) {
  TempDir dir;
  const std::string path = dir.Write("pg_hba.conf", kFile);
  const CommandResult result = RunCommand({.file = path,
                                           .pg_version = 17,
                                           .format = HbaRulesOptions::Format::kJson,
                                           .access = {},
                                           .build = {}});
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.err, "");
  const nlohmann::ordered_json rows = nlohmann::ordered_json::parse(result.out);
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& item : rows[0].items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ::testing::ElementsAre("rule_number", "file_name", "line_number", "type",
                                           "database", "user_name", "address", "netmask",
                                           "auth_method", "options", "error"));
  EXPECT_EQ(rows[0]["rule_number"], 1);
  EXPECT_EQ(rows[0]["file_name"], path);
  EXPECT_EQ(rows[0]["database"], nlohmann::ordered_json::array({"all"}));
  EXPECT_TRUE(rows[0]["address"].is_null());
  EXPECT_EQ(rows[1]["address"], "10.0.0.1");
  EXPECT_EQ(rows[1]["netmask"], "255.0.0.0");
  EXPECT_EQ(rows[1]["options"], nlohmann::ordered_json::array(
                                    {"ldapbasedn=dc=x", "ldapbindpasswd=********", "ldapscope=2"}));
  EXPECT_TRUE(rows[2]["rule_number"].is_null());
  EXPECT_EQ(rows[2]["line_number"], 3);
  EXPECT_EQ(rows[2]["error"], "invalid connection type \"bogus\"");
  EXPECT_THAT(result.out, Not(HasSubstr("s3cret")));
}

TEST(HbaRulesCommandTest, JsonBefore16KeepsTheFileKeysAsNull) {
  TempDir dir;
  const std::string path = dir.Write("pg_hba.conf", kFile);
  const CommandResult result = RunCommand({.file = path,
                                           .pg_version = 15,
                                           .format = HbaRulesOptions::Format::kJson,
                                           .access = {},
                                           .build = {}});
  ASSERT_EQ(result.exit_code, 0);
  const nlohmann::ordered_json rows = nlohmann::ordered_json::parse(result.out);
  EXPECT_TRUE(rows[0].contains("rule_number"));
  EXPECT_TRUE(rows[0]["rule_number"].is_null());
  EXPECT_TRUE(rows[0]["file_name"].is_null());
}

TEST(HbaRulesCommandTest, JsonReplacesInvalidUtf8) {
  TempDir dir;
  const std::string path = dir.Write("pg_hba.conf", "local all \xff\xfe trust\n");
  const CommandResult result = RunCommand({.file = path,
                                           .pg_version = 17,
                                           .format = HbaRulesOptions::Format::kJson,
                                           .access = {},
                                           .build = {}});
  ASSERT_EQ(result.exit_code, 0);
  const nlohmann::ordered_json rows = nlohmann::ordered_json::parse(result.out);
  EXPECT_EQ(rows[0]["user_name"][0], "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(HbaRulesCommandTest, TableIsAlignedAndMasksSecrets) {
  TempDir dir;
  const std::string path = dir.Write("pg_hba.conf", kFile);
  const CommandResult result = RunCommand({.file = path,
                                           .pg_version = 15,
                                           .format = HbaRulesOptions::Format::kTable,
                                           .access = {},
                                           .build = {}});
  ASSERT_EQ(result.exit_code, 0);
  std::istringstream lines(result.out);
  std::string header;
  std::string rule;
  std::string first;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, first);
  EXPECT_EQ(header.rfind("line_number  type   database  user_name  address", 0), 0u) << header;
  EXPECT_EQ(header.find("rule_number"), std::string::npos);
  EXPECT_EQ(first.rfind("1            local  {all}     {all}", 0), 0u) << first;
  EXPECT_EQ(header.find("auth_method"), first.find("peer"));
  EXPECT_THAT(result.out, HasSubstr("ldapbindpasswd=********"));
  EXPECT_THAT(result.out, Not(HasSubstr("s3cret")));
  EXPECT_THAT(result.out, HasSubstr("invalid connection type \"bogus\""));
}

TEST(HbaRulesCommandTest, TableEscapesNewlinesInErrors) {
  TempDir dir;
  dir.Write("conf.d/a.conf", "include ../m1.conf\n");
  dir.Write("conf.d/b.conf", "include ../m2.conf\n");
  dir.Write("conf.d/c.conf", "include_dir ../nodir\n");
  const std::string path = dir.Write("pg_hba.conf", "include_dir conf.d\n");
  const CommandResult result = RunCommand({.file = path,
                                           .pg_version = 16,
                                           .format = HbaRulesOptions::Format::kTable,
                                           .access = {},
                                           .build = {}});
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 5);
}

TEST(HbaRulesCommandTest, UnreadableFileExitsWithTwo) {
  const CommandResult result = RunCommand({.file = "/nonexistent/pg_hba.conf",
                                           .pg_version = 17,
                                           .format = HbaRulesOptions::Format::kTable,
                                           .access = {},
                                           .build = {}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "pgward: cannot read /nonexistent/pg_hba.conf: No such file or directory\n");
}

TEST(HbaRulesCommandTest, UnsupportedVersionExitsWithTwo) {
  const CommandResult result = RunCommand({.file = "/etc/hostname",
                                           .pg_version = 12,
                                           .format = HbaRulesOptions::Format::kTable,
                                           .access = {},
                                           .build = {}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "pgward: unsupported PostgreSQL version 12 (supported: 13 to 18)\n");
}

}  // namespace
}  // namespace pgward::cli
