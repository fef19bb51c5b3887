# The two commands: `make demo` and `make test`. Everything else is here for developers.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
JOBS ?= $(shell nproc)

.PHONY: all deps build test test-asan test-tsan demo bench fuzz format package install clean

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

# The same suite with ThreadSanitizer.
test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGWARD_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD_DIR) -j$(JOBS)
	@ctest --test-dir $(TSAN_BUILD_DIR) -j$(JOBS) --output-on-failure

demo: build
	@scripts/demo

# A Debian package of the build (CPack; dependencies from dpkg-shlibdeps, and libpq5) in
# build/package/.
package: build
	@cd $(BUILD_DIR) && cpack -G DEB >/dev/null && ls $(abspath $(BUILD_DIR))/package/*.deb

# The binary, its man page, docs and examples under PREFIX (default /usr/local).
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# Benchmarks, each side by side with its peer in one run.
BENCHMARKS := hba_bench access_bench scan_bench diff_bench eval_bench report_bench probe_bench \
  collect_bench evidence_bench log_bench
# Every benchmark runs even after one missed its goal or failed; the run fails at the end, naming
# them.
bench: build
	@scripts/install-deps bench
	@failed=""; for name in $(BENCHMARKS); do \
	  $(BUILD_DIR)/bench/$$name || failed="$$failed $$name"; done; \
	  if [ -n "$$failed" ]; then echo "make bench: missed a goal or failed:$$failed" >&2; exit 1; fi

# Every libFuzzer target (clang, ASan, UBSan) for FUZZ_SECONDS each; what they find is merged
# into fixtures/fuzz/<name>/, which the suite replays. FUZZERS=policy_loader picks some.
FUZZ_SECONDS ?= 600
FUZZERS ?= hba_parser policy_loader values waivers inventory snapshot audit_csv report server_log
fuzz:
	@scripts/install-deps fuzz
	@CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPGWARD_FUZZ=ON -DPGWARD_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-fuzz --target $(addsuffix _fuzzer,$(FUZZERS))
	@scripts/fuzz $(FUZZ_SECONDS) $(FUZZERS)

format:
	@scripts/install-deps format
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR) build-fuzz demo-out
