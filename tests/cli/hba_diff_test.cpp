// `pgward hba diff` on pairs of files (fixtures/hba-diff/<case>/{base,head}/pg_hba.conf): what a
// change opens or closes, from the first-match analysis of both versions, and the findings it
// brings or removes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/command.h"
#include "tests/support/git_repository.h"

namespace pgward {
namespace {

using nlohmann::json;
using testing::RunPgward;

const std::string kPairs = std::string(PGWARD_SOURCE_DIR) + "/fixtures/hba-diff/";

struct Diff {
  int exit_code = -1;
  json report;
};

Diff RunDiff(const std::string& pair) {
  const auto result =
      RunPgward({"hba", "diff", "--format", "json", kPairs + pair + "/base/pg_hba.conf",
                 kPairs + pair + "/head/pg_hba.conf"});
  return {result.exit_code, json::parse(result.out)};
}

std::multiset<std::string> NewRules(const json& report) {
  std::multiset<std::string> rules;
  for (const json& finding : report["findings"]["new"]) rules.insert(finding["rule_id"]);
  return rules;
}

TEST(HbaDiffTest, ABenignReorderChangesNothing) {
  // Two hostssl lines for disjoint networks swap places: every connection is decided as before.
  const Diff diff = RunDiff("reorder");
  EXPECT_EQ(diff.exit_code, 0);
  EXPECT_TRUE(diff.report["access_changes"].empty()) << diff.report.dump(2);
  EXPECT_TRUE(diff.report["findings"]["new"].empty());
  EXPECT_TRUE(diff.report["findings"]["fixed"].empty());
  EXPECT_GT(diff.report["findings"]["unchanged"], 0);
}

TEST(HbaDiffTest, ACatchAllAboveTheHostsslLinesOpensPlaintext) {
  const Diff diff = RunDiff("plaintext-opened");
  EXPECT_EQ(diff.exit_code, 1);
  // Plaintext from 0.0.0.0/0, minus 127.0.0.1/32 which an earlier line took (trust, now md5):
  // an opened change for everyone, as CIDR blocks, from the explicit reject to the new line.
  const json* opened = nullptr;
  const json* strengthened = nullptr;
  for (const json& change : diff.report["access_changes"]) {
    if (change["connection"] != "tcp_plaintext") continue;
    if (change["change"] == "opened") opened = &change;
    if (change["change"] == "strengthened") strengthened = &change;
  }
  ASSERT_NE(opened, nullptr) << diff.report.dump(2);
  EXPECT_EQ((*opened)["databases"], json::array({"all"}));
  EXPECT_EQ((*opened)["users"], json::array({"all"}));
  EXPECT_EQ((*opened)["base"]["line"], 8);
  EXPECT_EQ((*opened)["base"]["method"], "reject");
  EXPECT_EQ((*opened)["head"]["line"], 4);
  EXPECT_EQ((*opened)["head"]["method"], "md5");
  const std::vector<std::string> blocks = (*opened)["addresses"];
  EXPECT_EQ(blocks.size(), 32u);  // 0.0.0.0/0 less one /32: one block per bit
  EXPECT_EQ(blocks.front(), "0.0.0.0/2");
  EXPECT_EQ(blocks.back(), "128.0.0.0/1");
  EXPECT_EQ(std::count(blocks.begin(), blocks.end(), "127.0.0.1/32"), 0);
  ASSERT_NE(strengthened, nullptr);
  EXPECT_EQ((*strengthened)["addresses"], json::array({"127.0.0.1/32"}));
  EXPECT_EQ((*strengthened)["base"]["method"], "trust");
  // The scan's view of the same change: plaintext accepted from everywhere, on the new line.
  EXPECT_EQ(NewRules(diff.report).count("PGW-COV-001"), 1u);
  for (const json& finding : diff.report["findings"]["new"]) {
    if (finding["rule_id"] == "PGW-COV-001") {
      EXPECT_EQ(finding["location"]["line"], 4);
    }
  }
}

TEST(HbaDiffTest, AMethodWeakenedForOneDatabase) {
  const Diff diff = RunDiff("weakened");
  ASSERT_EQ(diff.report["access_changes"].size(), 1u) << diff.report.dump(2);
  const json& change = diff.report["access_changes"][0];
  EXPECT_EQ(change["change"], "weakened");
  EXPECT_EQ(change["connection"], "tcp_tls");
  EXPECT_EQ(change["databases"], json::array({"reports"}));
  EXPECT_EQ(change["users"], json::array({"analyst"}));
  EXPECT_EQ(change["addresses"], json::array({"10.20.0.0/16"}));
  EXPECT_EQ(change["base"]["method"], "scram-sha-256");
  EXPECT_EQ(change["head"]["method"], "md5");
  EXPECT_EQ(NewRules(diff.report), (std::multiset<std::string>{"PGW-HBA-004"}));
  // md5 is medium: below the default --fail-on.
  EXPECT_EQ(diff.exit_code, 0);
}

TEST(HbaDiffTest, ATrustLineRemovedIsFixedAndOpensNothing) {
  const Diff diff = RunDiff("trust-removed");
  EXPECT_EQ(diff.exit_code, 0);
  EXPECT_TRUE(diff.report["findings"]["new"].empty()) << diff.report.dump(2);
  ASSERT_EQ(diff.report["findings"]["fixed"].size(), 1u);
  const json& fixed = diff.report["findings"]["fixed"][0];
  EXPECT_EQ(fixed["rule_id"], "PGW-HBA-009");
  // Shown where it was: the base file's own line.
  EXPECT_EQ(fixed["location"]["file"], kPairs + "trust-removed/base/pg_hba.conf");
  EXPECT_EQ(fixed["location"]["line"], 7);
  for (const json& change : diff.report["access_changes"]) {
    EXPECT_EQ(change["change"], "closed") << change.dump();
    EXPECT_EQ(change["addresses"], json::array({"127.0.0.1/32"}));
  }
  EXPECT_EQ(diff.report["access_changes"].size(), 3u);  // plaintext, TLS, GSSAPI
}

TEST(HbaDiffTest, CommentsInsertedAboveKeepEveryFingerprint) {
  const Diff diff = RunDiff("comments-inserted");
  EXPECT_EQ(diff.exit_code, 0);
  EXPECT_TRUE(diff.report["access_changes"].empty());
  EXPECT_TRUE(diff.report["findings"]["new"].empty());
  EXPECT_TRUE(diff.report["findings"]["fixed"].empty());
  // The same through `scan`, on one path as a CI job sees it before and after the change.
  const std::string directory = ::testing::TempDir() + "pgward-fingerprints";
  std::filesystem::create_directories(directory);
  const std::string file = directory + "/pg_hba.conf";
  const auto fingerprints = [&](const std::string& version) {
    std::filesystem::copy_file(kPairs + "comments-inserted/" + version + "/pg_hba.conf", file,
                               std::filesystem::copy_options::overwrite_existing);
    const json report =
        json::parse(RunPgward({"scan", "--hba", file, "--format", "json", "--reproducible"}).out);
    std::multiset<std::string> prints;
    for (const json& finding : report["findings"]) prints.insert(finding["fingerprint"]);
    return prints;
  };
  const std::multiset<std::string> before = fingerprints("base");
  EXPECT_FALSE(before.empty());
  EXPECT_EQ(fingerprints("head"), before);
}

TEST(HbaDiffTest, AnotherLineDecidingAsStronglyIsAMove) {
  // The base's catch-all for 10.0.0.0/8 decided app_rw's connections; in the head, their own
  // line comes first, with the same method: the same outcome, another line.
  const std::string directory = ::testing::TempDir() + "pgward-moved";
  std::filesystem::create_directories(directory + "/base");
  std::filesystem::create_directories(directory + "/head");
  std::ofstream(directory + "/base/pg_hba.conf")
      << "hostssl all all 10.0.0.0/8 scram-sha-256\nhostssl app app_rw 10.10.0.0/16 "
         "scram-sha-256\n";
  std::ofstream(directory + "/head/pg_hba.conf")
      << "hostssl app app_rw 10.10.0.0/16 scram-sha-256\nhostssl all all 10.0.0.0/8 "
         "scram-sha-256\n";
  const auto result = RunPgward({"hba", "diff", "--format", "json", directory + "/base/pg_hba.conf",
                                 directory + "/head/pg_hba.conf"});
  const json report = json::parse(result.out);
  ASSERT_EQ(report["access_changes"].size(), 1u) << report.dump(2);
  const json& moved = report["access_changes"][0];
  EXPECT_EQ(moved["change"], "moved");
  EXPECT_EQ(moved["databases"], json::array({"app"}));
  EXPECT_EQ(moved["users"], json::array({"app_rw"}));
  EXPECT_EQ(moved["base"]["line"], 1);
  EXPECT_EQ(moved["head"]["line"], 1);
}

// Each side is judged with the pg_ident.conf beside it: a change to the maps alone is reviewed,
// and a map line without its pg_ident.conf is missing evidence, never a pass.
TEST(HbaDiffTest, EachSideWithThePgIdentConfBesideIt) {
  const std::string directory = ::testing::TempDir() + "pgward-ident-diff";
  for (const char* side : {"/base", "/head", "/alone"}) {
    std::filesystem::create_directories(directory + side);
    std::ofstream(directory + side + "/pg_hba.conf")
        << "hostssl all all 10.20.0.0/16 cert map=certs\nhostnossl all all 0.0.0.0/0 reject\n";
  }
  std::ofstream(directory + "/base/pg_ident.conf") << "certs /^dba@example\\.com$ postgres\n";
  std::ofstream(directory + "/head/pg_ident.conf") << "certs /^(.*)$ postgres\n";
  // "RULE: MESSAGE" of each new finding.
  const auto new_findings = [](const json& report) {
    std::set<std::string> findings;
    for (const json& finding : report["findings"]["new"]) {
      findings.insert(finding["rule_id"].get<std::string>() + ": " +
                      finding["message"].get<std::string>());
    }
    return findings;
  };
  const auto loosened =
      RunPgward({"hba", "diff", "--format", "json", directory + "/base/pg_hba.conf",
                 directory + "/head/pg_hba.conf"});
  EXPECT_EQ(loosened.exit_code, 1) << loosened.err;
  EXPECT_EQ(new_findings(json::parse(loosened.out)),
            std::set<std::string>{"PGW-IDENT-001: this hostssl line (cert) lets a client "
                                  "certificate of any name log in through map certs as postgres (" +
                                  directory + "/head/pg_ident.conf:1)"});
  const auto unknown =
      RunPgward({"hba", "diff", "--format", "json", directory + "/base/pg_hba.conf",
                 directory + "/alone/pg_hba.conf"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.err;
  EXPECT_EQ(new_findings(json::parse(unknown.out)),
            std::set<std::string>{"PGW-IDENT-001: cannot evaluate PGW-IDENT-001: evidence missing "
                                  "(certificate_map_privileged not collected)"});
}

TEST(HbaDiffTest, MarkdownPutsTheFilesTextInCodeSpans) {
  const std::string directory = ::testing::TempDir() + "pgward-markdown";
  std::filesystem::create_directories(directory + "/base");
  std::filesystem::create_directories(directory + "/head");
  std::ofstream(directory + "/base/pg_hba.conf") << "local all all peer\n";
  // A role name that would be a link and a table cell break in Markdown.
  std::ofstream(directory + "/head/pg_hba.conf")
      << "host all \"[x](https://evil.example)|`y`\" 0.0.0.0/0 trust\nlocal all all peer\n";
  const auto result = RunPgward({"hba", "diff", "--format", "markdown",
                                 directory + "/base/pg_hba.conf", directory + "/head/pg_hba.conf"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.out.find("#### Access changes"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("`[x](https://evil.example)\\|'y'`"), std::string::npos) << result.out;
  // Wherever the name appears, it is inside a code span: an odd number of backticks before it
  // on its line.
  for (size_t at = result.out.find("[x](https"); at != std::string::npos;
       at = result.out.find("[x](https", at + 1)) {
    const size_t line_start = result.out.rfind('\n', at) + 1;
    const auto ticks = std::count(result.out.begin() + line_start, result.out.begin() + at, '`');
    EXPECT_EQ(ticks % 2, 1) << result.out.substr(line_start, at - line_start + 20);
  }
}

// The pre-merge case in a checkout: the base is the file at a revision, read with git.
TEST(HbaDiffTest, BaseRefReadsTheBaseFromGit) {
  const testing::GitRepository repository(::testing::TempDir() + "pgward-git-base-" +
                                          std::to_string(getpid()));
  repository.Put(kPairs + "plaintext-opened/base/pg_hba.conf", "db/pg_hba.conf");
  ASSERT_EQ(repository.CommitAll("base").exit_code, 0);
  repository.Put(kPairs + "plaintext-opened/head/pg_hba.conf", "db/pg_hba.conf");
  testing::CommandOptions in_repository;
  in_repository.cwd = repository.directory().string();
  const auto result = RunPgward(
      {"hba", "diff", "--format", "json", "--base-ref", "HEAD", "db/pg_hba.conf"}, in_repository);
  ASSERT_EQ(result.exit_code, 1) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["base"], "HEAD:db/pg_hba.conf");
  // The same answer as the two files compared directly.
  const Diff direct = RunDiff("plaintext-opened");
  EXPECT_EQ(report["access_changes"].size(), direct.report["access_changes"].size());
  EXPECT_EQ(report["findings"]["new"].size(), direct.report["findings"]["new"].size());
  EXPECT_EQ(report["findings"]["unchanged"], direct.report["findings"]["unchanged"]);
  for (const json& change : report["access_changes"]) {
    if (!change["base"].is_null()) {
      EXPECT_EQ(change["base"]["file"], "HEAD:db/pg_hba.conf");
    }
  }
  // A file the revision does not have is new: what it lets in is opened.
  repository.Put(kPairs + "plaintext-opened/head/pg_hba.conf", "db/new_hba.conf");
  const auto added = RunPgward(
      {"hba", "diff", "--format", "json", "--base-ref", "HEAD", "db/new_hba.conf"}, in_repository);
  const json added_report = json::parse(added.out);
  for (const json& change : added_report["access_changes"]) {
    EXPECT_EQ(change["change"], "opened") << change.dump();
  }
  EXPECT_FALSE(added_report["access_changes"].empty());
  EXPECT_EQ(added_report["findings"]["unchanged"], 0);
  EXPECT_TRUE(added_report["findings"]["fixed"].empty()) << added_report["findings"].dump(2);
  // A revision that does not exist is an error, never an empty base.
  const auto missing =
      RunPgward({"hba", "diff", "--base-ref", "no-such-ref", "db/pg_hba.conf"}, in_repository);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no commit no-such-ref"), std::string::npos) << missing.err;
}

TEST(HbaDiffTest, UnreadableFilesAreAnErrorNeverAnEmptyDiff) {
  const auto result =
      RunPgward({"hba", "diff", kPairs + "reorder/base/pg_hba.conf", "/nonexistent/pg_hba.conf"});
  EXPECT_EQ(result.exit_code, 3) << result.out;
  EXPECT_NE(result.out.find("cannot read /nonexistent/pg_hba.conf"), std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace pgward
