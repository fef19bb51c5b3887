// A fuzzer's kept corpus, replayed through its own entry point in every test run: inputs that
// once found new paths keep running in `make test` and, under ASan and UBSan, in
// `make test-asan`, without clang or libFuzzer. Built once per fuzzer (tests/fuzz/CMakeLists.txt),
// with PGWARD_FUZZER naming it, PGWARD_FUZZ_SUITE the test suite, and its fuzz/<name>_fuzzer.cpp
// linked in.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(PGWARD_FUZZ_SUITE, EveryKeptInputRuns) {
  const std::filesystem::path corpus =
      std::filesystem::path(PGWARD_SOURCE_DIR) / "fixtures/fuzz" / PGWARD_FUZZER;
  size_t inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0)
        << entry.path();
    ++inputs;
  }
  // A corpus emptied by mistake would make this test pass on nothing.
  EXPECT_GE(inputs, PGWARD_FUZZ_MIN_INPUTS) << corpus;
  std::filesystem::remove_all(pgward::fuzz::InputDirectory());
}

}  // namespace
