#include "reporters/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace pgward::reporters {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pgward-atomic-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

  std::filesystem::path directory_;
};

TEST_F(AtomicFileTest, ReplacesTheFileAndLeavesNoTemporary) {
  const auto path = directory_ / "report.json";
  for (const Durability durability : {Durability::kSynced, Durability::kUnsynced}) {
    ASSERT_EQ(WriteFileAtomically(path, "old", durability), std::nullopt);
    ASSERT_EQ(WriteFileAtomically(path, "new contents", durability), std::nullopt);
    EXPECT_EQ(read(path), "new contents");
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_),
                            std::filesystem::directory_iterator()),
              1);
  }
}

TEST_F(AtomicFileTest, HonoursTheUmaskLikeAnOrdinaryFile) {
  const auto path = directory_ / "report.sarif";
  const mode_t previous = umask(022);
  ASSERT_EQ(WriteFileAtomically(path, "{}", Durability::kSynced), std::nullopt);
  umask(previous);
  struct stat status {};
  ASSERT_EQ(stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0644u);
}

// Report files are written on several threads at once: each gets the umask's mode, and the
// umask is the same after (reading it means setting it, for a moment, to 0).
TEST_F(AtomicFileTest, FilesWrittenSideBySideAllHonourTheUmask) {
  const mode_t previous = umask(027);
  {
    std::vector<std::jthread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 150; ++i) {
          const auto path = directory_ / ("report-" + std::to_string(w) + "-" + std::to_string(i));
          EXPECT_EQ(WriteFileAtomically(path, "x", Durability::kUnsynced), std::nullopt);
        }
      });
    }
  }
  EXPECT_EQ(umask(previous), 027);
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
    struct stat status {};
    ASSERT_EQ(stat(entry.path().c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0640u) << entry.path();
  }
}

// What was written is read back from the start, a piece at a time, until the reader stops.
TEST_F(AtomicFileTest, WhatWasWrittenIsReadBackUntilTheReaderStops) {
  std::string contents;
  for (int i = 0; i < 100000; ++i) contents += std::to_string(i) + "\n";  // past one piece
  const auto path = directory_ / "report.sarif";
  std::string whole, first;
  size_t pieces = 0;
  ASSERT_EQ(WriteFileAtomically(
                path,
                [&](std::ostream& out) {
                  out << contents;
                  auto* file = dynamic_cast<RewindableBuffer*>(out.rdbuf());
                  ASSERT_NE(file, nullptr);
                  EXPECT_TRUE(file->ReadBack([&](std::string_view piece) {
                    whole += piece;
                    return true;
                  }));
                  EXPECT_TRUE(file->ReadBack([&](std::string_view piece) {
                    first += piece;
                    ++pieces;
                    return false;
                  }));
                },
                Durability::kUnsynced),
            std::nullopt);
  EXPECT_EQ(whole, contents);
  EXPECT_EQ(pieces, 1u);
  EXPECT_FALSE(first.empty());
  EXPECT_LT(first.size(), contents.size());
  EXPECT_EQ(first, contents.substr(0, first.size()));
  // Reading back writes nothing: the file is what was written.
  EXPECT_EQ(read(path), contents);
}

TEST_F(AtomicFileTest, FailureNamesThePathAndKeepsTheOldFile) {
  const auto path = directory_ / "missing-dir" / "report.xml";
  const auto error = WriteFileAtomically(path, "x", Durability::kSynced);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(path.string()), std::string::npos) << *error;
  EXPECT_NE(error->find("No such file or directory"), std::string::npos) << *error;

  // Renaming onto a directory fails after the data was written: the temporary must be gone,
  // and an unsynced file, which replaces a regular one by exchange, never trades places with
  // the directory.
  const auto occupied = directory_ / "occupied";
  std::filesystem::create_directory(occupied);
  std::ofstream(occupied / "keep") << "x";
  for (const Durability durability : {Durability::kSynced, Durability::kUnsynced}) {
    ASSERT_TRUE(WriteFileAtomically(occupied, "x", durability).has_value());
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_),
                            std::filesystem::directory_iterator()),
              1);
    EXPECT_EQ(read(occupied / "keep"), "x");
  }
}

// A reader that opened the old report reads the old one to its end, whatever replaces it: an
// unsynced file takes the old one's place by exchange, and the old one is then removed.
TEST_F(AtomicFileTest, AReaderOfTheOldFileReadsItWhole) {
  const auto path = directory_ / "report.txt";
  const std::string old_contents(1 << 20, 'o');
  ASSERT_EQ(WriteFileAtomically(path, old_contents, Durability::kUnsynced), std::nullopt);
  std::ifstream reader(path);
  ASSERT_EQ(WriteFileAtomically(path, "new", Durability::kUnsynced), std::nullopt);
  std::stringstream seen;
  seen << reader.rdbuf();
  EXPECT_EQ(seen.str(), old_contents);
  EXPECT_EQ(read(path), "new");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_),
                          std::filesystem::directory_iterator()),
            1);
}

}  // namespace
}  // namespace pgward::reporters
