# Broadsheet: the two commands of README.md, and the pieces they are made of.
#   make run    install what is missing, build, create var/ with demo data, serve
#   make test   install what the tests need, build (plain and sanitized), run every suite

PORT ?= 8080
DATA ?= var
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DBROADSHEET_WERROR=ON
endif

.PHONY: run test deps build build-asan unit-test unit-test-asan system-test e2e-test bench clean

run: deps build
	@if [ ! -f $(DATA)/broadsheet.toml ]; then \
	  build/broadsheet init --data $(DATA) && build/broadsheet demo --data $(DATA); fi
	build/broadsheet serve --data $(DATA) --listen 127.0.0.1:$(PORT)

# Debian packages, and node_modules/ (esbuild, the ALTCHA widget, playwright-core):
# every CMake build needs the latter, as it bundles web/embed/signup.js. Cheap when
# everything is already there.
deps:
	@scripts/install-deps --npm

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBROADSHEET_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)

unit-test: build
	cd build && ctest --output-on-failure -j $(JOBS)

unit-test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Black-box tests of the real binary; run against the sanitized build too.
system-test: build build-asan
	BROADSHEET_BIN=$(CURDIR)/build/broadsheet /usr/bin/python3 -m pytest -q tests/system
	BROADSHEET_BIN=$(CURDIR)/build-asan/broadsheet ASAN_OPTIONS=detect_leaks=1 \
	  /usr/bin/python3 -m pytest -q -x tests/system

# Browser tests: Chromium (Debian's) driven by playwright-core against the real binary.
e2e-test: build
	BROADSHEET_BIN=$(CURDIR)/build/broadsheet node --test tests/e2e/

test: deps unit-test unit-test-asan system-test e2e-test

bench: deps build
	bench/import

clean:
	rm -rf build build-asan
