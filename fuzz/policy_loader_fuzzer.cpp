// libFuzzer target for the policy loader (read -> validate -> compile): any bytes as a Policy or
// Pack file give a policy or errors, never a crash, a leak, a hang or unbounded memory (YAML
// alias bombs included). The file sits among the built-in rule files, so that a Pack naming
// ../catalog.yaml loads the real catalog.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/policy/builtin.h"
#include "engine/policy/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string path = "rules/packs/fuzz.yaml";
  const pgward::policy::FileReader reader = [&](const std::string& wanted) {
    if (wanted == path) return pgward::InputFile{text, std::nullopt};
    for (const pgward::policy::BuiltinFile& file : pgward::policy::BuiltinRuleFiles()) {
      if (file.path == wanted) return pgward::InputFile{std::string(file.text), std::nullopt};
    }
    return pgward::InputFile{"", "not a built-in rule file"};
  };
  const pgward::policy::LoadResult result = pgward::policy::LoadPolicyFrom(reader, path);
  // A result is a policy or errors, never both, never neither.
  if (result.policy.has_value() == !result.errors.empty()) __builtin_trap();
  for (const pgward::policy::LoadError& error : result.errors) {
    if (error.ToString().empty()) __builtin_trap();
  }
  return 0;
}
