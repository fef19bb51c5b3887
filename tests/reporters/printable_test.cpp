// Text for a terminal: controls that act on it become '?', tabs (which server messages hold)
// stay, invalid UTF-8 becomes U+FFFD.
#include "reporters/printable.h"

#include <gtest/gtest.h>

namespace pgward::reporters {
namespace {

TEST(PrintableTest, KeepsTabsAndMasksWhatActsOnATerminal) {
  EXPECT_EQ(Printable("column\tvalue"), "column\tvalue");
  EXPECT_EQ(Printable("a\x1b[2Jb"), "a?[2Jb");
  EXPECT_EQ(Printable("a\xc2\x9b"
                      "2Jb"),
            "a?2Jb");  // C1 CSI
  EXPECT_EQ(Printable("line\nbreak\r"), "line?break?");
  EXPECT_EQ(Printable("line\nbreak", /*keep_line_breaks=*/true), "line\nbreak");
  EXPECT_EQ(Printable("caf\xe9"), "caf\xEF\xBF\xBD");
}

}  // namespace
}  // namespace pgward::reporters
