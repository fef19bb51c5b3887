# The two commands: `make demo` and `make test`. Everything else is here for developers.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build test test-asan demo format clean

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

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) demo-out
