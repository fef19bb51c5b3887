#pragma once

// Parsing the YAML files pgward is given (policies, packs, values, waivers, inventories, policy
// tests). YAML lets a small file stand for a huge tree: an alias names a node again instead of
// copying it, so twenty nested anchors of two aliases each make a million-node tree of a
// kilobyte, and every walk over it (ours, and yaml-cpp's own copies) takes that long. yaml-cpp
// also keeps about 500 bytes per node, so even a file without aliases can ask for gigabytes. The
// document is therefore counted first, by yaml-cpp's event parser with aliases expanded, and only
// built when it is within the limit.

#include <cstddef>
#include <string>

#include <yaml-cpp/yaml.h>

namespace pgward {

// Nodes a YAML document may expand to, each use of an alias counting every node it names again.
// The built-in catalog has about 2,000; an inventory of 10,000 servers about 100,000.
inline constexpr std::size_t kMaxYamlNodes = 250'000;

// Collections a YAML document may nest: pgward's files need fewer than ten, and every loader
// walks its nodes recursively.
inline constexpr std::size_t kMaxYamlDepth = 64;

// The first document of `text`, as YAML::Load gives it. Throws YAML::Exception, as YAML::Load
// does, for invalid YAML and for a document past kMaxYamlNodes or kMaxYamlDepth (marked where
// the limit was crossed).
YAML::Node LoadYamlDocument(const std::string& text);

}  // namespace pgward
