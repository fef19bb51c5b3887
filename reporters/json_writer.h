#pragma once

// JSON written as it is made, straight into a buffer that is flushed to a stream: no document
// tree in memory, however many rows. Laid out as nlohmann::json's dump(2) lays it out (two
// spaces, one element per line, `[]` and `{}` when empty), but for one-line objects, written as
// dump() writes them. Strings may hold any bytes: invalid
// UTF-8 becomes U+FFFD (AppendJsonString), so the output is always valid JSON.

#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/byte_words.h"
#include "engine/core/utf8.h"

namespace pgward::reporters {

// An object's key. A literal in pgward's code is checked when pgward is compiled (printable ASCII,
// no quote or backslash) and written as it is; other text, which may hold any bytes, is checked
// when the key is made and escaped as a string is only when it must be. Escaping every key of
// every finding was a quarter of a large report's writing: a key written many times is made once.
class JsonKey {
 public:
  // Implicit, so that Key("name") and Member("name", value) read as they say.
  consteval JsonKey(const char* literal) : text_(literal) {  // NOLINT(google-explicit-constructor)
    for (const char c : text_) {
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        throw "a JSON key literal must be printable ASCII without quotes or backslashes";
      }
    }
  }
  // The key refers to `text`, which must outlive it.
  static JsonKey Text(std::string_view text);

  std::string_view text() const { return text_; }
  bool escaped() const { return escaped_; }

 private:
  JsonKey(std::string_view text, bool escaped) : text_(text), escaped_(escaped) {}

  std::string_view text_;
  bool escaped_ = false;
};

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out);
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter();  // flushes

  void BeginObject();
  // An object on one line, compact (`{"a":1,"b":[2]}`) whatever it holds, ended by EndObject: a
  // report's many findings, one per line, are a third smaller and each is one grep away.
  void BeginOneLineObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // The next value is this member's. Inline: a key written from a literal is copied with its
  // length known where it is written.
  void Key(JsonKey key) {
    BeforeValue();
    const std::string_view text = key.text();
    if (key.escaped() || text.size() + 4 > Buffer::kMostRoom) {
      EscapedKey(text);
      return;
    }
    // "key": in place.
    char* at = buffer_.Room(text.size() + 4);
    *at++ = '"';
    std::memcpy(at, text.data(), text.size());
    at += text.size();
    *at++ = '"';
    *at++ = ':';
    if (!OnOneLine()) *at++ = ' ';
    buffer_.Advance(at);
    after_key_ = true;
  }

  void String(std::string_view value) {
    BeforeValue();
    if (value.size() > kMostInPlaceString || !PlainStringInPlace(value)) EscapedString(value);
  }
  // Key(key), then String(value) or Int(value): an object's member in one call.
  void Member(JsonKey key, std::string_view value);
  void IntMember(JsonKey key, std::int64_t value);
  void Int(std::int64_t value);
  void Bool(bool value);
  void Null();
  // null when absent.
  void OptionalString(const std::optional<std::string>& value);
  // null when empty: a value the run did not have (a time, a baseline, a client certificate).
  void StringOrNull(std::string_view value);
  // An array of strings.
  void Strings(const std::vector<std::string>& values);
  // null when absent.
  void OptionalInt(const std::optional<std::int64_t>& value);
  void OptionalBool(const std::optional<bool>& value);
  void OptionalStrings(const std::optional<std::vector<std::string>>& values);
  // A small document made as a tree (a rule's metadata, say), written in place.
  void Value(const nlohmann::ordered_json& value);

  // Writes what is buffered to the stream.
  void Flush() { buffer_.Flush(); }

 private:
  // The bytes not yet written to the stream, appended in place: a report is millions of small
  // pieces (a key, a comma, a quote), and std::string's out-of-line append with a call to memcpy
  // for each was a third of the writing. Written to the stream whenever it is full; a piece
  // larger than half of it goes to the stream directly, so memory stays the same whatever the
  // report.
  class Buffer {
   public:
    explicit Buffer(std::ostream& out);
    void push_back(char c) {
      if (end_ == limit_) Flush();
      *end_++ = c;
    }
    void append(const char* data, std::size_t size) {
      if (static_cast<std::size_t>(limit_ - end_) < size) {
        AppendLarge(data, size);
        return;
      }
      std::memcpy(end_, data, size);
      end_ += size;
    }
    // Room for `size` bytes (a small piece, at most kMostRoom) at the pointer returned; the piece
    // ends where Advance says.
    static constexpr std::size_t kMostRoom = 1024;
    char* Room(std::size_t size) {
      if (static_cast<std::size_t>(limit_ - end_) < size) Flush();
      return end_;
    }
    void Advance(char* to) { end_ = to; }
    void Flush();

   private:
    void AppendLarge(const char* data, std::size_t size);

    std::ostream& out_;
    std::unique_ptr<char[]> data_;
    char* end_;
    char* limit_;
  };

  // The comma and line break before a value, as its place asks; in the header, as nearly every
  // piece written begins with it.
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (counts_.empty()) return;
    if (counts_.back()++ > 0) buffer_.push_back(',');
    if (!OnOneLine()) Indent(counts_.size());
  }
  void Indent(std::size_t depth);
  // A key that is not a literal, or too long to be written in place, escaped as a string is.
  void EscapedKey(std::string_view text);

  // Writes `value` quoted in place when it is all printable ASCII without a quote or backslash,
  // as nearly every string of a report is: checked eight bytes at a time as it is copied, where
  // AppendJsonString looks for the end of the run first and then copies it with a call to memcpy.
  // False, having written nothing, when it needs escaping.
  // Longer strings (a finding's message) are few, and AppendJsonString's runs suit them.
  static constexpr std::size_t kMostInPlaceString = 256;
  bool PlainStringInPlace(std::string_view value) {
    constexpr std::uint64_t kQuotes = kEachByte * '"', kBackslashes = kEachByte * '\\';
    const std::size_t size = value.size();
    char* const body = buffer_.Room(size + 2) + 1;
    if (size >= 8) {
      // Word by word, the last one ending where the value ends (overlapping the one before).
      for (std::size_t i = 0;; i += 8) {
        const std::size_t at = i + 8 <= size ? i : size - 8;
        const std::uint64_t word = Load8(value.data() + at);
        if (!PrintableWord(word, kQuotes, kBackslashes)) return false;
        std::memcpy(body + at, &word, sizeof word);
        if (at + 8 == size) break;
      }
    } else {
      for (std::size_t i = 0; i < size; ++i) {
        const char c = value[i];
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
        body[i] = c;
      }
    }
    body[-1] = '"';
    body[size] = '"';
    buffer_.Advance(body + size + 1);
    return true;
  }
  // Any other string, through AppendJsonString.
  void EscapedString(std::string_view value);
  bool OnOneLine() const { return counts_.size() > one_line_from_; }

  Buffer buffer_;

  std::vector<std::size_t> counts_;  // elements written so far at each open level
  bool after_key_ = false;
  // The depth of the open one-line object, whose contents are written without line breaks;
  // npos when none is open.
  std::size_t one_line_from_ = std::string::npos;
};

}  // namespace pgward::reporters
