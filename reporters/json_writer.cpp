#include "reporters/json_writer.h"

#include <charconv>

#include "reporters/printable.h"

namespace pgward::reporters {
namespace {

constexpr std::size_t kFlushBytes = 1 << 20;

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80; }

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs of plain ASCII are copied at once.
    std::size_t plain = i;
    while (plain < text.size() && !NeedsEscape(static_cast<unsigned char>(text[plain]))) ++plain;
    out.append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      char32_t code_point;
      const std::size_t length = DecodeUtf8(text, i, code_point);
      if (length == 0) {
        out += kReplacement;
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      }
    }
    ++i;
  }
  out += '"';
}

JsonWriter::JsonWriter(std::ostream& out) : out_(out) {}

JsonWriter::~JsonWriter() { Flush(); }

void JsonWriter::Indent(std::size_t depth) {
  buffer_ += '\n';
  buffer_.append(2 * depth, ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (counts_.empty()) return;
  if (counts_.back()++ > 0) buffer_ += ',';
  Indent(counts_.size());
}

void JsonWriter::BeginObject() {
  BeforeValue();
  buffer_ += '{';
  counts_.push_back(0);
}

void JsonWriter::EndObject() {
  if (counts_.back() > 0) Indent(counts_.size() - 1);
  counts_.pop_back();
  buffer_ += '}';
  FlushIfLarge();
}

void JsonWriter::BeginArray() {
  BeforeValue();
  buffer_ += '[';
  counts_.push_back(0);
}

void JsonWriter::EndArray() {
  if (counts_.back() > 0) Indent(counts_.size() - 1);
  counts_.pop_back();
  buffer_ += ']';
  FlushIfLarge();
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(buffer_, key);
  buffer_ += ": ";
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(buffer_, value);
}

void JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, end);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  buffer_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  buffer_ += "null";
}

void JsonWriter::OptionalString(const std::optional<std::string>& value) {
  if (value) {
    String(*value);
  } else {
    Null();
  }
}

void JsonWriter::OptionalInt(const std::optional<int>& value) {
  if (value) {
    Int(static_cast<std::int64_t>(*value));
  } else {
    Null();
  }
}

void JsonWriter::OptionalStrings(const std::optional<std::vector<std::string>>& values) {
  if (!values) {
    Null();
    return;
  }
  BeginArray();
  for (const std::string& value : *values) String(value);
  EndArray();
}

void JsonWriter::FlushIfLarge() {
  if (buffer_.size() >= kFlushBytes) Flush();
}

void JsonWriter::Flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

}  // namespace pgward::reporters
