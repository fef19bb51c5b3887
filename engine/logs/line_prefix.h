#pragma once

// log_line_prefix, read back: PostgreSQL writes the prefix before each stderr log line
// (elog.c, log_line_prefix()), and pgward takes it apart again to know which backend, user,
// database, client and time a line belongs to.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgward::logs {

// PostgreSQL 15's default.
inline constexpr char kDefaultLogLinePrefix[] = "%m [%p] ";

// What a prefix told of one line. Views into the line; empty when the prefix has no such escape
// or the value was empty ("[unknown]" is kept as written: the reader decides).
struct PrefixFields {
  std::string_view timestamp;  // %m, %t (as written), or %n (epoch seconds with milliseconds)
  bool epoch_timestamp = false;
  std::string_view pid;           // %p
  std::string_view session_id;    // %c
  std::string_view user;          // %u
  std::string_view database;      // %d
  std::string_view application;   // %a
  std::string_view client;        // %h, or the host of %r
  std::string_view backend_type;  // %b
  // %a was matched (not cut off with the rest of a line that is not a session's, after %q).
  bool application_matched = false;
  // What follows the prefix up to ":  " (LOG, FATAL, ...): the matchers found it to know where
  // the prefix ends.
  std::string_view severity;
};

class LinePrefix {
 public:
  // Compiles `prefix` as postgresql.conf holds it (without the quotes). An escape PostgreSQL
  // does not know is printed by it as nothing, and matched here as nothing.
  explicit LinePrefix(std::string_view prefix);

  // Matches the start of `line`. On success returns the length of the prefix, so that the
  // severity ("LOG:  ") starts there, and fills `fields`: the severity and those of its escapes
  // (the others keep what they held, empty when only this prefix fills `fields`). On failure
  // `fields` may hold part of a line's values. Not for two threads at once: each reader has its
  // own.
  // Inline: a line the first try matches (most) costs the reader's loop one call.
  std::optional<std::size_t> Match(std::string_view line, PrefixFields& fields) const {
    // A prefix is short (its text escapes hold names of at most 63 bytes): matching within the
    // line's first bytes keeps a hostile line of megabytes from being scanned once per step.
    line = std::string_view(line.data(), std::min(line.size(), kLongestPrefix));
    const std::size_t end = MatchFirstTry(all_steps_, line, fields);
    if (end != std::string_view::npos) return end;
    return MatchAfterFirstTry(line, fields);
  }

  bool has_session_id() const { return has_session_id_; }
  bool has_client() const { return has_client_; }
  bool has_application() const { return has_application_; }
  // Whether it writes text a client chooses (%u, %d, %a, and %h, %r: a host name is the client's
  // DNS's): LogEntry::forgeable.
  bool writes_client_text() const { return writes_client_text_; }

  // The element kinds and the first try's steps, public for the matchers' helpers.
  enum class Kind {
    kLiteral,
    kTimestampMs,  // %m: 2026-12-03 22:13:40.123 UTC
    kTimestamp,    // %t and %s: 2026-12-03 22:13:40 UTC
    kEpoch,        // %n: 1764800020.123
    kDigits,       // %p %l %x: digits
    kQueryId,      // %Q: digits, negative too (a signed 64-bit number)
    kSessionId,    // %c: 6b11ebd5.6e70
    kSqlState,     // %e: five characters
    kText,         // %u %d %a %b %i %v %P: anything, as short as the rest allows
    kHost,         // %h %r: as kText, of the characters of addresses and host names only
  };
  enum class Field {
    kNone,
    kTimestamp,
    kPid,
    kSessionId,
    kUser,
    kDatabase,
    kApplication,
    kHost,
    kHostAndPort,
    kBackendType
  };
  struct Element {
    Kind kind = Kind::kLiteral;
    Field field = Field::kNone;
    std::string literal;
    int padding = 0;  // %-10u: -10 (padded on the right), %10u: 10 (on the left)
    // A literal of 1 to 16 bytes as the two 8-byte words it starts, and which of the words'
    // bytes are its: compared with two loads where the line has 16 bytes left.
    std::uint64_t words[2] = {}, word_masks[2] = {};
  };
  // One step of the first try, compiled from the elements: a text escape and the literal after
  // it are one step, so is an unpadded fixed-shape escape and a literal of 1 to 16 bytes after
  // it, and a value is written to its field as soon as it is read. An escape with a padding
  // takes the slower step that handles its spaces (MatchPadded).
  static constexpr std::uint32_t kNoLiteral = ~std::uint32_t{0};
  static constexpr std::size_t kValueFields = 8;  // PrefixFields' values, timestamp to backend_type
  struct Step {
    enum class Op : std::uint8_t {
      kLiteral,
      kTimestamp,
      kTimestampMs,
      kDigits,
      kFixed,      // any other fixed-shape escape
      kTextUntil,  // a text escape, as short as lets the literal after it follow
      kHostUntil,  // %h or %r, then a literal that begins with a byte no host has
      kPadded,     // a padded escape, one before a literal of over 16 bytes, and %h or %r
                   // before a literal that may begin in a host
      kUndecided,  // a text escape no literal follows: the first try cannot place its end
      kTail,       // where the program's tail begins (Program::tail_fields)
      kEnd,        // the last step: the severity follows
    };
    Op op = Op::kLiteral;
    std::uint32_t element = 0;  // the escape's (or the literal's) index in elements_, whose
                                // field and padding it has
    std::uint32_t literal = kNoLiteral;  // the index of the literal the step matches after its
                                         // escape, if it has one
    // The literal this step matches (its own, or the one after its escape), copied from its
    // element, so that a step reads nothing else on most lines: its length, and its words and
    // masks when it is 1 to 16 bytes long (Element::words); longer ones take kPadded.
    std::uint32_t literal_size = 0;
    std::uint64_t words[2] = {}, word_masks[2] = {};
    // Where the escape's value goes when it is written as read (Store for the others: %r's
    // host, %n's epoch); null for none.
    std::string_view PrefixFields::*destination = nullptr;
  };
  // The first try's steps, and what a match by all of them sets besides the values, once at its
  // end: %a was matched (it is among them), and whether the timestamp is an epoch (as the last
  // of them that writes it says; nothing when none does).
  // Its tail, from a kTail step to the end, if it has one: its first text escape and the steps
  // after it, each of which ends in a literal (so reads nothing past it) and writes its value to
  // a field as it reads it, or to none. A line that repeats, from where the tail begins to the
  // prefix's end, the bytes of the line whose tail the first try matched last (the same user,
  // database, application and client: consecutive lines mostly share them) matches them the
  // same way: its values are where that line's were.
  struct Program {
    std::vector<Step> steps;
    bool application_matched = false;
    std::optional<bool> epoch_timestamp;
    // The fields its tail writes (of PrefixFields' eight values).
    std::array<std::string_view PrefixFields::*, kValueFields> tail_fields{};
    std::size_t tail_field_count = 0;
  };

