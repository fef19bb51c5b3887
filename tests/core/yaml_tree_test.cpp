// YamlTree (libyaml's events into a tree) reads what PyYAML's pure-Python parser composes from
// the same text: the same kinds, scalars and marks. libyaml is a port of that parser, so this
// checks the tree built from libyaml's events, not the parser's reading of the specification. A
// document past the limits, or not UTF-8, is an error at its place.
#include "engine/core/yaml_tree.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "tests/support/command.h"

namespace pgward {
namespace {

using testing::CommandResult;
using testing::RunCommand;

// The tree of `text`, which must parse.
YamlTree Parsed(const std::string& text) {
  std::variant<YamlTree, YamlError> parsed = YamlTree::Parse(text);
  if (const YamlError* error = std::get_if<YamlError>(&parsed)) {
    ADD_FAILURE() << error->message;
    return std::get<YamlTree>(YamlTree::Parse(""));
  }
  return std::move(std::get<YamlTree>(parsed));
}

std::string Error(const std::string& text) {
  const std::variant<YamlTree, YamlError> parsed = YamlTree::Parse(text);
  const YamlError* error = std::get_if<YamlError>(&parsed);
  if (error == nullptr) return "no error";
  return std::to_string(error->mark.line + 1) + ":" + std::to_string(error->mark.column + 1) +
         ": " + error->message;
}

// PyYAML's composition of `text` (python3-yaml, its pure-Python parser and the safe resolver):
// each node's kind, 0-based line and column, scalar text, and children (a map's keys and values
// alternating).
nlohmann::json PyYamlNodes(const std::string& text) {
  constexpr const char* kCompose = R"(
import json, sys, yaml
def walk(node):
    out = {'line': node.start_mark.line, 'column': node.start_mark.column}
    if isinstance(node, yaml.ScalarNode):
        out['kind'] = 'null' if node.tag == 'tag:yaml.org,2002:null' else 'scalar'
        out['value'] = node.value
    elif isinstance(node, yaml.SequenceNode):
        out['kind'] = 'sequence'
        out['children'] = [walk(child) for child in node.value]
    else:
        out['kind'] = 'map'
        out['children'] = [walk(part) for pair in node.value for part in pair]
    return out
print(json.dumps(walk(yaml.compose(open(sys.argv[1]), Loader=yaml.SafeLoader))))
)";
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("yaml_tree_test." + std::to_string(getpid()));
  std::ofstream(file) << text;
  const CommandResult composed = RunCommand({"/usr/bin/python3", "-c", kCompose, file.string()});
  std::filesystem::remove(file);
  EXPECT_EQ(composed.exit_code, 0) << composed.err;
  return composed.exit_code == 0 ? nlohmann::json::parse(composed.out) : nlohmann::json{};
}

// Compares a node with PyYAML's, recursively.
void ExpectSame(const YamlNode& ours, const nlohmann::json& theirs, const std::string& path) {
  SCOPED_TRACE(path);
  ASSERT_TRUE(theirs.is_object());
  const std::string kind = theirs["kind"];
  ASSERT_EQ(ours.IsNull(), kind == "null");
  ASSERT_EQ(ours.IsScalar(), kind == "scalar");
  ASSERT_EQ(ours.IsSequence(), kind == "sequence");
  ASSERT_EQ(ours.IsMap(), kind == "map");
  EXPECT_EQ(ours.mark().line, theirs["line"]);
  // An empty value (`key: ,`) has no text of its own: each parser places it where it stopped.
  const bool empty = kind == "null" && theirs["value"] == "";
  if (!empty) {
    EXPECT_EQ(ours.mark().column, theirs["column"]);
  }
  if (ours.IsScalar()) {
    EXPECT_EQ(ours.Scalar(), theirs["value"]);
  }
  if (ours.IsSequence()) {
    ASSERT_EQ(ours.size(), theirs["children"].size());
    for (size_t i = 0; i < ours.size(); ++i) {
      ExpectSame(ours.Element(i), theirs["children"][i], path + "[" + std::to_string(i) + "]");
    }
  }
  if (ours.IsMap()) {
    ASSERT_EQ(2 * ours.size(), theirs["children"].size());
    for (size_t i = 0; i < ours.size(); ++i) {
      ExpectSame(ours.Key(i), theirs["children"][2 * i], path + ".key" + std::to_string(i));
      ExpectSame(ours.Value(i), theirs["children"][2 * i + 1], path + "." + ours.Key(i).Scalar());
    }
  }
}

TEST(YamlTreeTest, ReadsWhatPyYamlComposes) {
  const std::string text = R"(# an inventory
defaults:
  timeout_ms: 10000
  connect: {sslmode: verify-full, empty: , tilde: ~, quoted: "null"}
targets:
  - name: orders-eu
    service: orders-eu
    tags: [prod, 'eu', "pci"]
    note: |
      two
      lines
  - &second {name: reporting, dsn: "host=db port=5432"}
  - *second
  - folded: >-
      one
      line
    number: 0x10
)";
  const YamlTree tree = Parsed(text);
  ExpectSame(tree.root(), PyYamlNodes(text), "root");
  const YamlTree::Node targets = *tree.root().Find("targets");
  // An alias is the node its anchor names.
  EXPECT_EQ(targets.Element(2).mark().line, targets.Element(1).mark().line);
  EXPECT_EQ(targets.Element(2).Find("name")->Scalar(), "reporting");
  EXPECT_FALSE(tree.root().Find("missing"));
  EXPECT_TRUE(tree.root().Find("defaults")->Find("connect")->Find("tilde")->IsNull());
}

