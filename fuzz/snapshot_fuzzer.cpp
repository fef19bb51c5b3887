// libFuzzer target for the snapshot reader: any bytes as a JSON snapshot give facts or the reason
// the file cannot be used, never a crash, a leak, a hang or unbounded memory. What is read is
// also written back and read again: a snapshot must give exactly the facts it was written from.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/collect/snapshot.h"
#include "fuzz/fuzz_file.h"

namespace {

struct Loaded {
  std::optional<std::string> error;
  std::string rewritten;  // the snapshot of what was read
};

Loaded LoadAndRewrite(const uint8_t* data, size_t size, const std::string& name) {
  pgward::FactSet facts;
  pgward::Evidence evidence;
  Loaded loaded;
  loaded.error = pgward::collect::LoadSnapshot(pgward::fuzz::WriteInputFile(data, size, name),
                                               facts, evidence);
  if (!loaded.error) loaded.rewritten = pgward::collect::WriteSnapshot(evidence, facts);
  return loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Loaded first = LoadAndRewrite(data, size, "snapshot.json");
  if (first.error) return 0;
  const Loaded second = LoadAndRewrite(reinterpret_cast<const uint8_t*>(first.rewritten.data()),
                                       first.rewritten.size(), "rewritten.json");
  if (second.error) {
    std::fprintf(stderr, "the snapshot written back is refused: %s\n", second.error->c_str());
    __builtin_trap();
  }
  if (second.rewritten != first.rewritten) {
    const auto [differs, unused] = std::mismatch(first.rewritten.begin(), first.rewritten.end(),
                                                 second.rewritten.begin(), second.rewritten.end());
    const size_t at = static_cast<size_t>(differs - first.rewritten.begin());
    const size_t from = at > 200 ? at - 200 : 0;
    std::fprintf(stderr, "read back, the snapshot differs at byte %zu:\n%s\n---\n%s\n", at,
                 first.rewritten.substr(from, 400).c_str(),
                 second.rewritten.substr(from, 400).c_str());
    __builtin_trap();
  }
  return 0;
}
