// Replays the fixtures/hba corpus and compares with what PostgreSQL 15.18 (ssl = off) printed
// for the same files through `psql -A -F'|' -P null=<NULL> -c 'select * from
// pg_hba_file_rules'` (the *.pg15.expected files, captured from a real server).

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/hba/hba_test_util.h"

namespace pgward::hba {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string PsqlOutput(const std::string& path) {
  ParseOptions options;
  options.pg_version = 15;
  options.ssl_enabled = false;
  const HbaFile file = ParseHbaFile(path, options);
  const std::vector<FileRulesRow> rows = RenderFileRules(file, options.pg_version);
  std::string output =
      "line_number|type|database|user_name|address|netmask|auth_method|options|error\n";
  for (const FileRulesRow& row : rows) output += testing::Describe(row, false) + "\n";
  output += "(" + std::to_string(rows.size()) + (rows.size() == 1 ? " row)\n" : " rows)\n");
  return output;
}

class HbaServerCorpusTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HbaServerCorpusTest, MatchesPostgreSql15) {
  const std::string base = std::string(PGWARD_SOURCE_DIR) + "/fixtures/hba/" + GetParam();
  EXPECT_EQ(PsqlOutput(base + ".conf"), ReadFile(base + ".pg15.expected"));
}

INSTANTIATE_TEST_SUITE_P(Corpus, HbaServerCorpusTest,
                         ::testing::Values("tricky_tokens", "addresses", "options",
                                           "options_ldapurl_radius"));

}  // namespace
}  // namespace pgward::hba
