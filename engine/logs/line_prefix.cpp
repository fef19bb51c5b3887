#include "engine/logs/line_prefix.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "engine/core/byte_words.h"

namespace pgward::logs {
namespace {

using Element = LinePrefix::Element;
using Kind = LinePrefix::Kind;
using Field = LinePrefix::Field;

constexpr std::size_t kNoMatch = std::string_view::npos;

// Backtracking tries per line: a prefix of a few text escapes needs a handful; a hostile line
// cannot make the match take longer than this.
constexpr int kStepBudget = 512;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

// What %h and %r print: IPv4 and IPv6 addresses (with a %zone), host names, "[local]", and %r's
// "(port)". Telling them from free text is what lets `app=%a,client=%h` find the client when
// the application name holds ",client=".
// Looked up, not compared: the matcher tests every byte of a client's address this way.
constexpr std::array<bool, 256> kHostChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '(' || c == ')' ||
               c == '%' || c == '_';
  }
  return table;
}();

bool IsHostChar(char c) { return kHostChars[static_cast<unsigned char>(c)]; }

// Where the run of host characters from `at` ends: four bytes a test while four are left, as a
// client's address (a dozen bytes) is read on most lines.
[[gnu::always_inline]] inline std::size_t HostEnd(std::string_view line, std::size_t at) {
  for (; line.size() - at >= 4; at += 4) {
    if (!IsHostChar(line[at])) return at;
    if (!IsHostChar(line[at + 1])) return at + 1;
    if (!IsHostChar(line[at + 2])) return at + 2;
    if (!IsHostChar(line[at + 3])) return at + 3;
  }
  while (at < line.size() && IsHostChar(line[at])) ++at;
  return at;
}

// The bytes of a severity (LOG, FATAL, DEBUG1, ...): upper-case letters and digits.
constexpr std::array<bool, 256> kSeverityChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return table;
}();

// Whether the literal `element` starts at `at` (the line has its bytes from `at` on): compared
// in place, a word at a time, without a call to memcmp.
bool LiteralAt(const Element& element, std::string_view line, std::size_t at) {
  if (element.word_masks[0] != 0 && line.size() - at >= 16) {
    return (((Load8(line.data() + at) ^ element.words[0]) & element.word_masks[0]) |
            ((Load8(line.data() + at + 8) ^ element.words[1]) & element.word_masks[1])) == 0;
  }
  const std::string& literal = element.literal;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    if (line[at + i] != literal[i]) return false;
  }
  return true;
}

// Where the literal `element` ends when it starts at `at`, or kNoMatch.
std::size_t MatchLiteral(const Element& element, std::string_view line, std::size_t at) {
  if (line.size() - at < element.literal.size()) return kNoMatch;
  return LiteralAt(element, line, at) ? at + element.literal.size() : kNoMatch;
}

// A timestamp's shape ("dddd-dd-dd dd:dd:dd.ddd", d a digit), compared 8 bytes at a time: on
// most prefixes' every line. In each word, a digit's byte has 3 as its high half (mask and
// expected) and stays below 0x40 when 6 is added (add and digits); every other byte is as
// written.
struct ShapeWord {
  std::size_t offset;
  std::uint64_t mask, expected, add, digits;
};
struct TimestampShape {
  std::size_t length;
  ShapeWord words[3];
};

constexpr TimestampShape MakeTimestampShape(bool milliseconds) {
  constexpr std::string_view kShape = "dddd-dd-dd dd:dd:dd.ddd";
  TimestampShape shape{milliseconds ? kShape.size() : kShape.size() - 4, {}};
  const std::size_t offsets[3] = {0, 8, shape.length - 8};
  for (std::size_t w = 0; w < 3; ++w) {
    ShapeWord& word = shape.words[w];
    word.offset = offsets[w];
    for (std::size_t i = 0; i < 8; ++i) {
      const char c = kShape[offsets[w] + i];
      const bool digit = c == 'd';
      // The text's first byte is the word's lowest (Load8).
      const std::size_t shift = 8 * i;
      word.mask |= std::uint64_t{digit ? 0xf0u : 0xffu} << shift;
      word.expected |= std::uint64_t{digit ? 0x30u : static_cast<unsigned char>(c)} << shift;
      word.add |= std::uint64_t{digit ? 0x06u : 0x00u} << shift;
      word.digits |= std::uint64_t{digit ? 0xf0u : 0x00u} << shift;
    }
  }
  return shape;
}

