// @file references (all versions) and the include, include_if_exists and include_dir
// directives (16+), on real files in a temporary directory.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "tests/hba/hba_test_util.h"

namespace pgward::hba {
namespace {

using testing::Describe;
using ::testing::ElementsAre;
using testing::TempDir;

// The rows of the file at `path`, with file columns from 16.
std::vector<std::string> FileRows(const std::string& path, int pg_version) {
  ParseOptions options;
  options.pg_version = pg_version;
  const HbaFile file = ParseHbaFile(path, options);
  EXPECT_FALSE(file.read_error.has_value());
  std::vector<std::string> rows;
  for (const FileRulesRow& row : RenderFileRules(file, pg_version)) {
    rows.push_back(Describe(row, pg_version >= 16));
  }
  return rows;
}

class HbaIncludeTest : public ::testing::Test {
 protected:
  // "|line|..." rows are easier to read with the directory replaced by "D".
  std::vector<std::string> Rows(const std::string& main_contents, int pg_version) {
    const std::string main = dir_.Write("main.conf", main_contents);
    std::vector<std::string> rows = FileRows(main, pg_version);
    for (std::string& row : rows) {
      for (std::size_t at = row.find(dir_.path()); at != std::string::npos;
           at = row.find(dir_.path())) {
        row.replace(at, dir_.path().size(), "D");
      }
    }
    return rows;
  }

  TempDir dir_;
};

TEST_F(HbaIncludeTest, AtFileExpandsIntoTheFieldRelativeToTheIncludingFile) {
  // (PG15.18) the same layout gives the same rows.
  dir_.Write("users.txt", "u1, u2\n\"u 3\"\n# c\nall\n");
  dir_.Write("empty.txt", "");
  dir_.Write("sub/nested.txt", "@users.txt,nested\n");
  dir_.Write("sub/users.txt", "inner\n");
  EXPECT_THAT(Rows("local all @users.txt trust\n"
                   "local all @empty.txt trust\n"
                   "local all x,@empty.txt,y trust\n"
                   "local all @sub/nested.txt trust\n"
                   "local all \"@users.txt\" trust\n"
                   "local all @\"users.txt\" trust\n"
                   "local all @ trust\n"
                   "local all @sub/../users.txt trust\n",
                   15),
              ElementsAre("1|local|{all}|{u1,u2,\"u 3\",all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "2|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before "
                          "authentication method",
                          "3|local|{all}|{x,y}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "4|local|{all}|{inner,nested}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "5|local|{all}|{@users.txt}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "6|local|{all}|{u1,u2,\"u 3\",all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "7|local|{all}|{@}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "8|local|{all}|{u1,u2,\"u 3\",all}|<NULL>|<NULL>|trust|<NULL>|<NULL>"));
}

TEST_F(HbaIncludeTest, MissingAtFileMessageDependsOnTheVersion) {
  EXPECT_THAT(Rows("local all @missing.txt trust\n", 15),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|could not open "
                          "secondary authentication file \"@missing.txt\" as \"D/missing.txt\": "
                          "No such file or directory"));
  EXPECT_THAT(Rows("local all @missing.txt trust\n", 16),
              ElementsAre("<NULL>|D/main.conf|1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|"
                          "could not open file \"D/missing.txt\": No such file or directory"));
}

TEST_F(HbaIncludeTest, ErrorInsideAnAtFileIsReportedOnTheReferencingLine) {
  dir_.Write("long.txt", std::string(10240, 'x') + "\n");
  EXPECT_THAT(Rows("local all @long.txt trust\n", 15),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|authentication "
                          "file token too long"));
}

TEST_F(HbaIncludeTest, SelfReferencingAtFileStopsWithAnErrorRow) {
  dir_.Write("self.txt", "@self.txt\n");
  std::vector<std::string> pg15 = Rows("local all @self.txt trust\n", 15);
  ASSERT_EQ(pg15.size(), 1u);
  EXPECT_THAT(pg15[0], ::testing::HasSubstr("maximum nesting depth exceeded"));
  EXPECT_THAT(Rows("local all @self.txt trust\n", 17),
              ElementsAre("<NULL>|D/main.conf|1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|"
                          "could not open file \"D/self.txt\": maximum nesting depth exceeded"));
}

TEST_F(HbaIncludeTest, AtPathCanonicalizationChangedIn16) {
  dir_.Write("users.txt", "u\n");
  // Up to 15 only trailing "." and ".." are folded, so the message keeps "sub/..".
  EXPECT_THAT(Rows("local all @sub/../nope.txt trust\n", 15),
              ElementsAre(::testing::HasSubstr("as \"D/sub/../nope.txt\"")));
  EXPECT_THAT(Rows("local all @sub/../nope.txt trust\n", 16),
              ElementsAre(::testing::HasSubstr("could not open file \"D/nope.txt\"")));
}

TEST_F(HbaIncludeTest, IncludeDirectivesAreConnectionTypesBefore16) {
  dir_.Write("other.conf", "local all all trust\n");
  EXPECT_THAT(Rows("include other.conf\n", 15),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid connection "
                          "type \"include\""));
}

TEST_F(HbaIncludeTest, IncludedRecordsKeepTheirOwnFileAndLine) {
  dir_.Write("other.conf", "\nhost all all 10.0.0.0/8 md5\n");
  dir_.Write("extra.conf", "local all all peer\n");
  EXPECT_THAT(Rows("local all all trust\ninclude other.conf\n\"include\" extra.conf\n"
                   "host all all all reject\n",
                   16),
              ElementsAre("1|D/main.conf|1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "2|D/other.conf|2|host|{all}|{all}|10.0.0.0|255.0.0.0|md5|<NULL>|<NULL>",
                          "3|D/extra.conf|1|local|{all}|{all}|<NULL>|<NULL>|peer|<NULL>|<NULL>",
                          "4|D/main.conf|4|host|{all}|{all}|all|<NULL>|reject|<NULL>|<NULL>"));
}

