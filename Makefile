# The newcomer's commands: `make run` and `make test`. See README.md.
JOBS ?= $(shell nproc)
CMAKE_FLAGS := -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
# Relative paths in ccache's hash: a fresh clone elsewhere reuses earlier compilations.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: deps test-deps build build-all build-asan run test test-release test-asan fuzz deb bench bench-micro bench-pg bench-events format tidy clean

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

# parkd alone (its web UI and email templates compiled in); no test is built, so
# GoogleTest need not be installed. The web UI is built first, and only when web/ changed.
build: deps
	scripts/build-web.sh build/release/web
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build build/release -j $(JOBS) --target parkd

# parkd and every test.
build-all: test-deps
	scripts/build-web.sh build/release/web
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build/release -j $(JOBS)

build-asan: test-deps
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DPARKD_SANITIZE=ON -DBUILD_TESTING=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build/asan -j $(JOBS)

run: build
	HOST=$(HOST) PORT=$(PORT) ./build/release/parkd serve

test: test-deps
	$(MAKE) test-release
	$(MAKE) test-asan

# A failed test is run once more here too (ctest prints both attempts): see test-asan.
test-release: build-all
	cd build/release && ctest --output-on-failure -j $(JOBS) --repeat until-pass:2

# Under the sanitizers parkd runs several times slower, so a wait sized for a release build
# can run out on a busy machine: a test that fails is run once more and the stage fails only
# if it fails again (ctest prints both attempts, so a first failure still shows in the log).
test-asan: build-asan
	cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --repeat until-pass:2

# Each libFuzzer target for FUZZ_SECONDS (docs/testing.md, "Fuzzing"): clang 14 with
# ASan+UBSan, in build/fuzz, compiling only the sources the targets read.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh fuzz
	cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Release -DPARKD_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++-14 $(CMAKE_FLAGS) >/dev/null
	cmake --build build/fuzz -j $(JOBS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build/fuzz

# parkd_<version>_amd64.deb in build/release (see docs/deployment.md).
deb: build
	@scripts/install-deps.sh deb
	cd build/release && cpack -G DEB

bench:
	@scripts/install-deps.sh bench
	$(MAKE) build
	bench/run.sh

bench-micro:
	@scripts/install-deps.sh bench
	$(MAKE) build
	cmake --build build/release -j $(JOBS) --target micro_bench
	build/release/micro_bench

bench-pg:
	@scripts/install-deps.sh bench
	@scripts/install-deps.sh test
	$(MAKE) build
	bench/pg.sh

bench-events:
	@scripts/install-deps.sh bench
	$(MAKE) build
	cmake --build build/release -j $(JOBS) --target events_client
	bench/events.sh

format:
	find src tests bench fuzz -name '*.cpp' -o -name '*.h' | xargs clang-format -i

tidy: build
	scripts/tidy.sh

clean:
	rm -rf build