std::size_t SkipDigits(std::string_view line, std::size_t at, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i, ++at) {
    if (at >= line.size() || !IsDigit(line[at])) return kNoMatch;
  }
  return at;
}

std::size_t SkipChar(std::string_view line, std::size_t at, char c) {
  return at < line.size() && line[at] == c ? at + 1 : kNoMatch;
}

// Made when pgward is compiled: a function's static would be checked at every line.
constexpr TimestampShape kWithMilliseconds = MakeTimestampShape(true);
constexpr TimestampShape kWithout = MakeTimestampShape(false);

// "2026-12-03 22:13:40" with `milliseconds` ".123", then " " and the zone's abbreviation: in most
// prefixes on every line, so its shape is compared at once, position by position.
[[gnu::always_inline]] inline std::size_t MatchTimestamp(std::string_view line, std::size_t at,
                                                         bool milliseconds) {
  const TimestampShape& shape = milliseconds ? kWithMilliseconds : kWithout;
  const std::size_t length = shape.length;
  if (line.size() - at < length + 1) return kNoMatch;
  bool matches = true;
  for (const ShapeWord& word : shape.words) {
    const std::uint64_t bytes = Load8(line.data() + at + word.offset);
    // A digit's byte passing the first test is below 0x40: adding 6 carries into no other byte.
    matches &= ((bytes & word.mask) == word.expected) &
               (((bytes + word.add) & word.digits) == (word.expected & word.digits));
  }
  if (!matches) return kNoMatch;
  at += length;
  if (line[at] != ' ') return kNoMatch;
  const std::size_t zone = ++at;
  while (at < line.size() && line[at] != ' ') ++at;
  return at > zone ? at : kNoMatch;
}

std::size_t MatchRun(std::string_view line, std::size_t at, bool (*accepts)(char)) {
  const std::size_t start = at;
  while (at < line.size() && accepts(line[at])) ++at;
  return at > start ? at : kNoMatch;
}

// %p %l %x: digits (elog.c prints them with %d, %ld and %u: never negative); %Q's after its
// sign.
std::size_t MatchDigits(std::string_view line, std::size_t at) {
  std::size_t end = at;
  // A word at a time while one is left.
  for (; line.size() - end >= 8; end += 8) {
    const std::uint64_t others = NonDigitBytes(Load8(line.data() + end));
    if (others != 0) {
      end += static_cast<std::size_t>(std::countr_zero(others) / 8);
      return end > at ? end : kNoMatch;
    }
  }
  while (end < line.size() && IsDigit(line[end])) ++end;
  return end > at ? end : kNoMatch;
}

// The fixed-shape escapes: where the element ends, or kNoMatch.
std::size_t MatchFixed(const Element& element, std::string_view line, std::size_t at) {
  switch (element.kind) {
    case Kind::kLiteral:
      return MatchLiteral(element, line, at);
    case Kind::kTimestampMs:
      return MatchTimestamp(line, at, true);
    case Kind::kTimestamp:
      return MatchTimestamp(line, at, false);
    case Kind::kEpoch: {
      at = MatchRun(line, at, IsDigit);
      if (at == kNoMatch) return kNoMatch;
      at = SkipChar(line, at, '.');
      return at == kNoMatch ? kNoMatch : SkipDigits(line, at, 3);
    }
    case Kind::kDigits:
      return MatchDigits(line, at);
    case Kind::kQueryId:
      return MatchDigits(line, at < line.size() && line[at] == '-' ? at + 1 : at);
    case Kind::kSessionId: {
      at = MatchRun(line, at, IsHex);
      if (at == kNoMatch) return kNoMatch;
      at = SkipChar(line, at, '.');
      return at == kNoMatch ? kNoMatch : MatchRun(line, at, IsHex);
    }
    case Kind::kSqlState:
      for (int i = 0; i < 5; ++i, ++at) {
        if (at >= line.size() || !((line[at] >= 'A' && line[at] <= 'Z') || IsDigit(line[at]))) {
          return kNoMatch;
        }
      }
      return at;
    case Kind::kText:
    case Kind::kHost:
      break;
  }
  return kNoMatch;
}

// A padded escape's value is written with spaces up to the width, before it (%10u) or after it
// (%-10u), and a longer value whole (elog.c: appendStringInfo's "%*s"): a value shorter than the
// width is exactly that many bytes with its spaces.

