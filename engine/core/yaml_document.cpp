#include "engine/core/yaml_document.h"

#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace pgward {
namespace {

// Counts the nodes of one document with every alias expanded: an anchored node's expanded size
// is remembered, so that an alias adds it in constant time and the count never walks the tree.
class ExpandedNodeCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto size = anchored_sizes_.find(anchor);
    // The parser only reports aliases of anchors it has seen, so one without a size names a
    // collection still open: a node that contains itself, which no walk over it would finish.
    if (size == anchored_sizes_.end())
      throw YAML::Exception(mark, "an alias refers to a node that contains it");
    Add(mark, size->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Leaf(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct OpenCollection {
    YAML::anchor_t anchor;
    std::size_t count_at_start;
  };

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    Add(mark, 1);
    if (anchor != YAML::NullAnchor) anchored_sizes_[anchor] = 1;
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (open_.size() == kMaxYamlDepth) {
      throw YAML::Exception(
          mark, "the document nests deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    }
    open_.push_back({anchor, count_});
    Add(mark, 1);
  }
  void Close() {
    const OpenCollection collection = open_.back();
    open_.pop_back();
    if (collection.anchor != YAML::NullAnchor)
      anchored_sizes_[collection.anchor] = count_ - collection.count_at_start;
  }
  void Add(const YAML::Mark& mark, std::size_t nodes) {
    count_ += nodes;
    if (count_ > kMaxYamlNodes) {
      throw YAML::Exception(mark, "the document expands to more than " +
                                      std::to_string(kMaxYamlNodes) +
                                      " nodes (aliases counted at each use)");
    }
  }

  std::size_t count_ = 0;
  std::vector<OpenCollection> open_;
  std::unordered_map<YAML::anchor_t, std::size_t> anchored_sizes_;
};

}  // namespace

YAML::Node LoadYamlDocument(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  ExpandedNodeCounter counter;
  parser.HandleNextDocument(counter);
  return YAML::Load(text);
}

}  // namespace pgward
