#include "engine/core/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_map>

namespace pgward {
namespace {

YamlMark MarkOf(const yaml_mark_t& mark) {
  return {static_cast<int>(mark.line), static_cast<int>(mark.column)};
}

// What YAML's core schema reads as null, written plainly (a quoted "null" is a string).
bool IsPlainNull(const yaml_event_t& event) {
  const auto& scalar = event.data.scalar;
  if (scalar.tag != nullptr) {
    return std::string_view(reinterpret_cast<const char*>(scalar.tag)) == YAML_NULL_TAG;
  }
  if (scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  const std::string_view value(reinterpret_cast<const char*>(scalar.value), scalar.length);
  return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL";
}

// Where libyaml's mark would be for the byte at `offset`: lines and columns counted in
// characters as libyaml counts them, a byte-order mark not counted, a line ended by \n, \r\n,
// \r, NEL, LS or PS. Everything before `offset` was decoded, so it is UTF-8.
YamlMark MarkAtOffset(std::string_view text, std::size_t offset) {
  std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  YamlMark mark;
  while (i < offset) {
    const std::string_view rest = text.substr(i, offset - i);
    std::size_t line_break = 0;
    if (rest.starts_with("\r\n")) {
      line_break = 2;
    } else if (rest[0] == '\r' || rest[0] == '\n') {
      line_break = 1;
    } else if (rest.starts_with("\xC2\x85")) {
      line_break = 2;
    } else if (rest.starts_with("\xE2\x80\xA8") || rest.starts_with("\xE2\x80\xA9")) {
      line_break = 3;
    }
    if (line_break > 0) {
      ++mark.line;
      mark.column = 0;
      i += line_break;
      continue;
    }
    if ((static_cast<unsigned char>(rest[0]) & 0xC0) != 0x80) ++mark.column;
    ++i;
  }
  return mark;
}

// Why and where libyaml stopped. A reader error (bytes that are not UTF-8, or a character YAML
// does not allow) is placed by its offset in the text, not by a mark.
YamlError ErrorOf(const yaml_parser_t& parser, std::string_view text) {
  std::string message = parser.problem != nullptr ? parser.problem : "invalid YAML";
  if (parser.context != nullptr) message = std::string(parser.context) + ": " + message;
  if (parser.error != YAML_READER_ERROR) return {message, MarkOf(parser.problem_mark)};
  if (parser.problem_value != -1) {  // the byte at fault, or the character
    const bool byte = message.find("octet") != std::string::npos;
    char value[16];
    std::snprintf(value, sizeof value, byte ? " (0x%02X)" : " (U+%04X)",
                  static_cast<unsigned>(parser.problem_value));
    message += value;
  }
  return {message, MarkAtOffset(text, std::min(parser.problem_offset, text.size()))};
}

std::string AnchorOf(const yaml_char_t* anchor) {
  return anchor == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(anchor));
}

}  // namespace

// Builds the tree from libyaml's events: each collection's children are gathered while it is
// open and stored contiguously when it closes.
class YamlTree::Builder {
 public:
  explicit Builder(YamlTree& tree) : tree_(tree) {}