// An element padded on the left starts after the spaces, at most as many as the width (an empty
// value's, when what follows begins with spaces too): all of them, as the value's length is not
// known yet (PaddedEnd checks their count once it is).
std::size_t SkipLeftPadding(const Element& element, std::string_view line, std::size_t at) {
  if (element.padding > 0) {
    const std::size_t last = std::min(line.size(), at + static_cast<std::size_t>(element.padding));
    while (at < last && line[at] == ' ') ++at;
  }
  return at;
}

// Where a padded text escape's value, with its padding's spaces, can end at the earliest: the
// server writes at least the width (`padded_from`: where its left padding began).
std::size_t ShortestTextEnd(const Element& element, std::size_t padded_from, std::size_t at) {
  return std::max(at, padded_from + static_cast<std::size_t>(std::abs(element.padding)));
}

// For a value at [start, end) of a fixed-shape escape or a host, after `skipped` spaces: where
// what follows it starts, past the spaces of a padding on the right; kNoMatch when the spaces on
// either side are not the padding of a value of that length. (A text escape's value may hold
// spaces itself: its padding is trimmed from it instead.)
std::size_t PaddedEnd(const Element& element, std::string_view line, std::size_t skipped,
                      std::size_t start, std::size_t end) {
  if (element.padding == 0) return end;
  const std::size_t width = static_cast<std::size_t>(std::abs(element.padding));
  const std::size_t spaces = end - start < width ? width - (end - start) : 0;
  if (element.padding > 0) return skipped == spaces ? end : kNoMatch;
  if (line.size() - end < spaces) return kNoMatch;
  for (std::size_t i = end; i < end + spaces; ++i) {
    if (line[i] != ' ') return kNoMatch;
  }
  return end + spaces;
}

// A fixed-shape element at `at`, after `skipped` spaces of a padding on the left: its span, and
// where what follows it starts (after the spaces of a padding on the right); kNoMatch when it does
// not match.
std::size_t MatchFixedElement(const Element& element, std::string_view line, std::size_t skipped,
                              std::size_t at, std::pair<std::size_t, std::size_t>& span) {
  const std::size_t end = MatchFixed(element, line, at);
  if (end == kNoMatch) return kNoMatch;
  span = {at, end};
  return PaddedEnd(element, line, skipped, at, end);
}

// line.find(next.literal, from) for the literals of a prefix (FindFirstByte).
[[gnu::always_inline]] inline std::size_t FindNextLiteral(const Element& next,
                                                          std::string_view line, std::size_t from) {
  if (from > line.size() || line.size() - from < next.literal.size()) return kNoMatch;
  return FindFirstByte(line, next.literal[0], from, line.size() - next.literal.size(),
                       [&](std::size_t at) { return LiteralAt(next, line, at); });
}

// "LOG:  ", the severity of most lines and what follows it, as the first six bytes of a word.
constexpr std::string_view kLog = "LOG:  ";
constexpr std::uint64_t kLogWord = [] {
  std::uint64_t word = 0;
  for (std::size_t i = kLog.size(); i-- > 0;)
    word = word << 8 | static_cast<unsigned char>(kLog[i]);
  return word;
}();
constexpr std::uint64_t kLogMask = (std::uint64_t{1} << (8 * kLog.size())) - 1;

