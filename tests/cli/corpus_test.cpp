// The real-world pg_hba.conf corpus (fixtures/hba-corpus): its provenance holds, and pgward scans
// every file written by others to a report, without a crash and with an exit code a CI job can
// act on. Its rows are held against PostgreSQL 15 in tests/differential.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "engine/core/file_digest.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using testing::RunPgward;

const fs::path kCorpus = fs::path(PGWARD_SOURCE_DIR) / "fixtures" / "hba-corpus";

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::set<std::string> CorpusFiles() {
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() == ".conf") files.insert(entry.path().filename().string());
  }
  return files;
}

// The lines that count: comments and blank lines dropped, blanks collapsed.
std::string Records(const std::string& text) {
  std::istringstream in(text);
  std::string records;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string word, record;
    while (words >> word) record += (record.empty() ? "" : " ") + word;
    if (!record.empty()) records += record + "\n";
  }
  return records;
}

TEST(HbaCorpusTest, ManifestGivesEveryFileItsProvenance) {
  std::ifstream manifest(kCorpus / "manifest.tsv");
  ASSERT_TRUE(manifest) << "fixtures/hba-corpus/manifest.tsv missing";
  std::string line;
  std::getline(manifest, line);
  EXPECT_EQ(line, "file\trepository\tpath\tcommit\tsha256");
  std::set<std::string> listed, repositories;
  std::map<std::string, std::string> records;  // records -> the file that has them
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string file, repository, path, commit, sha256;
    std::getline(fields, file, '\t');
    std::getline(fields, repository, '\t');
    std::getline(fields, path, '\t');
    std::getline(fields, commit, '\t');
    std::getline(fields, sha256, '\t');
    SCOPED_TRACE(file);
    EXPECT_TRUE(listed.insert(file).second) << "listed twice";
    EXPECT_NE(repository.find('/'), std::string::npos) << repository;
    EXPECT_TRUE(path == "pg_hba.conf" || path.ends_with("/pg_hba.conf")) << path;
    EXPECT_EQ(commit.size(), 40u);
    EXPECT_EQ(commit.find_first_not_of("0123456789abcdef"), std::string::npos) << commit;
    repositories.insert(repository);
    const std::string bytes = ReadBytes(kCorpus / file);
    EXPECT_EQ(Sha256Hex(bytes), sha256) << "changed since it was copied";
    const auto [other, added] = records.emplace(Records(bytes), file);
    EXPECT_TRUE(added) << "same lines as " << other->second;
  }
  EXPECT_EQ(listed, CorpusFiles());
  EXPECT_GE(listed.size(), 100u);
  EXPECT_GE(repositories.size(), 100u);
}

// Every file scans to a report: findings (1), none (0) or incomplete evidence (3), never a
// crash or a usage error; the findings sit in the file scanned.
TEST(HbaCorpusTest, EveryFileScansToAReport) {
  std::map<std::string, int> findings_per_rule;
  for (const std::string& file : CorpusFiles()) {
    SCOPED_TRACE(file);
    const std::string path = (kCorpus / file).string();
    const auto result = RunPgward(
        {"scan", "--hba", path, "--pg-version", "15", "--format", "json", "--reproducible"});
    ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1 || result.exit_code == 3)
        << result.exit_code << ": " << result.err;
    const nlohmann::json report = nlohmann::json::parse(result.out);
    EXPECT_EQ(report["invocation"]["exit_code"], result.exit_code);
    // 3 exactly when evidence is missing, else 1 exactly when a finding at --fail-on (high) or
    // above fails.
    EXPECT_EQ(result.exit_code == 3, report["summary"]["complete"] == false);
    bool failing = false;
    for (const auto& finding : report["findings"]) {
      EXPECT_EQ(finding["location"]["file"], path) << finding.dump();
      ++findings_per_rule[finding["rule_id"].get<std::string>()];
      failing |= finding["status"] == "fail" &&
                 (finding["severity"] == "high" || finding["severity"] == "critical");
    }
    if (result.exit_code != 3) {
      EXPECT_EQ(result.exit_code, failing ? 1 : 0);
    }
  }
  // Catch-all lines, md5 and trust are what files written by others hold most.
  for (const char* rule : {"PGW-COV-001", "PGW-HBA-004", "PGW-HBA-009"}) {
    EXPECT_GT(findings_per_rule[rule], 100) << rule;
  }
}

}  // namespace
}  // namespace pgward