TEST_F(HbaIncludeTest, RecordsOfAFileShareItsPath) {
  dir_.Write("other.conf", "local all all peer\nlocal all all md5\n");
  const std::string main =
      dir_.Write("main.conf", "local all all trust\ninclude other.conf\nlocal all all reject\n");
  ParseOptions options;
  options.pg_version = 16;
  const HbaFile file = ParseHbaFile(main, options);
  ASSERT_EQ(file.rules.size(), 4u);
  EXPECT_EQ(*file.rules[0].location.file, main);
  EXPECT_EQ(file.rules[0].location.file, file.rules[3].location.file);
  EXPECT_EQ(file.rules[1].location.file, file.rules[2].location.file);
  EXPECT_EQ(*file.rules[1].location.file, dir_.path() + "/other.conf");
  // A copy outlives the file it was taken from.
  HbaRule copy;
  {
    const HbaFile temporary = file;
    copy = temporary.rules[1];
  }
  EXPECT_EQ(*copy.location.file, dir_.path() + "/other.conf");
}

TEST_F(HbaIncludeTest, IncludeErrors) {
  EXPECT_THAT(
      Rows("include missing.conf\ninclude_if_exists missing.conf\ninclude_dir nodir\n"
           "include a b\n",
           17),
      ElementsAre("<NULL>|D/main.conf|1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|could "
                  "not open file \"D/missing.conf\": No such file or directory",
                  "<NULL>|D/main.conf|3|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|could "
                  "not open directory \"D/nodir\"",
                  "<NULL>|D/main.conf|4|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid "
                  "connection type \"include\""));
}

TEST_F(HbaIncludeTest, IncludeDirTakesConfFilesInByteOrder) {
  dir_.Write("conf.d/b.conf", "local b all trust\n");
  dir_.Write("conf.d/A.conf", "local A all trust\n");
  dir_.Write("conf.d/a.conf", "local a all trust\n");
  dir_.Write("conf.d/.hidden.conf", "local hidden all trust\n");
  dir_.Write("conf.d/notes.txt", "local txt all trust\n");
  dir_.Write("conf.d/.conf", "local dot all trust\n");
  dir_.Write("conf.d/sub.conf/x.conf", "local subdir all trust\n");
  EXPECT_THAT(Rows("include_dir conf.d\n", 16),
              ElementsAre("1|D/conf.d/A.conf|1|local|{A}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "2|D/conf.d/a.conf|1|local|{a}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "3|D/conf.d/b.conf|1|local|{b}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>"));
}

TEST_F(HbaIncludeTest, IncludeDirJoinsTheErrorsOfItsFiles) {
  dir_.Write("conf.d/a.conf", "include ../missing1.conf\n");
  dir_.Write("conf.d/b.conf", "local all all trust\n");
  dir_.Write("conf.d/c.conf", "include ../missing2.conf\n");
  EXPECT_THAT(
      Rows("include_dir conf.d\n", 16),
      ElementsAre("<NULL>|D/conf.d/a.conf|1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|"
                  "could not open file \"D/missing1.conf\": No such file or directory",
                  "1|D/conf.d/b.conf|1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                  "<NULL>|D/conf.d/c.conf|1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|"
                  "could not open file \"D/missing2.conf\": No such file or directory"));
}

TEST_F(HbaIncludeTest, SelfIncludeStopsAtTheDepthLimit) {
  // Levels 0..10 are read; the include at level 10 is the error.
  const std::vector<std::string> rows = Rows("local all all trust\ninclude main.conf\n", 17);
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows[10], "11|D/main.conf|1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
  EXPECT_EQ(rows[11],
            "<NULL>|D/main.conf|2|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|"
            "could not open file \"D/main.conf\": maximum nesting depth exceeded");
}

TEST_F(HbaIncludeTest, UnreadableIncludedFileContributesNothingFrom14) {
  dir_.Write("sub/x.conf", "local all all trust\n");
  EXPECT_THAT(Rows("local all @sub trust\n", 15),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before "
                          "authentication method"));
  EXPECT_THAT(Rows("local all @sub trust\n", 13),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|could not read "
                          "file \"D/sub\": Is a directory"));
}

TEST(HbaFileTest, UnreadableTopLevelFileIsAnErrorValue) {
  const HbaFile missing = ParseHbaFile("/nonexistent/pg_hba.conf");
  ASSERT_TRUE(missing.read_error.has_value());
  EXPECT_EQ(missing.read_error->path, "/nonexistent/pg_hba.conf");
  EXPECT_EQ(missing.read_error->message, "No such file or directory");
  EXPECT_TRUE(missing.rules.empty());

  // Not a file to read at all: an input error, as for a device.
  TempDir dir;
  const HbaFile directory = ParseHbaFile(dir.path());
  EXPECT_FALSE(directory.read_error.has_value());
  EXPECT_EQ(directory.input_error, "\"" + dir.path() + "\" is a directory, not a regular file");
  EXPECT_EQ(ParseHbaFile("/dev/null").input_error,
            "\"/dev/null\" is a character device, not a regular file");
}

}  // namespace
}  // namespace pgward::hba
