// YamlTree (libyaml's events into a tree) reads what yaml-cpp reads, with the same limits: the
// same document through both gives the same kinds, scalars and marks.
#include "engine/core/yaml_tree.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "engine/core/yaml_document.h"

namespace pgward {
namespace {

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

// Compares a node with yaml-cpp's reading of the same text, recursively.
void ExpectSame(const YamlTree::Node& ours, const YAML::Node& theirs, const std::string& path) {
  SCOPED_TRACE(path);
  ASSERT_EQ(ours.IsNull(), theirs.IsNull());
  ASSERT_EQ(ours.IsScalar(), theirs.IsScalar());
  ASSERT_EQ(ours.IsSequence(), theirs.IsSequence());
  ASSERT_EQ(ours.IsMap(), theirs.IsMap());
  EXPECT_EQ(ours.mark().line, theirs.Mark().line);
  EXPECT_EQ(ours.mark().column, theirs.Mark().column);
  if (ours.IsScalar()) {
    EXPECT_EQ(ours.Scalar(), theirs.Scalar());
  }
  if (ours.IsSequence() || ours.IsMap()) {
    ASSERT_EQ(ours.size(), theirs.size());
  }
  if (ours.IsSequence()) {
    for (size_t i = 0; i < ours.size(); ++i) {
      ExpectSame(ours.Element(i), theirs[i], path + "[" + std::to_string(i) + "]");
    }
  }
  if (ours.IsMap()) {
    size_t i = 0;
    for (const auto& entry : theirs) {
      ExpectSame(ours.Key(i), entry.first, path + ".key" + std::to_string(i));
      ExpectSame(ours.Value(i), entry.second, path + "." + entry.first.Scalar());
      ++i;
    }
  }
}

TEST(YamlTreeTest, ReadsWhatYamlCppReads) {
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
  ExpectSame(tree.root(), YAML::Load(text), "root");
  const YamlTree::Node targets = *tree.root().Find("targets");
  // An alias is the node its anchor names.
  EXPECT_EQ(targets.Element(2).mark().line, targets.Element(1).mark().line);
  EXPECT_EQ(targets.Element(2).Find("name")->Scalar(), "reporting");
  EXPECT_FALSE(tree.root().Find("missing"));
  EXPECT_TRUE(tree.root().Find("defaults")->Find("connect")->Find("tilde")->IsNull());
}

TEST(YamlTreeTest, OnlyTheFirstDocumentAndEmptyDocumentsAreNull) {
  EXPECT_TRUE(Parsed("").root().IsNull());
  EXPECT_TRUE(Parsed("# nothing\n").root().IsNull());
  const YamlTree tree = Parsed("a: 1\n---\nb: 2\n");
  EXPECT_TRUE(tree.root().Find("a"));
  EXPECT_FALSE(tree.root().Find("b"));
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
  // The same limits as yaml-cpp's road.
  EXPECT_THROW(LoadYamlDocument(bomb), YAML::Exception);
}

}  // namespace
}  // namespace pgward
