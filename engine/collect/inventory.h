#pragma once

// Inventory files: the fleet as YAML, each target a Target (target.h); every key is described
// in docs/snapshot-format.md#inventory.

#include <optional>
#include <string>
#include <vector>

#include "engine/collect/target.h"

namespace pgward::collect {

struct InventoryResult {
  std::vector<Target> targets;
  std::optional<std::string> error;  // "file:line:column: message"
};

InventoryResult LoadInventory(const std::string& path);

// The targets carrying at least one of `tags` (all targets when `tags` is empty).
std::vector<Target> SelectByTags(const std::vector<Target>& targets,
                                 const std::vector<std::string>& tags);

// Shard `index` of `count` (0-based): the targets whose name hashes (SHA-256) to it. Stable
// across runs, machines and inventory order; the shards are disjoint and together are all.
std::vector<Target> SelectShard(std::vector<Target> targets, size_t index, size_t count);

}  // namespace pgward::collect
