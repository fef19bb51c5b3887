// libFuzzer target for values files (--values): any bytes as the values of the baseline pack
// give a policy or errors naming the file, never a crash, a leak, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/policy/builtin.h"
#include "fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pgward::policy::ParameterOverrides overrides;
  overrides.values_files.push_back(pgward::fuzz::WriteInputFile(data, size, "values.yaml"));
  const pgward::policy::LoadResult result = pgward::policy::LoadBuiltinPack("baseline", overrides);
  if (result.policy.has_value() == !result.errors.empty()) __builtin_trap();
  for (const pgward::policy::LoadError& error : result.errors) {
    if (error.ToString().empty()) __builtin_trap();
  }
  return 0;
}
