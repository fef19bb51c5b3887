// Differential test of the pg_hba.conf parser against the real PostgreSQL 15 server: for every
// scenario in fixtures/hba-differential/ (and a few generated ones), the server's
// pg_hba_file_rules view and `pgward hba rules --pg-version 15 --format json` must agree field
// for field. The view re-reads the file on disk at every query, so no reload is needed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kCorpus = fs::path(PGWARD_SOURCE_DIR) / "fixtures" / "hba-differential";

// pgward deliberately masks these option values; the server shows them.
const std::set<std::string> kSecretOptions = {"ldapbindpasswd", "radiussecrets"};

json MaskSecrets(json rows) {
  for (json& row : rows) {
    if (!row["options"].is_array()) continue;
    for (json& option : row["options"]) {
      const std::string text = option.get<std::string>();
      const size_t equals = text.find('=');
      if (equals != std::string::npos && kSecretOptions.contains(text.substr(0, equals))) {
        option = text.substr(0, equals) + "=********";
      }
    }
  }
  return rows;
}

class HbaViewDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox_ = new sandbox::Sandbox(); }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }

  // Places the scenario's files next to the server's pg_hba.conf (so that relative @file
  // references resolve the same way for both), compares, and removes them again.
  void ExpectSameRows(const fs::path& scenario) {
    const fs::path data_directory = sandbox_->hba_file().parent_path();
    std::vector<fs::path> placed;
    for (const auto& entry : fs::recursive_directory_iterator(scenario)) {
      const fs::path target = data_directory / fs::relative(entry.path(), scenario);
      if (entry.is_directory()) {
        if (fs::create_directory(target)) placed.push_back(target);
      } else {
        fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
        if (target != sandbox_->hba_file()) placed.push_back(target);
      }
    }
    ExpectSameRowsForInstalledFile();
    for (auto it = placed.rbegin(); it != placed.rend(); ++it) fs::remove_all(*it);
  }

  void ExpectSameRowsForInstalledFile() {
    const auto server_rows = sandbox_->Query(
        "SELECT coalesce(json_agg(r), '[]') FROM (SELECT line_number, type, database, "
        "user_name, address, netmask, auth_method, options, error FROM pg_hba_file_rules) r");
    const json server = MaskSecrets(json::parse(*server_rows.at(0).at(0)));

    const auto result = testing::RunPgward(
        {"hba", "rules", "--pg-version", "15", "--format", "json", sandbox_->hba_file()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* secret : {"hunter2", "s3cret"}) {
      EXPECT_EQ(result.out.find(secret), std::string::npos) << "secret printed: " << secret;
    }
    json ours = json::parse(result.out);
    ASSERT_TRUE(ours.is_array());
    for (json& row : ours) {
      // PostgreSQL 15's view has neither column; pgward keeps the keys, always null there.
      EXPECT_TRUE(row.at("rule_number").is_null()) << row.dump();
      EXPECT_TRUE(row.at("file_name").is_null()) << row.dump();
      row.erase("rule_number");
      row.erase("file_name");
    }
    const size_t rows = std::max(server.size(), ours.size());
    for (size_t i = 0; i < rows; ++i) {
      const json expected = i < server.size() ? server[i] : json();
      const json actual = i < ours.size() ? ours[i] : json();
      EXPECT_EQ(actual, expected) << "row " << i << " (line "
                                  << (expected.is_object() ? expected["line_number"] : json())
                                  << ")\n  server: " << expected.dump()
                                  << "\n  pgward: " << actual.dump();
    }
    EXPECT_EQ(ours.size(), server.size());
  }

  void InstallGenerated(const std::string& content) {
    std::ofstream(sandbox_->hba_file(), std::ios::binary | std::ios::trunc) << content;
  }

  static sandbox::Sandbox* sandbox_;
};

sandbox::Sandbox* HbaViewDifferentialTest::sandbox_ = nullptr;

TEST_F(HbaViewDifferentialTest, CorpusHasEnoughLines) {
  size_t records = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
    if (entry.path().filename() != "pg_hba.conf") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      const size_t first = line.find_first_not_of(" \t\r");
      if (first != std::string::npos && line[first] != '#') ++records;
    }
  }
  EXPECT_GE(records, 150u);
}

TEST_F(HbaViewDifferentialTest, Tokens) { ExpectSameRows(kCorpus / "tokens"); }
TEST_F(HbaViewDifferentialTest, Keywords) { ExpectSameRows(kCorpus / "keywords"); }
TEST_F(HbaViewDifferentialTest, Addresses) { ExpectSameRows(kCorpus / "addresses"); }
TEST_F(HbaViewDifferentialTest, Methods) { ExpectSameRows(kCorpus / "methods"); }
TEST_F(HbaViewDifferentialTest, Options) { ExpectSameRows(kCorpus / "options"); }
TEST_F(HbaViewDifferentialTest, Includes) { ExpectSameRows(kCorpus / "includes"); }
TEST_F(HbaViewDifferentialTest, Errors) { ExpectSameRows(kCorpus / "errors"); }

// Files written by others (fixtures/hba-corpus/manifest.tsv says where each comes from), each
// installed as the server's pg_hba.conf as it is: the server's rows, errors included, are
// pgward's.
TEST_F(HbaViewDifferentialTest, RealWorldCorpus) {
  const fs::path corpus = fs::path(PGWARD_SOURCE_DIR) / "fixtures" / "hba-corpus";
  std::set<fs::path> files;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    if (entry.path().extension() == ".conf") files.insert(entry.path());
  }
  ASSERT_GE(files.size(), 100u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    std::ifstream in(file, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    InstallGenerated(content.str());
    ExpectSameRowsForInstalledFile();
  }
}

TEST_F(HbaViewDifferentialTest, NulByteDropsTheRestOfThePhysicalLine) {
  using namespace std::string_literals;
  InstallGenerated("local all all trust\nlocal all nul\0user trust\nlocal all a trust\n"s);
  ExpectSameRowsForInstalledFile();
}

TEST_F(HbaViewDifferentialTest, TokenLengthLimitOfPostgreSQL15) {
  // 10239 bytes is the longest token PostgreSQL 15 accepts; one more is an error.
  InstallGenerated("local all " + std::string(10239, 'u') + " trust\nlocal all " +
                   std::string(10240, 'v') + " trust\nlocal all after trust\n");
  ExpectSameRowsForInstalledFile();
}

TEST_F(HbaViewDifferentialTest, EmptyAndCommentOnlyFiles) {
  InstallGenerated("");
  ExpectSameRowsForInstalledFile();
  InstallGenerated("# nothing but a comment\n\n   \n,,,\n");
  ExpectSameRowsForInstalledFile();
}

}  // namespace
}  // namespace pgward
