// Differential tests of the pg_hba.conf and pg_ident.conf parsers against real PostgreSQL
// servers: for every scenario in fixtures/hba-differential/ and fixtures/ident-differential/,
// the files written by others in fixtures/hba-corpus/ and fixtures/ident-corpus/, and a few
// generated ones, the server's pg_hba_file_rules and pg_ident_file_mappings views and
// `pgward hba rules|ident --pg-version N --format json` must agree field for field. Debian's 15
// runs each case as a test of its own; 13, 14, 16, 17 and 18 (the npm builds, without GSSAPI,
// PAM and LDAP: `--build-without`) run them all in one test each. The views re-read the files on
// disk at every query, so no reload is needed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/hba/parser.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(PGWARD_SOURCE_DIR) / "fixtures";
const fs::path kCorpus = kFixtures / "hba-differential";
const fs::path kIdentCorpus = kFixtures / "ident-differential";

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

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The .conf files of a corpus directory, in name order.
std::set<fs::path> CorpusFiles(const fs::path& directory) {
  std::set<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() == ".conf") files.insert(entry.path());
  }
  return files;
}

// Places a scenario's files in the server's data directory, next to the file the server reads
// (`installed`, which the scenario replaces), so that relative @file and include references
// resolve the same way for the server and for pgward; removes the others again.
class ScenarioFiles {
 public:
  ScenarioFiles(const fs::path& scenario, const fs::path& installed) {
    const fs::path data_directory = installed.parent_path();
    for (const auto& entry : fs::recursive_directory_iterator(scenario)) {
      const fs::path target = data_directory / fs::relative(entry.path(), scenario);
      if (entry.is_directory()) {
        if (fs::create_directory(target)) placed_.push_back(target);
      } else {
        fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
        if (target != installed) placed_.push_back(target);
      }
    }
  }
  ~ScenarioFiles() {
    for (auto it = placed_.rbegin(); it != placed_.rend(); ++it) fs::remove_all(*it);
  }
  ScenarioFiles(const ScenarioFiles&) = delete;
  ScenarioFiles& operator=(const ScenarioFiles&) = delete;

 private:
  std::vector<fs::path> placed_;
};

// Compares the server's rows with pgward's, row by row, naming the line of a difference.
void ExpectSameRowList(const json& server, const json& ours) {
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

// One server of a major version, and pgward told the same version and build.
class ViewOracle {
 public:
  explicit ViewOracle(int major) : sandbox_(Options(major)), major_(major) {}

  const sandbox::Sandbox& sandbox() const { return sandbox_; }

  void InstallHba(const std::string& content) const {
    std::ofstream(sandbox_.hba_file(), std::ios::binary | std::ios::trunc) << content;
  }
  void InstallIdent(const std::string& content) const {
    std::ofstream(sandbox_.ident_file(), std::ios::binary | std::ios::trunc) << content;
  }

  void ExpectSameHbaRows(const fs::path& scenario) const {
    const ScenarioFiles placed(scenario, sandbox_.hba_file());
    ExpectSameHbaRows();
  }
  void ExpectSameIdentRows(const fs::path& scenario) const {
    const ScenarioFiles placed(scenario, sandbox_.ident_file());
    ExpectSameIdentRows();
  }

  void ExpectSameHbaRows() const {
    const std::string columns =
        "line_number, type, database, user_name, address, netmask, auth_method, options, error";
    const json server = MaskSecrets(ServerRows(
        (major_ >= 16 ? "rule_number, file_name, " : "") + columns, "pg_hba_file_rules"));
    const auto result = testing::RunPgward(PgwardArguments("rules", sandbox_.hba_file()));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* secret : {"hunter2", "s3cret"}) {
      EXPECT_EQ(result.out.find(secret), std::string::npos) << "secret printed: " << secret;
    }
    ExpectSameRowList(server, WithoutFileColumns(json::parse(result.out), "rule_number"));
  }

  void ExpectSameIdentRows() const {
    const std::string columns = "line_number, map_name, sys_name, pg_username, error";
    const json server = ServerRows((major_ >= 16 ? "map_number, file_name, " : "") + columns,
                                   "pg_ident_file_mappings");
    const auto result = testing::RunPgward(PgwardArguments("ident", sandbox_.ident_file()));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    ExpectSameRowList(server, WithoutFileColumns(json::parse(result.out), "map_number"));
  }

 private:
  static sandbox::SandboxOptions Options(int major) {
    sandbox::SandboxOptions options;
    options.major = major;
    return options;
  }

  json ServerRows(const std::string& columns, const std::string& view) const {
    const auto rows = sandbox_.Query("SELECT coalesce(json_agg(r), '[]') FROM (SELECT " + columns +
                                     " FROM pg_catalog." + view + ") r");
    return json::parse(*rows.at(0).at(0));
  }

  std::vector<std::string> PgwardArguments(const std::string& command, const fs::path& file) const {
    std::vector<std::string> arguments = {
        "hba", command, "--pg-version", std::to_string(major_), "--format", "json"};
    if (major_ != 15) arguments.insert(arguments.end(), {"--build-without", "gssapi,pam,ldap"});
    arguments.push_back(file.string());
    return arguments;
  }

  // Before 16 the views have neither numbering nor file column; pgward keeps the keys, null.
  json WithoutFileColumns(json rows, const std::string& number) const {
    EXPECT_TRUE(rows.is_array());
    if (major_ >= 16) return rows;
    for (json& row : rows) {
      EXPECT_TRUE(row.at(number).is_null()) << row.dump();
      EXPECT_TRUE(row.at("file_name").is_null()) << row.dump();
      row.erase(number);
      row.erase("file_name");
    }
    return rows;
  }

  sandbox::Sandbox sandbox_;
  int major_;
};

