#include "reporters/json_writer.h"

#include <charconv>

#include "engine/core/json_string.h"
#include "engine/core/utf8.h"

namespace pgward::reporters {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;

}  // namespace

JsonKey JsonKey::Text(std::string_view text) {
  return JsonKey(text, PrintableAsciiEnd(text, 0, '"', '\\') != text.size());
}

JsonWriter::Buffer::Buffer(std::ostream& out)
    : out_(out),
      data_(std::make_unique_for_overwrite<char[]>(kBufferBytes)),
      end_(data_.get()),
      limit_(data_.get() + kBufferBytes) {}

void JsonWriter::Buffer::Flush() {
  out_.write(data_.get(), end_ - data_.get());
  end_ = data_.get();
}

void JsonWriter::Buffer::AppendLarge(const char* data, std::size_t size) {
  Flush();
  if (size > kBufferBytes / 2) {
    out_.write(data, static_cast<std::streamsize>(size));
    return;
  }
  std::memcpy(end_, data, size);
  end_ += size;
}

JsonWriter::JsonWriter(std::ostream& out) : buffer_(out) {}

JsonWriter::~JsonWriter() { Flush(); }

void JsonWriter::Indent(std::size_t depth) {
  // A line break and the indentation in one append, for the usual depths.
  static constexpr std::string_view kBreak =
      "\n                                                                ";
  if (2 * depth < kBreak.size()) {
    buffer_.append(kBreak.data(), 1 + 2 * depth);
  } else {
    buffer_.push_back('\n');
    for (std::size_t i = 0; i < 2 * depth; ++i) buffer_.push_back(' ');
  }
}

void JsonWriter::BeginObject() {
  BeforeValue();
  buffer_.push_back('{');
  counts_.push_back(0);
}

void JsonWriter::BeginOneLineObject() {
  BeginObject();
  if (!OnOneLine()) one_line_from_ = counts_.size() - 1;
}

void JsonWriter::EndObject() {
  if (counts_.back() > 0 && counts_.size() - 1 < one_line_from_) Indent(counts_.size() - 1);
  counts_.pop_back();
  if (counts_.size() == one_line_from_) one_line_from_ = std::string::npos;
  buffer_.push_back('}');
}

void JsonWriter::BeginArray() {
  BeforeValue();
  buffer_.push_back('[');
  counts_.push_back(0);
}

void JsonWriter::EndArray() {
  if (counts_.back() > 0 && counts_.size() - 1 < one_line_from_) Indent(counts_.size() - 1);
  counts_.pop_back();
  buffer_.push_back(']');
}

void JsonWriter::EscapedKey(std::string_view text) {
  AppendJsonString(buffer_, text);
  buffer_.append(": ", OnOneLine() ? 1 : 2);
  after_key_ = true;
}

void JsonWriter::EscapedString(std::string_view value) { AppendJsonString(buffer_, value); }

void JsonWriter::Member(JsonKey key, std::string_view value) {
  Key(key);
  String(value);
}

void JsonWriter::IntMember(JsonKey key, std::int64_t value) {
  Key(key);
  Int(value);
}

void JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, static_cast<std::size_t>(end - digits));
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  const std::string_view text = value ? "true" : "false";
  buffer_.append(text.data(), text.size());
}

void JsonWriter::Null() {
  BeforeValue();
  buffer_.append("null", 4);
}

void JsonWriter::OptionalString(const std::optional<std::string>& value) {
  if (value) {
    String(*value);
  } else {
    Null();
  }
}

void JsonWriter::StringOrNull(std::string_view value) {
  if (value.empty()) {
    Null();
  } else {
    String(value);
  }
}

void JsonWriter::Strings(const std::vector<std::string>& values) {
  BeginArray();
  for (const std::string& value : values) String(value);
  EndArray();
}

void JsonWriter::OptionalInt(const std::optional<std::int64_t>& value) {
  if (value) {
    Int(*value);
  } else {
    Null();
  }
}

void JsonWriter::OptionalBool(const std::optional<bool>& value) {
  if (value) {
    Bool(*value);
  } else {
    Null();
  }
}

void JsonWriter::OptionalStrings(const std::optional<std::vector<std::string>>& values) {
  if (values) {
    Strings(*values);
  } else {
    Null();
  }
}

void JsonWriter::Value(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object:
      BeginObject();
      for (const auto& [key, member] : value.items()) {
        Key(JsonKey::Text(key));
        Value(member);
      }
      EndObject();
      return;
    case nlohmann::ordered_json::value_t::array:
      BeginArray();
      for (const nlohmann::ordered_json& element : value) Value(element);
      EndArray();
      return;
    case nlohmann::ordered_json::value_t::string:
      String(value.get_ref<const std::string&>());
      return;
    case nlohmann::ordered_json::value_t::boolean:
      Bool(value.get<bool>());
      return;
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
      Int(value.get<std::int64_t>());
      return;
    case nlohmann::ordered_json::value_t::null:
      Null();
      return;
    default:
      // Floats and binary values: pgward's reports have none, but they stay valid JSON.
      BeforeValue();
      const std::string dumped =
          value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      buffer_.append(dumped.data(), dumped.size());
  }
}

}  // namespace pgward::reporters
