// LinePrefix held against std::regex, an independent backtracking matcher: each prefix written as
// the ECMAScript pattern PostgreSQL's escapes amount to, its text escapes lazy (as short as the
// rest allows), its fixed-shape escapes atomic (they never give back what they read), and %q an
// alternative tried after the whole prefix. Both must agree, line by line, on whether a line has
// the prefix, where its severity starts, and every value, over lines made to mislead: values that
// hold the literals after them, and damaged separators.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "engine/logs/line_prefix.h"

namespace pgward::logs {
namespace {

// A fixed-shape escape's pattern, made atomic: ECMAScript has no atomic groups, and a lookahead
// that captures, then the capture, is one.
std::string Atomic(const std::string& pattern, int group) {
  return "(?=(" + pattern + "))\\" + std::to_string(group);
}

struct Case {
  const char* prefix;
  // The pattern of the prefix up to the severity, with one group per field below, in order,
  // numbered from 2: the whole prefix is group 1.
  std::string pattern;
  std::vector<std::string_view PrefixFields::*> fields;
};

constexpr char kHost[] = "[-0-9A-Za-z.:\\[\\]()%_]*?";
constexpr char kSeverity[] = "[A-Z0-9]{1,13}:  ";

std::vector<Case> Cases() {
  const std::string timestamp = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} [^ ]+";
  const std::string timestamp_ms = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} [^ ]+";
  return {
      {"%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
       Atomic(timestamp, 2) + " \\[" + Atomic("-?\\d+", 3) + "\\]: \\[" + Atomic("-?\\d+", 4) +
           "-1\\] user=(.*?),db=(.*?),app=(.*?),client=(" + kHost + ") ",
       {&PrefixFields::timestamp, &PrefixFields::pid, nullptr, &PrefixFields::user,
        &PrefixFields::database, &PrefixFields::application, &PrefixFields::client}},
      {"%m [%p] ",
       Atomic(timestamp_ms, 2) + " \\[" + Atomic("-?\\d+", 3) + "\\] ",
       {&PrefixFields::timestamp, &PrefixFields::pid}},
      // %q: the whole prefix, or (a line of no session) the part before it.
      {"%m [%p] %q%u@%d ",
       "(?:" + Atomic(timestamp_ms, 2) + " \\[" + Atomic("-?\\d+", 3) + "\\] (.*?)@(.*?) |" +
           Atomic(timestamp_ms, 6) + " \\[" + Atomic("-?\\d+", 7) + "\\] )",
       {&PrefixFields::timestamp, &PrefixFields::pid, &PrefixFields::user, &PrefixFields::database,
        &PrefixFields::timestamp, &PrefixFields::pid}},
  };
}

// Deterministic: the same lines in every run.
class Lines {
 public:
  std::uint32_t Next() {
    state_ = state_ * 1103515245u + 12345u;
    return (state_ >> 8) & 0xffffff;
  }
  // A value of up to eight characters, often holding the separators of the prefixes.
  std::string Text() {
    static const char* const kPieces[] = {"a", "b", "7", " ", ",",   "=",   "db=", ",db=",
                                          "@", "[", "]", ":", "app", "-1]", "LOG", ":  "};
    std::string text;
    for (std::uint32_t n = Next() % 5; n > 0; --n) text += kPieces[Next() % 16];
    return text;
  }
  std::string Line(const char* prefix) {
    // The timestamp the prefix asks for, or (one line in eight) the other.
    const bool milliseconds = (prefix[1] == 'm') != (Next() % 8 == 0);
    std::string line = milliseconds ? "2026-12-03 22:23:17.110 UTC" : "2026-12-03 22:23:17 UTC";
    for (const char* at = prefix + 2; *at != '\0'; ++at) {  // after the timestamp's escape
      if (*at != '%') {
        line += *at;
        continue;
      }
      switch (*++at) {
        case 'p':
        case 'l':
          line += std::to_string(Next() % 100000);
          break;
        case 'h':
          line += Next() % 3 == 0 ? Text() : "10.0." + std::to_string(Next() % 256) + ".9";
          break;
        case 'q':
          if (Next() % 3 == 0) return line + "LOG:  starting";
          break;
        default:
          line += Text();
      }
    }
    line += Next() % 4 == 0 ? "FATAL" : "LOG";
    line += ":  connection received";
    // Damage one character in a line of four.
    if (Next() % 4 == 0) line[Next() % line.size()] = "x ,=:[]@"[Next() % 8];
    return line;
  }

 private:
  std::uint32_t state_ = 2026;
};

TEST(LinePrefixDifferentialTest, AgreesWithABacktrackingRegex) {
  Lines lines;
  for (const Case& test : Cases()) {
    const LinePrefix prefix(test.prefix);
    const std::regex pattern("^(" + test.pattern + ")" + kSeverity);
    int matched = 0;
    // One for every line, as the reader keeps it: what a line that failed half way left in it
    // must not show in the next.
    PrefixFields fields;
    for (int i = 0; i < 4000; ++i) {
      const std::string line = lines.Line(test.prefix);
      const std::optional<std::size_t> end = prefix.Match(line, fields);
      std::smatch groups;
      const bool found = std::regex_search(line, groups, pattern);
      ASSERT_EQ(end.has_value(), found) << test.prefix << "\n" << line;
      if (!found) continue;
      ++matched;
      // The severity starts where the prefix's group ends.
      ASSERT_EQ(*end, static_cast<std::size_t>(groups.length(1))) << line;
      // Each field as its matched group gives it; empty when none does (after %q).
      std::vector<std::pair<std::string_view PrefixFields::*, std::string>> expected;
      for (std::size_t field = 0; field < test.fields.size(); ++field) {
        std::string_view PrefixFields::*member = test.fields[field];
        if (member == nullptr) continue;
        auto known = std::find_if(expected.begin(), expected.end(),
                                  [&](const auto& value) { return value.first == member; });
        if (known == expected.end()) known = expected.insert(known, {member, ""});
        if (groups[field + 2].matched) known->second = groups[field + 2].str();
      }
      for (const auto& [member, value] : expected) {
        EXPECT_EQ(fields.*member, value) << test.prefix << "\n" << line;
      }
    }
    // The lines are made to match often and to fail often.
    EXPECT_GT(matched, 1000) << test.prefix;
    EXPECT_LT(matched, 3800) << test.prefix;
  }
}

}  // namespace
}  // namespace pgward::logs