  // Returns an error, or nullopt once the event is taken in.
  std::optional<YamlError> Take(const yaml_event_t& event) {
    const YamlMark mark = MarkOf(event.start_mark);
    switch (event.type) {
      case YAML_SCALAR_EVENT: {
        const auto& scalar = event.data.scalar;
        Entry entry{IsPlainNull(event) ? Kind::kNull : Kind::kScalar, mark, 0, 0,
                    std::string(reinterpret_cast<const char*>(scalar.value), scalar.length)};
        if (entry.kind == Kind::kNull) entry.scalar.clear();
        return Leaf(std::move(entry), AnchorOf(scalar.anchor));
      }
      case YAML_ALIAS_EVENT: {
        const auto anchored = anchors_.find(AnchorOf(event.data.alias.anchor));
        if (anchored == anchors_.end()) return YamlError{"an alias names no anchor", mark};
        // An anchor of a collection still open: a node that contains itself.
        if (!anchored->second.complete) {
          return YamlError{"an alias refers to a node that contains it", mark};
        }
        if (std::optional<YamlError> error = Count(anchored->second.size, mark)) return error;
        Attach(anchored->second.node);
        return std::nullopt;
      }
      case YAML_SEQUENCE_START_EVENT:
        return Open(Kind::kSequence, mark, AnchorOf(event.data.sequence_start.anchor));
      case YAML_MAPPING_START_EVENT:
        return Open(Kind::kMap, mark, AnchorOf(event.data.mapping_start.anchor));
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        Close();
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  bool has_root() const { return has_root_; }

 private:
  struct Anchored {
    std::uint32_t node = 0;
    std::size_t size = 0;  // nodes it expands to
    bool complete = false;
  };
  struct OpenCollection {
    std::uint32_t node;
    std::size_t count_at_start;
    std::string anchor;
    std::vector<std::uint32_t> children;
  };

  std::optional<YamlError> Count(std::size_t nodes, const YamlMark& mark) {
    count_ += nodes;
    if (count_ > kMaxYamlNodes) {
      return YamlError{"the document expands to more than " + std::to_string(kMaxYamlNodes) +
                           " nodes (aliases counted at each use)",
                       mark};
    }
    return std::nullopt;
  }

  std::uint32_t Append(Entry entry) {
    tree_.nodes_.push_back(std::move(entry));
    return static_cast<std::uint32_t>(tree_.nodes_.size() - 1);
  }

  void Attach(std::uint32_t node) {
    if (open_.empty()) {
      tree_.root_ = node;
      has_root_ = true;
    } else {
      open_.back().children.push_back(node);
    }
  }

  std::optional<YamlError> Leaf(Entry entry, const std::string& anchor) {
    if (std::optional<YamlError> error = Count(1, entry.mark)) return error;
    const std::uint32_t node = Append(std::move(entry));
    if (!anchor.empty()) anchors_[anchor] = {node, 1, true};
    Attach(node);
    return std::nullopt;
  }

  std::optional<YamlError> Open(Kind kind, const YamlMark& mark, std::string anchor) {
    if (open_.size() == kMaxYamlDepth) {
      return YamlError{
          "the document nests deeper than " + std::to_string(kMaxYamlDepth) + " levels", mark};
    }
    if (std::optional<YamlError> error = Count(1, mark)) return error;
    const std::uint32_t node = Append(Entry{kind, mark, 0, 0, {}});
    if (!anchor.empty()) anchors_[anchor] = {node, 0, false};
    open_.push_back({node, count_ - 1, std::move(anchor), {}});
    return std::nullopt;
  }

  void Close() {
    OpenCollection collection = std::move(open_.back());
    open_.pop_back();
    Entry& entry = tree_.nodes_[collection.node];
    entry.first_child = static_cast<std::uint32_t>(tree_.children_.size());
    entry.child_count = static_cast<std::uint32_t>(collection.children.size());
    tree_.children_.insert(tree_.children_.end(), collection.children.begin(),
                           collection.children.end());
    // An alias names the latest node given the anchor, and a collection's anchor comes before
    // its contents: one of them may have taken the name since.
    const auto anchored = anchors_.find(collection.anchor);
    if (anchored != anchors_.end() && anchored->second.node == collection.node) {
      anchored->second = {collection.node, count_ - collection.count_at_start, true};
    }
    Attach(collection.node);
  }

  YamlTree& tree_;
  std::size_t count_ = 0;
  bool has_root_ = false;
  std::vector<OpenCollection> open_;
  std::unordered_map<std::string, Anchored> anchors_;
};

std::variant<YamlTree, YamlError> YamlTree::Parse(std::string_view text) {
  YamlTree tree;
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) return YamlError{"out of memory", {}};
  const std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> owned(&parser, yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  Builder builder(tree);
  for (bool done = false; !done;) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) return ErrorOf(parser, text);
    // The first document only: a file is one document.
    done = event.type == YAML_DOCUMENT_END_EVENT || event.type == YAML_STREAM_END_EVENT;
    std::optional<YamlError> error = builder.Take(event);
    yaml_event_delete(&event);
    if (error) return *error;
  }
  if (!builder.has_root()) {  // an empty document: null
    tree.root_ = static_cast<std::uint32_t>(tree.nodes_.size());
    tree.nodes_.push_back(Entry{});
  }
  return tree;
}

std::size_t YamlTree::Node::size() const {
  const Entry& node = entry();
  return node.kind == Kind::kMap ? node.child_count / 2 : node.child_count;
}

YamlTree::Node YamlTree::Node::Child(std::size_t position) const {
  return Node(tree_, tree_->children_[entry().first_child + position]);
}

std::optional<YamlTree::Node> YamlTree::Node::Find(std::string_view key) const {
  if (!IsMap()) return std::nullopt;
  for (std::size_t i = 0; i < size(); ++i) {
    const Node candidate = Key(i);
    if (candidate.IsScalar() && candidate.Scalar() == key) return Value(i);
  }
  return std::nullopt;
}

std::string YamlTree::Node::ScalarOf(std::string_view key) const {
  const std::optional<Node> value = Find(key);
  return value ? value->Scalar() : std::string();
}

}  // namespace pgward
