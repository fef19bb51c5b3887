#pragma once

// The YAML files pgward is given (policies, packs, values, waivers, policy tests, inventories),
// read by libyaml's event parser into a compact tree: a few dozen bytes per node, where
// yaml-cpp (which pgward used before) kept about 500 and took ten times as long.
//
// YAML lets a small file stand for a huge tree: an alias names a node again instead of copying
// it, so twenty nested anchors of two aliases each make a million-node tree of a kilobyte, and
// every walk over it takes that long. The limits are checked while the events arrive:
// kMaxYamlNodes with every alias counted at each use, and kMaxYamlDepth.
//
// Nodes are views into their tree, which must outlive them and stay where it is: an alias is
// the node its anchor names, never a copy.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pgward {

// Nodes a YAML document may expand to, each use of an alias counting every node it names again.
// The built-in catalog has about 2,000; an inventory of 10,000 servers about 100,000.
inline constexpr std::size_t kMaxYamlNodes = 250'000;

// Collections a YAML document may nest: pgward's files need fewer than ten, and every loader
// walks its nodes recursively.
inline constexpr std::size_t kMaxYamlDepth = 64;

struct YamlMark {
  int line = 0;  // 0-based, as libyaml counts
  int column = 0;
};

struct YamlError {
  std::string message;
  YamlMark mark;
};

class YamlTree {
 public:
  // A plain scalar that YAML reads as null (empty, ~, null) is kNull; a quoted one is a scalar.
  enum class Kind : std::uint8_t { kNull, kScalar, kSequence, kMap };

 private:
  struct Entry {
    Kind kind = Kind::kNull;
    YamlMark mark;
    std::uint32_t first_child = 0;  // into children_
    std::uint32_t child_count = 0;  // a map's keys and values alternate
    std::string scalar;
  };

 public:
  class Node {
   public:
    Kind kind() const { return entry().kind; }
    bool IsNull() const { return kind() == Kind::kNull; }
    bool IsScalar() const { return kind() == Kind::kScalar; }
    bool IsSequence() const { return kind() == Kind::kSequence; }
    bool IsMap() const { return kind() == Kind::kMap; }
    YamlMark mark() const { return entry().mark; }
    // The text of a scalar; empty for other kinds.
    const std::string& Scalar() const { return entry().scalar; }

    // Elements of a sequence; entries (key, value) of a map.
    std::size_t size() const;
    Node Element(std::size_t index) const { return Child(index); }
    Node Key(std::size_t entry) const { return Child(2 * entry); }
    Node Value(std::size_t entry) const { return Child(2 * entry + 1); }
    // The value of the first entry of a map whose key is the scalar `key`.
    std::optional<Node> Find(std::string_view key) const;
    // The text of that value; empty when there is none or it is not a scalar.
    std::string ScalarOf(std::string_view key) const;

   private:
    friend class YamlTree;
    Node(const YamlTree* tree, std::uint32_t index) : tree_(tree), index_(index) {}
    const Entry& entry() const { return tree_->nodes_[index_]; }
    Node Child(std::size_t position) const;

    const YamlTree* tree_;
    std::uint32_t index_;
  };

  // The first document of `text` (an empty document is a null root).
  static std::variant<YamlTree, YamlError> Parse(std::string_view text);

  Node root() const { return Node(this, root_); }

 private:
  class Builder;

  std::vector<Entry> nodes_;
  std::vector<std::uint32_t> children_;
  std::uint32_t root_ = 0;
};

using YamlNode = YamlTree::Node;

}  // namespace pgward
