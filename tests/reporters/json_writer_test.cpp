// The streaming JSON writer against nlohmann::json: the same document gives the same bytes as
// dump(2), and any bytes in strings still give JSON that parses back.
#include "reporters/json_writer.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace pgward::reporters {
namespace {

// Writes `value` through the writer, recursively; objects at `one_line_depth` as one-line
// objects, and inside them, plain objects and one-line ones at alternate depths (either stays
// on the line, as a finding's subject and compliance do).
void Write(const nlohmann::ordered_json& value, JsonWriter& json, int depth = 0,
           int one_line_depth = -1) {
  if (value.is_object()) {
    if (one_line_depth >= 0 &&
        (depth == one_line_depth || (depth > one_line_depth && depth % 2 == 0))) {
      json.BeginOneLineObject();
    } else {
      json.BeginObject();
    }
    for (const auto& [key, member] : value.items()) {
      json.Key(JsonKey::Text(key));
      Write(member, json, depth + 1, one_line_depth);
    }
    json.EndObject();
  } else if (value.is_array()) {
    json.BeginArray();
    for (const nlohmann::ordered_json& element : value) {
      Write(element, json, depth + 1, one_line_depth);
    }
    json.EndArray();
  } else if (value.is_string()) {
    json.String(value.get<std::string>());
  } else if (value.is_number_integer()) {
    json.Int(value.get<std::int64_t>());
  } else if (value.is_boolean()) {
    json.Bool(value.get<bool>());
  } else {
    json.Null();
  }
}

std::string Written(const nlohmann::ordered_json& value, int one_line_depth = -1) {
  std::ostringstream out;
  {
    JsonWriter json(out);
    Write(value, json, 0, one_line_depth);
  }
  return out.str();
}

TEST(JsonWriterTest, LaysOutAsNlohmannDumps) {
  const nlohmann::ordered_json document = nlohmann::ordered_json::parse(R"({
    "empty_array": [], "empty_object": {}, "nested": [[1, [2, {}]], {"a": {"b": []}}],
    "strings": ["plain", "quote \" backslash \\ slash /", "\b\f\n\r\t\u0001\u001f\u007f",
                "caf\u00e9 \u2713 \ud83d\ude00"],
    "numbers": [0, -1, 9223372036854775807, -9223372036854775808],
    "flags": [true, false, null], "": "empty key"})");
  EXPECT_EQ(Written(document), document.dump(2));
  EXPECT_EQ(Written(nlohmann::ordered_json::array()), "[]");
  EXPECT_EQ(Written("x"), "\"x\"");
}

// Literal keys are written as they are, other text as a JSON string, escaped where it must be.
TEST(JsonWriterTest, KeysOfEitherKindGiveTheSameJson) {
  std::ostringstream out;
  {
    JsonWriter json(out);
    json.BeginObject();
    json.Member("rule_id", "x");
    json.Key("a b/c ~");
    json.Int(1);
    json.IntMember(JsonKey::Text("plain text"), 2);
    json.IntMember(JsonKey::Text("quote \" and \\ \x01 \xff"), 3);
    json.EndObject();
  }
  const nlohmann::ordered_json expected = {{"rule_id", "x"},
                                           {"a b/c ~", 1},
                                           {"plain text", 2},
                                           {"quote \" and \\ \x01 \xef\xbf\xbd", 3}};
  EXPECT_EQ(out.str(), expected.dump(2));
}

TEST(JsonWriterTest, RandomDocumentsMatchDump) {
  std::mt19937 random(20261203);
  auto text = [&] {
    std::string s;
    const size_t length = random() % 12;
    // Valid UTF-8 only here: ASCII (controls included) and a few multi-byte characters.
    static const char* const kPieces[] = {
        "a", "\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x98\x80",
        " ", "/"};
    for (size_t i = 0; i < length; ++i) s += kPieces[random() % std::size(kPieces)];
    return s;
  };
  std::function<nlohmann::ordered_json(int)> make = [&](int depth) -> nlohmann::ordered_json {
    switch (depth > 3 ? random() % 4 : random() % 6) {
      case 0:
        return text();
      case 1:
        return static_cast<std::int64_t>(random()) - (1ll << 31);
      case 2:
        return random() % 2 == 0;
      case 3:
        return nullptr;
      case 4: {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (size_t i = random() % 4; i > 0; --i) array.push_back(make(depth + 1));
        return array;
      }
      default: {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (size_t i = random() % 4; i > 0; --i) object[text()] = make(depth + 1);
        return object;
      }
    }
  };
  for (int i = 0; i < 2000; ++i) {
    const nlohmann::ordered_json document = make(0);
    ASSERT_EQ(Written(document), document.dump(2)) << document.dump();
  }
  // A report's findings: a laid-out array of objects each on one line, as dump() writes them
  // (nested objects, one-line or not, stay on their line), and the array laid out around them.
  for (int i = 0; i < 2000; ++i) {
    nlohmann::ordered_json findings = nlohmann::ordered_json::array();
    for (size_t n = random() % 4; n > 0; --n) {
      nlohmann::ordered_json finding = nlohmann::ordered_json::object();
      for (size_t m = random() % 5; m > 0; --m) finding[text()] = make(2);
      findings.push_back(finding);
    }
    const nlohmann::ordered_json document = {{"findings", findings}, {"after", {{"k", 1}}}};
    std::string expected = "{\n  \"findings\": [";
    for (size_t n = 0; n < findings.size(); ++n) {
      expected += std::string(n > 0 ? "," : "") + "\n    " + findings[n].dump();
    }
    if (findings.empty()) {
      expected += "]";
    } else {
      expected += "\n  ]";
    }
    expected += ",\n  \"after\": {\n    \"k\": 1\n  }\n}";
    ASSERT_EQ(Written(document, 2), expected) << document.dump();
    // A one-line object at the top: the whole document on one line.
    ASSERT_EQ(Written(document, 0), document.dump());
  }
}

}  // namespace
}  // namespace pgward::reporters