constexpr const char* kScenarios[] = {"tokens",  "keywords", "addresses", "methods",
                                      "options", "includes", "errors",    "regex"};

void GeneratedHbaFiles(const ViewOracle& oracle) {
  using namespace std::string_literals;
  oracle.InstallHba("local all all trust\nlocal all nul\0user trust\nlocal all a trust\n"s);
  oracle.ExpectSameHbaRows();
  // 10239 bytes is the longest token PostgreSQL 13 to 15 accept; from 16 there is no limit.
  oracle.InstallHba("local all " + std::string(10239, 'u') + " trust\nlocal all " +
                    std::string(10240, 'v') + " trust\nlocal all " + std::string(50000, 'w') +
                    " trust\nlocal all after trust\n");
  oracle.ExpectSameHbaRows();
  oracle.InstallHba("");
  oracle.ExpectSameHbaRows();
  oracle.InstallHba("# nothing but a comment\n\n   \n,,,\n");
  oracle.ExpectSameHbaRows();
  // `hba rules --format json` lists the rows as they are parsed, a batch (kRuleBatch) at a time:
  // the files written by others, one after the other, three times over, are several batches,
  // error rows and (from 16) rule numbers running on across them.
  std::string corpus;
  for (const fs::path& file : CorpusFiles(kFixtures / "hba-corpus"))
    corpus += ReadFile(file) + "\n";
  oracle.InstallHba(corpus + corpus + corpus);
  const auto count = oracle.sandbox().Query("SELECT count(*) FROM pg_hba_file_rules");
  ASSERT_GT(std::stoul(*count.at(0).at(0)), 3 * hba::kRuleBatch);
  oracle.ExpectSameHbaRows();
}

void GeneratedIdentFiles(const ViewOracle& oracle) {
  using namespace std::string_literals;
  oracle.InstallIdent("m1 a b\nm2 nul\0x y\nm3 " + std::string(10240, 'v') +
                      " y\n\"unterminated a b\nm4 /(((( x\nm5 /a{3,2} x\nm6 /[z-a] x\n,,m7,a b\n"s);
  oracle.ExpectSameIdentRows();
  oracle.InstallIdent("");
  oracle.ExpectSameIdentRows();
}

// ---- PostgreSQL 15, Debian's build: a test per case -----------------------------------------

class HbaViewDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { oracle_ = new ViewOracle(15); }
  static void TearDownTestSuite() {
    delete oracle_;
    oracle_ = nullptr;
  }

  static ViewOracle* oracle_;
};

