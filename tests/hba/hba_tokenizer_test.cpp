// Lines, quoting, comments, comma lists, continuations and token limits. Expected rows were
// checked against PostgreSQL 15.18's pg_hba_file_rules (see fixtures/hba/tricky_tokens.conf).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/hba/hba_test_util.h"

namespace pgward::hba {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::OneRow;
using testing::ViewRows;

TEST(HbaTokenizerTest, BlankCommentAndCommaOnlyLinesGiveNoRow) {
  EXPECT_THAT(ViewRows("# comment only\n   \t  \n,,, ,\n\n", 17), IsEmpty());
}

TEST(HbaTokenizerTest, BlanksAreSpaceTabAndCarriageReturn) {
  EXPECT_THAT(ViewRows("local\tall\tall\ttrust\r\nlocal all all trust\r\r\n", 15),
              ElementsAre("1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "2|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>"));
  // A vertical tab is not a blank: it stays in the token.
  EXPECT_EQ(OneRow("local all all\vx trust\n"),
            "1|local|{all}|{\"all\vx\"}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
}

TEST(HbaTokenizerTest, UnquotedHashEndsTheLineEvenInsideAToken) {
  EXPECT_EQ(OneRow("local all a#b trust\n", 15),
            "1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before authentication "
            "method");
  EXPECT_EQ(OneRow("local all \"a#b\" trust # comment\n", 15),
            "1|local|{all}|{a#b}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
}

TEST(HbaTokenizerTest, QuotesToggleAnywhereAndAreNotCopied) {
  EXPECT_EQ(OneRow("local all tru\"st\"\n"),
            "1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before authentication "
            "method");
  EXPECT_EQ(OneRow("local all a\"b c\"d trust\n"),
            "1|local|{all}|{\"ab cd\"}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
  EXPECT_EQ(OneRow("local all \"\" trust\n"),
            "1|local|{all}|{\"\"}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
  EXPECT_EQ(OneRow("local all \"a\"\"b\" trust\n"),
            "1|local|{all}|{\"a\\\"b\"}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
}

TEST(HbaTokenizerTest, UnterminatedQuoteRunsToTheEndOfTheLine) {
  EXPECT_EQ(OneRow("local all \"unterminated trust\n"),
            "1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before authentication "
            "method");
}

TEST(HbaTokenizerTest, OnlyAQuoteBeforeTheFirstCharacterMakesATokenQuoted) {
  const HbaFile file =
      ParseHbaText("local al\"l\" \"all\",+g,\"+g\" trust\n", "/etc/pg_hba.conf", ParseOptions{});
  ASSERT_EQ(file.rules.size(), 1u);
  const HbaRule& rule = file.rules[0];
  ASSERT_EQ(rule.databases.size(), 1u);
  EXPECT_TRUE(rule.databases[0].IsKeyword("all"));
  ASSERT_EQ(rule.users.size(), 3u);
  EXPECT_FALSE(rule.users[0].IsKeyword("all"));
  EXPECT_TRUE(rule.users[0].quoted);
  EXPECT_TRUE(rule.users[1].IsGroupMembership());
  EXPECT_FALSE(rule.users[2].IsGroupMembership());
}

TEST(HbaTokenizerTest, CommaListsKeepCollectingAcrossBlanks) {
  EXPECT_THAT(
      ViewRows("local all all, trust\nlocal all a,,b trust\nlocal all ,a trust\n"
               "local sameuser,samerole,samegroup,replication,\"sameuser\" all trust\n",
               15),
      ElementsAre(
          "1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before authentication "
          "method",
          "2|local|{all}|{a,b}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
          "3|local|{all}|{a}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
          "4|local|{sameuser,samerole,samegroup,replication,sameuser}|{all}|<NULL>|<NULL>|trust|"
          "<NULL>|<NULL>"));
}

TEST(HbaTokenizerTest, BackslashContinuationJoinsLinesWithoutSeparator) {
  const std::string text =
      "host all all 127.0.0.1/32 trust \\\n"
      "  clientcert=verify-full\n"
      "host all all 127.0.0.1/32 \"trust\\\n"
      "\" # the quote continues on the next line\n"
      "local all all trust # comment \\\n"
      "still the comment\n"
      "local all all \\\\\n"
      "\n"
      "local all all tru\\\n"
      "st\n";
  EXPECT_THAT(
      ViewRows(text, 15),
      ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|clientcert can only be "
                  "configured for \"hostssl\" rows",
                  "3|host|{all}|{all}|127.0.0.1|255.255.255.255|trust|<NULL>|<NULL>",
                  "5|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                  "7|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid authentication "
                  "method \"\\\"",
                  "9|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>"));
}

TEST(HbaTokenizerTest, PostgreSql13HasNoContinuationLines) {
  EXPECT_THAT(ViewRows("local all all tru\\\nst\n", 13),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid "
                          "authentication method \"tru\\\"",
                          "2|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid connection "
                          "type \"st\""));
}

TEST(HbaTokenizerTest, NulByteGluesTheNextPhysicalLineLikePgGetLineAppend) {
  // The NUL drops the rest of its fgets() chunk, newline included, so the next physical line is
  // appended; the line counter does not see it.
  const std::string text = std::string("local all all\0 trust\n", 21) +
                           std::string("local all all trust\0 garbage \"\n", 31) +
                           "local all x trust\nlocal all y trust\n";
  EXPECT_THAT(ViewRows(text, 15),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid "
                          "authentication method \"all\"",
                          "2|local|{all}|{y}|<NULL>|<NULL>|trust|<NULL>|<NULL>"));
}

TEST(HbaTokenizerTest, PostgreSql13CutsTheLineAtANulByte) {
  EXPECT_THAT(ViewRows(std::string("local all all trust\0 x\nlocal all y trust\n", 41), 13),
              ElementsAre("1|local|{all}|{all}|<NULL>|<NULL>|trust|<NULL>|<NULL>",
                          "2|local|{all}|{y}|<NULL>|<NULL>|trust|<NULL>|<NULL>"));
}

TEST(HbaTokenizerTest, TokenLimitUpToPostgreSql15) {
  const std::string longest(10239, 'a');
  const std::string too_long =
      "1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|"
      "authentication file token too long";
  for (int version : {13, 14, 15}) {
    SCOPED_TRACE(version);
    EXPECT_EQ(OneRow("local all " + longest + " trust\n", version),
              "1|local|{all}|{" + longest + "}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
    EXPECT_EQ(OneRow("local all " + longest + "b trust\n", version), too_long);
    // The length check comes before the comma and quote handling.
    EXPECT_EQ(OneRow("local all " + longest + ", trust\n", version), too_long);
    EXPECT_EQ(OneRow("local all " + longest + "\" trust\n", version), too_long);
    // ...but after the comment check.
    EXPECT_EQ(OneRow("local all " + longest + "# trust\n", version),
              "1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|end-of-line before "
              "authentication method");
  }
}

TEST(HbaTokenizerTest, NoTokenLimitFromPostgreSql16) {
  const std::string token(50000, 'a');
  for (int version : {16, 17, 18}) {
    EXPECT_EQ(OneRow("local all " + token + " trust\n", version),
              "1|local|{all}|{" + token + "}|<NULL>|<NULL>|trust|<NULL>|<NULL>");
  }
}

TEST(HbaTokenizerTest, PostgreSql13LineBufferOverflowSplitsTheLine) {
  // fgets() into a 20480-byte buffer: a full buffer is an error, and the rest of the physical
  // line is read as the next line.
  const std::string text = "local all " + std::string(20469, 'a') + " trust\n";
  EXPECT_THAT(ViewRows(text, 13),
              ElementsAre("1|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|authentication file "
                          "line too long",
                          "2|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|<NULL>|invalid connection "
                          "type \"trust\""));
}

TEST(HbaTokenizerTest, LineNumbersCountContinuations) {
  const HbaFile file = ParseHbaText("\nlocal all \\\n all \\\n trust\nlocal all all trust\n",
                                    "/x/pg_hba.conf", ParseOptions{});
  ASSERT_EQ(file.rules.size(), 2u);
  EXPECT_EQ(file.rules[0].location.line, 2);
  EXPECT_EQ(*file.rules[0].location.file, "/x/pg_hba.conf");
  EXPECT_EQ(file.rules[1].location.line, 5);
}

}  // namespace
}  // namespace pgward::hba