// The severity that follows the prefix at `at`: upper-case letters and digits, then ":  ". Where
// it ends (its colon), or kNoMatch.
[[gnu::always_inline]] inline std::size_t SeverityEnd(std::string_view line, std::size_t at) {
  // The longest severity is "STATEMENT" (and DEBUG1-5, WARNING, LOCATION): a few letters.
  constexpr std::size_t kLongestSeverity = 12;
  if (line.size() - at >= 8 && (Load8(line.data() + at) & kLogMask) == kLogWord) return at + 3;
  const std::size_t start = at;
  const std::size_t limit = std::min(line.size(), start + kLongestSeverity + 1);
  while (at < limit && kSeverityChars[static_cast<unsigned char>(line[at])]) ++at;
  if (at == start || line.size() - at < 3 || line[at] != ':' || line[at + 1] != ' ' ||
      line[at + 2] != ' ') {
    return kNoMatch;
  }
  return at;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

struct Matcher {
  const std::vector<Element>& elements;
  std::size_t count;  // elements in use: all, or those before %q
  std::string_view line;
  std::vector<std::pair<std::size_t, std::size_t>>& spans;  // per element: [start, end)
  int steps = 0;

  // Whether elements[index...] match from `at`, followed by the severity.
  std::size_t From(std::size_t index, std::size_t at) {
    if (++steps > kStepBudget) return kNoMatch;
    if (index == count) return SeverityEnd(line, at) != kNoMatch ? at : kNoMatch;
    const Element& element = elements[index];
    const std::size_t padded_from = at;
    at = SkipLeftPadding(element, line, at);
    const bool host = element.kind == Kind::kHost;
    if (element.kind != Kind::kText && !host) {
      const std::size_t end = MatchFixedElement(element, line, at - padded_from, at, spans[index]);
      return end == kNoMatch ? kNoMatch : From(index + 1, end);
    }
    if (host && element.padding != 0) {
      // Host characters, then the padding's spaces, which end it: from the shortest.
      for (std::size_t end = at; end <= line.size(); ++end) {
        if (end > at && !IsHostChar(line[end - 1])) return kNoMatch;
        const std::size_t after = PaddedEnd(element, line, at - padded_from, at, end);
        if (after == kNoMatch) continue;
        spans[index] = {at, end};
        const std::size_t matched = From(index + 1, after);
        if (matched != kNoMatch || steps > kStepBudget) return matched;
      }
      return kNoMatch;
    }
    // Text: as short as lets the rest match (it cannot hold the line's end).
    for (std::size_t end = host ? at : ShortestTextEnd(element, padded_from, at);
         end <= line.size(); ++end) {
      if (host && end > at && !IsHostChar(line[end - 1])) return kNoMatch;
      spans[index] = {at, end};
      const std::size_t matched = From(index + 1, end);
      if (matched != kNoMatch) return matched;
      if (steps > kStepBudget) return kNoMatch;
      if (index + 1 < count && elements[index + 1].kind == Kind::kLiteral &&
          !elements[index + 1].literal.empty()) {
        // Jump to the next place the following literal starts.
        const std::size_t next = FindNextLiteral(elements[index + 1], line, end + 1);
        if (next == std::string_view::npos) return kNoMatch;
        if (host) {
          for (std::size_t i = end; i < next; ++i) {
            if (!IsHostChar(line[i])) return kNoMatch;
          }
        }
        end = next - 1;
      }
    }
    return kNoMatch;
  }
};

// The member of PrefixFields a field writes: %h and %r both write the client.
Field Destination(Field field) { return field == Field::kHostAndPort ? Field::kHost : field; }

void AddLiteral(std::vector<Element>& elements, char c) {
  if (elements.empty() || elements.back().kind != Kind::kLiteral) elements.push_back({});
  elements.back().literal += c;
}

}  // namespace

LinePrefix::LinePrefix(std::string_view prefix) {
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != '%') {
      AddLiteral(elements_, prefix[i]);
      continue;
    }
    if (++i >= prefix.size()) break;  // a lone % at the end prints nothing
    int padding = 0;
    const bool negative = prefix[i] == '-';
    if ((negative && i + 1 < prefix.size() && IsDigit(prefix[i + 1])) || IsDigit(prefix[i])) {
      if (negative) ++i;
      while (i < prefix.size() && IsDigit(prefix[i])) {
        padding = std::min(padding * 10 + (prefix[i] - '0'), 1000);
        ++i;
      }
      if (negative) padding = -padding;
      if (i >= prefix.size()) break;
    }
    Element element;
    element.padding = padding;
    switch (prefix[i]) {
      case '%':
        AddLiteral(elements_, '%');
        continue;
      case 'm':
        element = {Kind::kTimestampMs, Field::kTimestamp, "", padding};
        break;
      case 't':
        element = {Kind::kTimestamp, Field::kTimestamp, "", padding};
        break;
      case 's':
        element = {Kind::kTimestamp, Field::kNone, "", padding};
        break;
      case 'n':
        element = {Kind::kEpoch, Field::kTimestamp, "", padding};
        break;
      case 'p':
        element = {Kind::kDigits, Field::kPid, "", padding};
        break;
      case 'l':
      case 'x':
        element = {Kind::kDigits, Field::kNone, "", padding};
        break;
      case 'Q':
        element = {Kind::kQueryId, Field::kNone, "", padding};
        break;
      case 'c':
        element = {Kind::kSessionId, Field::kSessionId, "", padding};
        has_session_id_ = true;
        break;
      case 'e':
        element = {Kind::kSqlState, Field::kNone, "", padding};
        break;
      case 'u':
        element = {Kind::kText, Field::kUser, "", padding};
        writes_client_text_ = true;
        break;
      case 'd':
        element = {Kind::kText, Field::kDatabase, "", padding};
        writes_client_text_ = true;
        break;
      case 'b':
        element = {Kind::kText, Field::kBackendType, "", padding};
        break;
      case 'a':
        element = {Kind::kText, Field::kApplication, "", padding};
        has_application_ = true;
        writes_client_text_ = true;
        break;
      case 'h':
        element = {Kind::kHost, Field::kHost, "", padding};
        has_client_ = true;
        writes_client_text_ = true;
        break;
      case 'r':
        element = {Kind::kHost, Field::kHostAndPort, "", padding};
        has_client_ = true;
        writes_client_text_ = true;
        break;
      case 'i':
      case 'v':
      case 'P':
        element = {Kind::kText, Field::kNone, "", padding};
        break;
      case 'q':
        // What follows is an element of its own, even a literal: a non-session line ends here.
        if (session_only_at_ == 0) session_only_at_ = elements_.size() + 1;
        elements_.push_back({Kind::kLiteral, Field::kNone, "", 0});
        continue;
      default:
        continue;  // PostgreSQL prints nothing for an escape it does not know
    }
    elements_.push_back(std::move(element));
  }
  // session_only_at_ holds the index of %q plus one while parsing, 0 for none.
  session_only_at_ = session_only_at_ == 0 ? elements_.size() : session_only_at_ - 1;
  spans_.resize(elements_.size());
  for (std::size_t i = 0; i < elements_.size(); ++i) {
    Element& element = elements_[i];
    if (element.field != Field::kNone) field_elements_.push_back(i);
    if (element.field != Field::kNone && i >= session_only_at_ &&
        std::none_of(elements_.begin(), elements_.begin() + session_only_at_,
                     [&](const Element& before) {
                       return Destination(before.field) == Destination(element.field);
                     })) {
      session_only_fields_.push_back(i);
    }
    const std::size_t size = element.literal.size();
    if (element.kind != Kind::kLiteral || size == 0 || size > 16) continue;
    unsigned char words[16] = {}, masks[16] = {};
    std::memcpy(words, element.literal.data(), size);
    std::memset(masks, 0xff, size);
    std::memcpy(element.words, words, 16);
    std::memcpy(element.word_masks, masks, 16);
  }
  all_steps_ = Compile(elements_.size());
  session_steps_ = Compile(session_only_at_);
}