ViewOracle* HbaViewDifferentialTest::oracle_ = nullptr;

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

TEST_F(HbaViewDifferentialTest, Tokens) { oracle_->ExpectSameHbaRows(kCorpus / "tokens"); }
TEST_F(HbaViewDifferentialTest, Keywords) { oracle_->ExpectSameHbaRows(kCorpus / "keywords"); }
TEST_F(HbaViewDifferentialTest, Addresses) { oracle_->ExpectSameHbaRows(kCorpus / "addresses"); }
TEST_F(HbaViewDifferentialTest, Methods) { oracle_->ExpectSameHbaRows(kCorpus / "methods"); }
TEST_F(HbaViewDifferentialTest, Options) { oracle_->ExpectSameHbaRows(kCorpus / "options"); }
TEST_F(HbaViewDifferentialTest, Includes) { oracle_->ExpectSameHbaRows(kCorpus / "includes"); }
TEST_F(HbaViewDifferentialTest, Errors) { oracle_->ExpectSameHbaRows(kCorpus / "errors"); }
// Regular expressions are names before 16: 15 reads every line of the scenario as one.
TEST_F(HbaViewDifferentialTest, Regex) { oracle_->ExpectSameHbaRows(kCorpus / "regex"); }

// Files written by others (fixtures/hba-corpus/manifest.tsv says where each comes from), each
// installed as the server's pg_hba.conf as it is: the server's rows, errors included, are
// pgward's.
TEST_F(HbaViewDifferentialTest, RealWorldCorpus) {
  const std::set<fs::path> files = CorpusFiles(kFixtures / "hba-corpus");
  ASSERT_GE(files.size(), 100u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    oracle_->InstallHba(ReadFile(file));
    oracle_->ExpectSameHbaRows();
  }
}

TEST_F(HbaViewDifferentialTest, GeneratedFiles) { GeneratedHbaFiles(*oracle_); }

TEST_F(HbaViewDifferentialTest, IdentEveryForm) {
  oracle_->ExpectSameIdentRows(kIdentCorpus / "features");
}

// pg_ident.conf files written by others (fixtures/ident-corpus/manifest.tsv).
TEST_F(HbaViewDifferentialTest, IdentRealWorldCorpus) {
  const std::set<fs::path> files = CorpusFiles(kFixtures / "ident-corpus");
  ASSERT_GE(files.size(), 20u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    oracle_->InstallIdent(ReadFile(file));
    oracle_->ExpectSameIdentRows();
  }
}

TEST_F(HbaViewDifferentialTest, IdentGeneratedFiles) { GeneratedIdentFiles(*oracle_); }

// ---- 13, 14, 16, 17 and 18, the npm builds: every case in one test per version -------------

class ViewAcrossVersionsTest : public ::testing::TestWithParam<int> {};

TEST_P(ViewAcrossVersionsTest, EveryCaseAgrees) {
  const ViewOracle oracle(GetParam());
  for (const char* scenario : kScenarios) {
    SCOPED_TRACE(scenario);
    oracle.ExpectSameHbaRows(kCorpus / scenario);
  }
  for (const fs::path& file : CorpusFiles(kFixtures / "hba-corpus")) {
    SCOPED_TRACE(file.filename().string());
    oracle.InstallHba(ReadFile(file));
    oracle.ExpectSameHbaRows();
  }
  GeneratedHbaFiles(oracle);
  if (GetParam() < 15) return;  // no pg_ident_file_mappings before 15
  oracle.ExpectSameIdentRows(kIdentCorpus / "features");
  for (const fs::path& file : CorpusFiles(kFixtures / "ident-corpus")) {
    SCOPED_TRACE(file.filename().string());
    oracle.InstallIdent(ReadFile(file));
    oracle.ExpectSameIdentRows();
  }
  GeneratedIdentFiles(oracle);
}

INSTANTIATE_TEST_SUITE_P(NpmBuilds, ViewAcrossVersionsTest, ::testing::Values(13, 14, 16, 17, 18),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "PostgreSQL" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace pgward
