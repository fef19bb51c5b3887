// LinePrefix held against std::regex, an independent backtracking matcher: each prefix written as
// the ECMAScript pattern PostgreSQL's escapes amount to, its text escapes lazy (as short as the
// rest allows), its fixed-shape escapes atomic (they never give back what they read), and %q an
// alternative tried after the whole prefix. Both must agree, line by line, on whether a line has
// the prefix, where its severity starts, and every value, over lines made to mislead: values that
// hold the literals after them, and damaged separators.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
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

// How a group's text is the field's value.
enum class Value {
  kAsIs,
  kTrimmed,            // a padded text escape's: its padding's spaces are not the value's
  kHostOfHostAndPort,  // %r's "host(port)": the host
};

struct Field {
  // Implicit: a case lists most of its fields as their members alone.
  Field(std::string_view PrefixFields::*member, Value value = Value::kAsIs)
      : member(member), value(value) {}
  std::string_view PrefixFields::*member;  // null: a group of no field
  Value value;
};

struct Case {
  const char* prefix;
  // The pattern of the prefix up to the severity, with one group per field below, in order,
  // numbered from 2: the whole prefix is group 1.
  std::string pattern;
  std::vector<Field> fields;
};

// A padded escape whose value is a run of `characters` (a class), as PostgreSQL writes it: a
// value shorter than |width| with the spaces that make it that wide, before it (width > 0) or
// after it, and a longer one whole. One alternative per length from `shortest`, each with its own
// group (numbered from `group`), each group one of `field`'s in `fields`; a run is taken whole
// (atomic).
std::string Padded(int width, const std::string& characters, int shortest, int group,
                   const Field& field, std::vector<Field>& fields) {
  const int wide = std::abs(width);
  std::string pattern = "(?:";
  for (int length = shortest; length < wide; ++length) {
    const std::string spaces(static_cast<std::size_t>(wide - length), ' ');
    const std::string value =
        "(" + characters + "{" + std::to_string(length) + "})(?!" + characters + ")";
    pattern += (width > 0 ? spaces + value : value + spaces) + "|";
    fields.push_back(field);
    ++group;
  }
  pattern +=
      "(?=(" + characters + "{" + std::to_string(wide) + ",}))\\" + std::to_string(group) + ")";
  fields.push_back(field);
  return pattern;
}

constexpr char kHost[] = "[-0-9A-Za-z.:\\[\\]()%_]*?";
constexpr char kSeverity[] = "[A-Z0-9]{1,13}:  ";

std::vector<Case> Cases() {
  const std::string timestamp = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} [^ ]+";
  const std::string timestamp_ms = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} [^ ]+";
  const std::string host_characters = "[-0-9A-Za-z.:\\[\\]()%_]";
  // Padding: a pid on the left, a user on the right and a database on the left, a host on the
  // right before a literal that is a space too. A padded text escape is at least as wide as
  // asked, with its spaces, which are trimmed from it (a value may hold spaces itself).
  std::vector<Field> padded_fields = {&PrefixFields::timestamp};
  std::string padded = Atomic(timestamp_ms, 2) + " \\[";
  padded += Padded(5, "\\d", 1, 3, &PrefixFields::pid, padded_fields);
  padded += "\\] (.{10,}?)@(.{12,}?) ";
  padded_fields.insert(padded_fields.end(), {{&PrefixFields::user, Value::kTrimmed},
                                             {&PrefixFields::database, Value::kTrimmed}});
  // A host may be empty (a process of no client): then all spaces.
  padded += Padded(-16, host_characters, 0, 2 + static_cast<int>(padded_fields.size()),
                   &PrefixFields::client, padded_fields) +
            " ";
  // And each before a literal that begins with a space: a pid on the right, a host on the left,
  // "host(port)" on the right, a user on the left, then an unpadded database.
  std::vector<Field> spaced_fields = {&PrefixFields::timestamp};
  std::string spaced = Atomic(timestamp_ms, 2) + " ";
  spaced += Padded(-7, "\\d", 1, 3, &PrefixFields::pid, spaced_fields) + " ";
  spaced += Padded(10, host_characters, 0, 2 + static_cast<int>(spaced_fields.size()),
                   &PrefixFields::client, spaced_fields) +
            " ";
  spaced += Padded(-22, host_characters, 0, 2 + static_cast<int>(spaced_fields.size()),
                   {&PrefixFields::client, Value::kHostOfHostAndPort}, spaced_fields) +
            " (.{10,}?) (.*?) ";
  spaced_fields.insert(spaced_fields.end(),
                       {{&PrefixFields::user, Value::kTrimmed}, &PrefixFields::database});
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
      {"%m [%5p] %-10u@%12d %-16h ", padded, padded_fields},
      {"%m %-7p %10h %-22r %10u %d ", spaced, spaced_fields},
      // A host before a literal that may begin among its characters (an IPv6 address holds
      // colons): the first try cannot take the host's characters whole.
      {"%m %h:%p %u ",
       Atomic(timestamp_ms, 2) + " (" + kHost + "):" + Atomic("-?\\d+", 4) + " (.*?) ",
       {&PrefixFields::timestamp, &PrefixFields::client, &PrefixFields::pid, &PrefixFields::user}},
      // %n, %c, %e and %r: an epoch, a session id, a SQLSTATE and "host(port)".
      {"%n %c %e %r %a ",
       Atomic("\\d+\\.\\d{3}", 2) + " " + Atomic("[0-9a-f]+\\.[0-9a-f]+", 3) + " [A-Z0-9]{5} (" +
           kHost + ") (.*?) ",
       {&PrefixFields::timestamp,
        &PrefixFields::session_id,
        {&PrefixFields::client, Value::kHostOfHostAndPort},
        &PrefixFields::application}},
  };
}