namespace {

// The member of PrefixFields a field's value is written to as it is; null for none, and for %r's
// "host(port)", which Store takes apart.
std::string_view PrefixFields::*MemberOf(Field field) {
  switch (field) {
    case Field::kTimestamp:
      return &PrefixFields::timestamp;
    case Field::kPid:
      return &PrefixFields::pid;
    case Field::kSessionId:
      return &PrefixFields::session_id;
    case Field::kUser:
      return &PrefixFields::user;
    case Field::kDatabase:
      return &PrefixFields::database;
    case Field::kApplication:
      return &PrefixFields::application;
    case Field::kHost:
      return &PrefixFields::client;
    case Field::kBackendType:
      return &PrefixFields::backend_type;
    case Field::kNone:
    case Field::kHostAndPort:
      break;
  }
  return nullptr;
}

}  // namespace

// Inlined into the matchers, which call it for each value of each line.
[[gnu::always_inline]] inline void LinePrefix::Store(const Element& element, std::string_view value,
                                                     bool matched, PrefixFields& fields) {
  if (element.field == Field::kHostAndPort) {
    // "host(port)" over TCP, "[local]" over the Unix socket.
    const std::size_t open = value.rfind('(');
    fields.client =
        open != std::string_view::npos && value.back() == ')' ? value.substr(0, open) : value;
    return;
  }
  const auto member = MemberOf(element.field);
  if (member == nullptr) return;
  fields.*member = value;
  if (element.field == Field::kTimestamp) fields.epoch_timestamp = element.kind == Kind::kEpoch;
  if (element.field == Field::kApplication) fields.application_matched = matched;
}