// The built-in policies, packs and policy tests, read as PyYAML reads them.
TEST(YamlTreeTest, ReadsTheBuiltInRulesAsPyYamlDoes) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(PGWARD_SOURCE_DIR) / "rules")) {
    if (entry.path().extension() != ".yaml") continue;
    std::stringstream text;
    text << std::ifstream(entry.path()).rdbuf();
    ExpectSame(Parsed(text.str()).root(), PyYamlNodes(text.str()), entry.path().filename());
    ++files;
  }
  EXPECT_GE(files, 3u);
}

TEST(YamlTreeTest, OnlyTheFirstDocumentAndEmptyDocumentsAreNull) {
  EXPECT_TRUE(Parsed("").root().IsNull());
  EXPECT_TRUE(Parsed("# nothing\n").root().IsNull());
  const YamlTree tree = Parsed("a: 1\n---\nb: 2\n");
  EXPECT_TRUE(tree.root().Find("a"));
  EXPECT_FALSE(tree.root().Find("b"));
}

// An alias names the latest node given its anchor: a collection's anchor comes before what it
// holds, which may take the name again.
TEST(YamlTreeTest, AnAliasNamesTheLatestNodeOfItsAnchor) {
  const YamlTree tree = Parsed("a: &x [&x inner, 2]\nb: *x\nc: &y [1]\nd: *y\n");
  ASSERT_TRUE(tree.root().Find("b")->IsScalar());
  EXPECT_EQ(tree.root().Find("b")->Scalar(), "inner");
  EXPECT_TRUE(tree.root().Find("d")->IsSequence());
}

// Bytes that are not UTF-8, and characters YAML does not allow, are errors where they are.
TEST(YamlTreeTest, TextThatIsNotUtf8IsAnErrorAtItsByte) {
  EXPECT_EQ(Error("a: 1\nk: caf\xE9\n"), "2:7: incomplete UTF-8 octet sequence");
  EXPECT_EQ(Error("k: \xFF\n"), "1:4: invalid leading UTF-8 octet (0xFF)");
  EXPECT_EQ(Error("a: 1\nbb: x\x01y\n"), "2:6: control characters are not allowed (U+0001)");
  // Columns count characters, a carriage return ends a line and a byte-order mark is not counted,
  // as in libyaml's own marks.
  EXPECT_EQ(Error("a: 1\rk: \xC3\xA9\xC3\xA9\xFF\n"), "2:6: invalid leading UTF-8 octet (0xFF)");
  EXPECT_EQ(Error("\xEF\xBB\xBFk: \xFF\n"), "1:4: invalid leading UTF-8 octet (0xFF)");
}

TEST(YamlTreeTest, InvalidYamlAndBombsAreErrorsWithTheirPlace) {
  EXPECT_EQ(Error("a: [1, 2\nb: 3\n").find("2:"), 0u) << Error("a: [1, 2\nb: 3\n");
  EXPECT_NE(Error("a: *nowhere\n").find("an alias names no anchor"), std::string::npos);
  EXPECT_EQ(Error("a: &p [1, *p]\n"), "1:11: an alias refers to a node that contains it");
  EXPECT_EQ(Error("a: " + std::string(100, '[') + std::string(100, ']') + "\n"),
            "1:67: the document nests deeper than 64 levels");
  std::string bomb = "x0: &a0 [x, x]\n";
  for (int level = 1; level < 40; ++level) {
    bomb += "x" + std::to_string(level) + ": &a" + std::to_string(level) + " [*a" +
            std::to_string(level - 1) + ", *a" + std::to_string(level - 1) + "]\n";
  }
  EXPECT_NE(Error(bomb).find("expands to more than 250000 nodes"), std::string::npos)
      << Error(bomb);
}

}  // namespace
}  // namespace pgward
