// libFuzzer target for the CSV import (`psql --csv` output of the audit query): any bytes give
// connection facts or the reason the file cannot be used, never a crash, a leak, a hang or
// unbounded memory; what is imported is written as a snapshot without throwing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/collect/snapshot.h"
#include "fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pgward::FactSet facts;
  pgward::Evidence evidence;
  if (pgward::collect::LoadSnapshot(pgward::fuzz::WriteInputFile(data, size, "audit.csv"), facts,
                                    evidence)) {
    return 0;
  }
  if (pgward::collect::WriteSnapshot(evidence, facts).empty()) __builtin_trap();
  return 0;
}