// The value `field` takes from a group's text.
std::string ValueOf(const Field& field, const std::string& text) {
  switch (field.value) {
    case Value::kAsIs:
      break;
    case Value::kTrimmed: {
      const std::size_t first = text.find_first_not_of(' ');
      return first == std::string::npos
                 ? ""
                 : text.substr(first, text.find_last_not_of(' ') + 1 - first);
    }
    case Value::kHostOfHostAndPort: {
      // What precedes the last "(...)" the text ends with: the port PostgreSQL writes after the
      // host; "[local]" has none.
      std::smatch host;
      static const std::regex kWithPort("^(.*)\\([^(]*\\)$");
      return std::regex_match(text, host, kWithPort) ? host[1].str() : text;
    }
  }
  return text;
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
  // A session id's half: a few hex digits.
  std::string Hex() {
    static const char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (std::uint32_t n = 1 + Next() % 8; n > 0; --n) hex += kDigits[Next() % 16];
    return hex;
  }
  std::string Line(const char* prefix) {
    std::string line;
    for (const char* at = prefix; *at != '\0'; ++at) {
      if (*at != '%') {
        line += *at;
        continue;
      }
      const bool on_the_right = *++at == '-';
      if (on_the_right) ++at;
      std::size_t width = 0;
      for (; *at >= '0' && *at <= '9'; ++at)
        width = width * 10 + static_cast<std::size_t>(*at - '0');
      std::string value;
      switch (*at) {
        case 'm':
        case 't': {
          // The timestamp the prefix asks for, or (one line in eight) the other.
          const bool milliseconds = (*at == 'm') != (Next() % 8 == 0);
          value = milliseconds ? "2026-12-03 22:23:17.110 UTC" : "2026-12-03 22:23:17 UTC";
          break;
        }
        case 'n':
          value = Next() % 8 == 0 ? "1764800597" : "1764800597.110";
          break;
        case 'p':
        case 'l':
          value = std::to_string(Next() % 100000);
          break;
        case 'c':
          value = Next() % 8 == 0 ? Text() : Hex() + "." + Hex();
          break;
        case 'e':
          value = Next() % 8 == 0 ? Text() : "28000";
          break;
        case 'h':
          value = Next() % 3 == 0 ? Text() : "10.0." + std::to_string(Next() % 256) + ".9";
          break;
        case 'r':
          value = Next() % 3 == 0   ? Text()
                  : Next() % 4 == 0 ? "[local]"
                                    : "10.0." + std::to_string(Next() % 256) + ".9(" +
                                          std::to_string(Next() % 65536) + ")";
          break;
        case 'q':
          if (Next() % 3 == 0) return line + "LOG:  starting";
          continue;
        default:
          value = Text();
      }
      // Padded as PostgreSQL pads it, or (one in eight) with a space too many or too few.
      std::size_t spaces = value.size() < width ? width - value.size() : 0;
      if (width > 0 && Next() % 8 == 0)
        spaces = Next() % 2 == 0 ? spaces + 1 : spaces - (spaces > 0);
      line += on_the_right ? value + std::string(spaces, ' ') : std::string(spaces, ' ') + value;
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
        std::string_view PrefixFields::*member = test.fields[field].member;
        if (member == nullptr) continue;
        auto known = std::find_if(expected.begin(), expected.end(),
                                  [&](const auto& value) { return value.first == member; });
        if (known == expected.end()) known = expected.insert(known, {member, ""});
        if (groups[field + 2].matched) {
          known->second = ValueOf(test.fields[field], groups[field + 2].str());
        }
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
