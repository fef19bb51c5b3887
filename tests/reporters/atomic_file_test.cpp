#include "reporters/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST_F(AtomicFileTest, FailureNamesThePathAndKeepsTheOldFile) {
  const auto path = directory_ / "missing-dir" / "report.xml";
  const auto error = WriteFileAtomically(path, "x", Durability::kSynced);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(path.string()), std::string::npos) << *error;
  EXPECT_NE(error->find("No such file or directory"), std::string::npos) << *error;

  // Renaming onto a directory fails after the data was written: the temporary must be gone.
  const auto occupied = directory_ / "occupied";
  std::filesystem::create_directory(occupied);
  std::ofstream(occupied / "keep") << "x";
  ASSERT_TRUE(WriteFileAtomically(occupied, "x", Durability::kSynced).has_value());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_),
                          std::filesystem::directory_iterator()),
            1);
}

}  // namespace
}  // namespace pgward::reporters