LinePrefix::Program LinePrefix::Compile(std::size_t count) const {
  Program program;
  std::vector<Step>& steps = program.steps;
  for (std::size_t i = 0; i < count; ++i) {
    const Element& element = elements_[i];
    Step step{Step::Op::kPadded, static_cast<std::uint32_t>(i), kNoLiteral};
    if (element.field == Field::kApplication) program.application_matched = true;
    if (element.field == Field::kTimestamp) program.epoch_timestamp = element.kind == Kind::kEpoch;
    const bool text = element.kind == Kind::kText || element.kind == Kind::kHost;
    const bool next_is_literal = i + 1 < count && elements_[i + 1].kind == Kind::kLiteral &&
                                 !elements_[i + 1].literal.empty();
    if (text) {
      if (!next_is_literal) {
        steps.push_back({Step::Op::kUndecided, step.element, kNoLiteral});
        continue;
      }
      step.literal = static_cast<std::uint32_t>(++i);
    } else if (element.kind != Kind::kLiteral && element.padding == 0 && next_is_literal &&
               elements_[i + 1].literal.size() <= 16) {
      // A fixed-shape escape and the literal after it: one step fewer to dispatch per line.
      step.literal = static_cast<std::uint32_t>(++i);
    }
    if (element.padding == 0) {
      switch (element.kind) {
        case Kind::kLiteral:
          step.op = Step::Op::kLiteral;
          break;
        case Kind::kTimestamp:
          step.op = Step::Op::kTimestamp;
          break;
        case Kind::kTimestampMs:
          step.op = Step::Op::kTimestampMs;
          break;
        case Kind::kDigits:
          step.op = Step::Op::kDigits;
          break;
        case Kind::kText:
          step.op = Step::Op::kTextUntil;
          break;
        case Kind::kHost:
          // A literal that may begin among the host's characters is looked for instead.
          if (!IsHostChar(elements_[step.literal].literal[0])) step.op = Step::Op::kHostUntil;
          break;
        default:
          step.op = Step::Op::kFixed;
          break;
      }
    }
    // An epoch's timestamp is Store's.
    if (element.kind != Kind::kEpoch) step.destination = MemberOf(element.field);
    const std::uint32_t literal = element.kind == Kind::kLiteral ? step.element : step.literal;
    if (literal != kNoLiteral) {
      const Element& matched = elements_[literal];
      step.literal_size = static_cast<std::uint32_t>(matched.literal.size());
      if (step.literal_size > 16) step.op = Step::Op::kPadded;
      std::copy(std::begin(matched.words), std::end(matched.words), step.words);
      std::copy(std::begin(matched.word_masks), std::end(matched.word_masks), step.word_masks);
    }
    steps.push_back(step);
  }
  // The tail: the longest run of steps at the end that each end in a literal and write their
  // value to a field as read, or to none, from its first text escape on.
  std::size_t tail = steps.size();
  for (std::size_t i = steps.size(); i-- > 0;) {
    const Step& step = steps[i];
    const bool ends_in_literal =
        step.literal_size > 0 && step.op != Step::Op::kPadded && step.op != Step::Op::kUndecided;
    const bool stores_as_read =
        step.destination != nullptr || elements_[step.element].field == Field::kNone;
    if (!ends_in_literal || !stores_as_read) break;
    if (step.op == Step::Op::kTextUntil || step.op == Step::Op::kHostUntil) tail = i;
  }
  if (tail < steps.size()) {
    for (std::size_t i = tail; i < steps.size(); ++i) {
      const auto field = steps[i].destination;
      const auto written = program.tail_fields.begin() + program.tail_field_count;
      if (field != nullptr && std::find(program.tail_fields.begin(), written, field) == written) {
        program.tail_fields[program.tail_field_count++] = field;
      }
    }
    steps.insert(steps.begin() + static_cast<std::ptrdiff_t>(tail), Step{Step::Op::kTail});
  }
  steps.push_back({Step::Op::kEnd});
  return program;
}

namespace {

using Step = LinePrefix::Step;

// Whether the step's literal (1 to 16 bytes, in its words) starts at `at`: two words compared
// where the line has 16 bytes left, byte by byte otherwise. LiteralAt's comparison, without its
// case of a literal past 16 bytes, which a step never has: one shared by both cost the first try
// 5% more instructions.
[[gnu::always_inline]] inline bool StepLiteralAt(const Step& step, std::string_view line,
                                                 std::size_t at) {
  if (line.size() - at >= 16) {
    return (((Load8(line.data() + at) ^ step.words[0]) & step.word_masks[0]) |
            ((Load8(line.data() + at + 8) ^ step.words[1]) & step.word_masks[1])) == 0;
  }
  if (line.size() - at < step.literal_size) return false;
  for (std::size_t i = 0; i < step.literal_size; ++i) {
    if (line[at + i] != static_cast<char>(step.words[i / 8] >> (8 * (i % 8)))) return false;
  }
  return true;
}

// Where the step's literal first starts from `from` on, or kNoMatch (FindFirstByte).
[[gnu::always_inline]] inline std::size_t FindStepLiteral(const Step& step, std::string_view line,
                                                          std::size_t from) {
  if (from > line.size() || line.size() - from < step.literal_size) return kNoMatch;
  return FindFirstByte(line, static_cast<char>(step.words[0] & 0xff), from,
                       line.size() - step.literal_size,
                       [&](std::size_t at) { return StepLiteralAt(step, line, at); });
}

}  // namespace