 private:
  // The first try: each text escape as short as lets the literal after it follow, without going
  // back. When it matches, the backtracking matcher, which tries exactly this first, finds it too;
  // when it does not, that matcher decides.
  std::size_t MatchFirstTry(const Program& program, std::string_view line,
                            PrefixFields& fields) const;
  // Match, once the first try over all elements failed: the backtracking matcher, then the same
  // two over the elements before %q.
  std::optional<std::size_t> MatchAfterFirstTry(std::string_view line, PrefixFields& fields) const;
  // A timestamp step's end where the line repeats, at `at`, the timestamp that step matched
  // last (consecutive lines mostly share theirs), or kNoMatch; otherwise matched and kept.
  std::size_t MatchTimestampStep(const Step& step, std::string_view line, std::size_t at) const;
  void StoreStep(const Step& step, std::string_view value, PrefixFields& fields) const;
  std::size_t MatchPadded(const Step& step, std::string_view line, std::size_t at,
                          PrefixFields& fields) const;
  // Keeps the tail of `program` the first try just matched in `line`, at [from, to), with the
  // values its steps wrote to `fields`.
  void KeepTail(const Program& program, std::string_view line, std::size_t from, std::size_t to,
                const PrefixFields& fields) const;
  Program Compile(std::size_t count) const;

  // Writes `element`'s field of `fields` (`matched`: the line had it, not cut off after %q).
  static void Store(const Element& element, std::string_view value, bool matched,
                    PrefixFields& fields);

  static constexpr std::size_t kLongestPrefix = 4096;

  std::vector<Element> elements_;
  // The first try over all elements, and over those before %q.
  Program all_steps_, session_steps_;
  std::vector<std::size_t> field_elements_;  // the elements that give a field
  // Those after %q whose field no element before it gives: empty in the lines of processes
  // that are no session's.
  std::vector<std::size_t> session_only_fields_;
  mutable std::vector<std::pair<std::size_t, std::size_t>> spans_;  // per element, reused
  // The tail the first try matched last (Program::tail_fields): its program, its bytes, and
  // where the value of each of its fields lies in them. A copy of the prefix keeps, as for the
  // timestamp, the program's address of the original.
  static constexpr std::size_t kLongestTail = 128;
  mutable const Program* tail_program_ = nullptr;
  mutable std::array<char, kLongestTail> tail_bytes_{};
  mutable std::size_t tail_size_ = 0;
  mutable std::array<std::pair<std::uint32_t, std::uint32_t>, kValueFields> tail_values_{};
  // The timestamp a step matched last (MatchTimestampStep): the step, and the text's bytes. A
  // copy of the prefix keeps the step's address of the original, which none of its own steps
  // has: it matches its first timestamp again.
  mutable const Step* timestamp_step_ = nullptr;
  mutable std::array<char, 48> timestamp_bytes_{};
  mutable std::size_t timestamp_size_ = 0;
  std::size_t session_only_at_ = 0;  // index of %q, or elements_.size()
  bool has_session_id_ = false;
  bool has_client_ = false;
  bool has_application_ = false;
  bool writes_client_text_ = false;
};

}  // namespace pgward::logs
