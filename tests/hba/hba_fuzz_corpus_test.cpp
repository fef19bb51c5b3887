// The fuzzer's kept corpus, replayed through its own entry point in every test run: inputs that
// once found new paths through the parser keep running in `make test` and, under ASan and
// UBSan, in `make test-asan`, without clang or libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(HbaFuzzCorpusTest, EveryKeptInputParses) {
  const std::filesystem::path corpus =
      std::filesystem::path(PGWARD_SOURCE_DIR) / "fixtures/fuzz/hba";
  size_t inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0)
        << entry.path();
    ++inputs;
  }
  EXPECT_GE(inputs, 1000u);
}

}  // namespace