// Writes the value of `step`'s escape to its field.
[[gnu::always_inline]] inline void LinePrefix::StoreStep(const Step& step, std::string_view value,
                                                         PrefixFields& fields) const {
  if (step.destination != nullptr) {
    fields.*step.destination = value;
  } else {
    Store(elements_[step.element], value, true, fields);
  }
}

[[gnu::always_inline]] inline std::size_t LinePrefix::MatchTimestampStep(const Step& step,
                                                                         std::string_view line,
                                                                         std::size_t at) const {
  const std::size_t size = timestamp_size_;
  // The same bytes where the same step matched them: the same shape and zone, which ends there
  // if the line does or a space follows.
  if (timestamp_step_ == &step && line.size() - at >= size &&
      SameBytes(line.data() + at, timestamp_bytes_.data(), size) &&
      (line.size() - at == size || line[at + size] == ' ')) {
    return at + size;
  }
  const std::size_t end = MatchTimestamp(line, at, step.op == Step::Op::kTimestampMs);
  if (end != kNoMatch && end - at <= timestamp_bytes_.size()) {
    timestamp_step_ = &step;
    timestamp_size_ = end - at;
    std::memcpy(timestamp_bytes_.data(), line.data() + at, timestamp_size_);
  }
  return end;
}

void LinePrefix::KeepTail(const Program& program, std::string_view line, std::size_t from,
                          std::size_t to, const PrefixFields& fields) const {
  if (to - from > kLongestTail) {
    tail_program_ = nullptr;
    return;
  }
  tail_program_ = &program;
  tail_size_ = to - from;
  std::memcpy(tail_bytes_.data(), line.data() + from, tail_size_);
  for (std::size_t i = 0; i < program.tail_field_count; ++i) {
    const std::string_view value = fields.*program.tail_fields[i];
    tail_values_[i] = {static_cast<std::uint32_t>(value.data() - (line.data() + from)),
                       static_cast<std::uint32_t>(value.size())};
  }
}

std::size_t LinePrefix::MatchFirstTry(const Program& program, std::string_view line,
                                      PrefixFields& fields) const {
  std::size_t at = 0;
  std::size_t tail_at = kNoMatch;  // where the tail begins, when it is matched step by step
  // The steps end with kEnd: no bound to compare at each step.
  for (const Step* step = program.steps.data();; ++step) {
    // Where a fixed-shape escape ends, whose value and literal are taken below.
    std::size_t end = kNoMatch;
    switch (step->op) {
      case Step::Op::kLiteral:
        if (!StepLiteralAt(*step, line, at)) return kNoMatch;
        at += step->literal_size;
        continue;
      case Step::Op::kTimestamp:
      case Step::Op::kTimestampMs:
        end = MatchTimestampStep(*step, line, at);
        break;
      case Step::Op::kDigits:
        end = MatchDigits(line, at);
        break;
      case Step::Op::kFixed:
        end = MatchFixed(elements_[step->element], line, at);
        break;
      case Step::Op::kTextUntil:
        end = FindStepLiteral(*step, line, at);
        if (end == kNoMatch) return kNoMatch;
        StoreStep(*step, std::string_view(line.data() + at, end - at), fields);
        at = end + step->literal_size;
        continue;
      case Step::Op::kHostUntil:
        // The literal begins with a byte no host has: where the host's characters end.
        end = HostEnd(line, at);
        if (!StepLiteralAt(*step, line, end)) return kNoMatch;
        StoreStep(*step, std::string_view(line.data() + at, end - at), fields);
        at = end + step->literal_size;
        continue;
      case Step::Op::kPadded:
        at = MatchPadded(*step, line, at, fields);
        if (at == kNoMatch) return kNoMatch;
        continue;
      case Step::Op::kUndecided:
        return kNoMatch;
      case Step::Op::kTail:
        if (tail_program_ == &program && line.size() - at >= tail_size_ &&
            SameBytes(line.data() + at, tail_bytes_.data(), tail_size_)) {
          // The bytes of the tail matched last: its values where they were, and kEnd next.
          for (std::size_t i = 0; i < program.tail_field_count; ++i) {
            fields.*program.tail_fields[i] =
                std::string_view(line.data() + at + tail_values_[i].first, tail_values_[i].second);
          }
          at += tail_size_;
          step = &program.steps.back() - 1;
        } else {
          tail_at = at;
        }
        continue;
      case Step::Op::kEnd: {
        const std::size_t severity_end = SeverityEnd(line, at);
        if (severity_end == kNoMatch) return kNoMatch;
        fields.severity = std::string_view(line.data() + at, severity_end - at);
        fields.application_matched = program.application_matched;
        if (program.epoch_timestamp) fields.epoch_timestamp = *program.epoch_timestamp;
        if (tail_at != kNoMatch) KeepTail(program, line, tail_at, at, fields);
        return at;
      }
    }
    if (end == kNoMatch) return kNoMatch;
    StoreStep(*step, std::string_view(line.data() + at, end - at), fields);
    at = end;
    if (step->literal != kNoLiteral) {
      if (!StepLiteralAt(*step, line, at)) return kNoMatch;
      at += step->literal_size;
    }
  }
}

