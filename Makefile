# The two commands: `make demo` and `make test`. Everything else is here for developers.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build test test-asan demo bench fuzz format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	@ctest --test-dir $(BUILD_DIR) -j$(JOBS) --output-on-failure

# The same suite with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPGWARD_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	@ctest --test-dir $(ASAN_BUILD_DIR) -j$(JOBS) --output-on-failure

demo: build
	@scripts/demo

# Benchmarks, each side by side with its peer in one run.
bench: build
	@scripts/install-deps bench
	@$(BUILD_DIR)/bench/hba_bench
	@$(BUILD_DIR)/bench/access_bench
	@$(BUILD_DIR)/bench/eval_bench
	@$(BUILD_DIR)/bench/report_bench
	@$(BUILD_DIR)/bench/probe_bench
	@$(BUILD_DIR)/bench/collect_bench

# The parser fuzzer (clang + libFuzzer) for FUZZ_SECONDS; the differential corpus seeds it. What it
# finds is merged into fixtures/fuzz/hba/, down to the inputs that keep the coverage (the suite
# replays them).
FUZZ_SECONDS ?= 600
fuzz:
	@scripts/install-deps fuzz
	@CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPGWARD_FUZZ=ON -DPGWARD_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-fuzz --target hba_parser_fuzzer
	@mkdir -p fixtures/fuzz/hba
	@build-fuzz/hba_parser_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -max_len=65536 -print_final_stats=1 fixtures/fuzz/hba fixtures/hba-differential/*/
	@rm -rf build-fuzz/merged && mkdir build-fuzz/merged
	@build-fuzz/hba_parser_fuzzer -merge=1 -rss_limit_mb=2048 -max_len=65536 build-fuzz/merged \
	  fixtures/fuzz/hba >/dev/null 2>&1
	@rm -rf fixtures/fuzz/hba && mv build-fuzz/merged fixtures/fuzz/hba
	@echo "fixtures/fuzz/hba: $$(ls fixtures/fuzz/hba | wc -l) inputs that keep the corpus's coverage"

format:
	@scripts/install-deps format
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz demo-out
