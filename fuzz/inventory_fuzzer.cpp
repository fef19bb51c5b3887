// libFuzzer target for inventory files: any bytes give targets or an error, never a crash, a
// leak, a hang or unbounded memory, and no target without a name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/collect/inventory.h"
#include "fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const pgward::collect::InventoryResult result =
      pgward::collect::LoadInventory(pgward::fuzz::WriteInputFile(data, size, "inventory.yaml"));
  if (result.error && !result.targets.empty()) __builtin_trap();
  for (const pgward::collect::Target& target : result.targets) {
    if (target.name.empty()) __builtin_trap();
  }
  if (pgward::collect::SelectByTags(result.targets, {"prod"}).size() > result.targets.size())
    __builtin_trap();
  return 0;
}