std::size_t LinePrefix::MatchPadded(const Step& step, std::string_view line, std::size_t at,
                                    PrefixFields& fields) const {
  const Element& element = elements_[step.element];
  const std::size_t padded_from = at;
  at = SkipLeftPadding(element, line, at);
  const std::size_t start = at;
  if (step.literal == kNoLiteral) {
    at = MatchFixed(element, line, at);
    if (at == kNoMatch) return kNoMatch;
    if (element.field != Field::kNone) Store(element, line.substr(start, at - start), true, fields);
    return PaddedEnd(element, line, start - padded_from, start, at);
  }
  const Element& next = elements_[step.literal];
  if (element.kind == Kind::kHost && !IsHostChar(next.literal[0])) {
    // All the host's characters (the literal cannot begin among them), then the padding's
    // spaces, then the literal.
    const std::size_t host_end = HostEnd(line, at);
    const std::size_t after = PaddedEnd(element, line, start - padded_from, at, host_end);
    if (after == kNoMatch) return kNoMatch;
    at = MatchLiteral(next, line, after);
    if (at == kNoMatch) return kNoMatch;
    Store(element, line.substr(start, host_end - start), true, fields);
    return at;
  }
  const bool host = element.kind == Kind::kHost;
  const std::size_t end =
      FindNextLiteral(next, line, host ? at : ShortestTextEnd(element, padded_from, at));
  if (end == kNoMatch) return kNoMatch;
  if (host) {
    // Host characters, then the spaces of a padding on the right, up to the literal.
    std::size_t host_end = at;
    while (host_end < end && IsHostChar(line[host_end])) ++host_end;
    if (PaddedEnd(element, line, start - padded_from, at, host_end) != end) return kNoMatch;
    Store(element, line.substr(at, host_end - at), true, fields);
  } else {
    // A padding's spaces are in the value (a right padding's before the literal): trimmed.
    const std::string_view value = line.substr(at, end - at);
    Store(element, element.padding != 0 ? Trim(value) : value, true, fields);
  }
  return end + next.literal.size();
}

std::optional<std::size_t> LinePrefix::MatchAfterFirstTry(std::string_view line,
                                                          PrefixFields& fields) const {
  std::size_t used = elements_.size();
  const auto backtrack = [&] {
    Matcher matcher{elements_, used, line, spans_};
    const std::size_t end = matcher.From(0, 0);
    if (end == kNoMatch) return kNoMatch;
    // Only the fields this prefix has are written (assigning a whole PrefixFields costs a tenth
    // of a match). The first try may have written some before it failed: all are written again.
    fields.application_matched = false;
    for (const std::size_t i : field_elements_) {
      if (i >= used) break;
      const std::string_view span =
          line.substr(spans_[i].first, spans_[i].second - spans_[i].first);
      // The spaces of a padding are not the value's; without one, a space is (a user name may
      // begin with one).
      Store(elements_[i], elements_[i].padding != 0 ? Trim(span) : span, true, fields);
    }
    // Found by the matcher too, which keeps only where the prefix ends.
    fields.severity = std::string_view(line.data() + end, SeverityEnd(line, end) - end);
    return end;
  };
  std::size_t end = backtrack();
  if (end == kNoMatch && session_only_at_ < elements_.size()) {
    used = session_only_at_;
    end = MatchFirstTry(session_steps_, line, fields);
    if (end == kNoMatch) end = backtrack();
  }
  if (end == kNoMatch) return std::nullopt;
  // Those cut off with the rest of a line after %q become empty.
  if (used < elements_.size()) {
    for (const std::size_t i : session_only_fields_) Store(elements_[i], {}, false, fields);
  }
  return end;
}

}  // namespace pgward::logs
