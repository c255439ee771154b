# Broadsheet: the two commands of README.md, and the pieces they are made of.
#   make run    install what is missing, build, create var/ with demo data, serve
#   make test   install what the tests need, build (plain and sanitized), run every suite
#               in two lanes: a suite runs as soon as its build is done, beside the next
#               build, so the CPU is busy while tests wait on servers and Chromium
#   make package  the .deb (binary, systemd unit, default configuration, man page)

PORT ?= 8080
DATA ?= var
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DBROADSHEET_WERROR=ON
endif

# Seconds each fuzzer runs in `make test` (a long run: see README, "Fuzzing").
FUZZ_SECONDS ?= 10
# Test processes at once for the system tests (pytest-xdist): they mostly wait on the
# server under test, so more than the cores.
PYTEST_WORKERS ?= 4
# Browser test files at once: each mostly waits on Chromium and the server (node's
# default is one less than the cores, so one here).
E2E_CONCURRENCY ?= 4
# Builds yield the CPU to tests running beside them: the tests wait on timeouts and
# rates, a build only takes longer.
BUILD_NICE ?= nice -n 10

.PHONY: run test package test-lane-plain test-lane-asan deps deps-run build build-test build-asan build-tsan build-fuzz unit-test \
        unit-test-asan unit-test-pg unit-test-tsan system-test system-test-asan system-test-pg e2e-test fuzz-test lint bench clean

run: deps-run
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS) --target broadsheet
	@if [ ! -f $(DATA)/broadsheet.toml ]; then \
	  build/broadsheet init --data $(DATA) && build/broadsheet demo --data $(DATA); fi
	build/broadsheet serve --data $(DATA) --listen 127.0.0.1:$(PORT)

# What building and running needs (Debian packages, the npm packages that bundle the
# sign-up script); `deps` adds the test tools (GoogleTest, Clang, Postfix, Chromium,
# playwright-core...). Cheap when everything is already there.
deps-run:
	@scripts/install-deps

deps:
	@scripts/install-deps --test

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@$(BUILD_NICE) cmake --build build -j $(JOBS)

# What the suites need of the plain build: the binary and the unit tests (CMake's
# `tests` target), not the benches.
build-test: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@$(BUILD_NICE) cmake --build build -j $(JOBS) --target tests

# The unit tests that run under ASan + UBSan: the subsystems that parse outside input or
# hold its bytes (core's encodings, addresses, MIME, Markdown, signed links, DKIM
# canonicalisation, rendering, the ALTCHA payloads, feeds, bounces, CSV imports, provider
# webhooks, the admin's cookies and tokens, the API's routes and bodies), share state
# between threads (send, transport, the page cache) or talk to the network (http, smtp,
# inbound, net). Left to the plain pass, whose code the ASan system tests also run:
# schedule and scheduler (date arithmetic on values, one thread on a fake clock), drafts
# (article choice and a Markdown layout over feeds already parsed above), desk (pages built
# from store rows), cli (the operator's commands), config (the operator's own file, read
# by every ASan system test as the server starts) and the store: its tests run plain on
# both backends, its group commit under TSan, and every ASan system test runs its code in
# the server; test_store was a fifth of this build (stop 27's clean run: the ASan lane,
# its build beside the plain lane's passes, ended at 35 min).
# Only these are built in build-asan (BROADSHEET_TEST_SUBSYSTEMS): the build is most of
# this pass's time.
empty :=
space := $(empty) $(empty)
ASAN_UNIT_TESTS = core address mime markdown links dkim render robot feeds bounce imports \
  webhooks admin app send transport web http smtp inbound net
build-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBROADSHEET_SANITIZE=ON \
	  "-DBROADSHEET_TEST_SUBSYSTEMS=$(subst $(space),;,$(strip $(ASAN_UNIT_TESTS)))" $(CMAKE_FLAGS) >/dev/null
	@$(BUILD_NICE) cmake --build build-asan -j $(JOBS) --target tests

# The libFuzzer targets: Clang's, with AddressSanitizer and UBSan, each fuzzer built
# with only its parser's source files and the small libraries under them
# (broadsheet_fuzzer in CMakeLists.txt), not the store nor the HTTP server.
build-fuzz: deps
	@CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DBROADSHEET_SANITIZE=ON -DBROADSHEET_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@$(BUILD_NICE) cmake --build build-fuzz -j $(JOBS) --target fuzzers

# ThreadSanitizer (-O1, CMakeLists.txt says why): only the unit-test files of code that
# shares state between threads, each run whole: the send engine (alone and shared by
# sender nodes), its flow control, the dispatcher and the sign-up mail queue; the
# transport and the outbox's batches; the store's group commit; the SMTP pool; the HTTP
# server, its limits and its stop; the inbound (LMTP) listener and the mailbox poller.
# Only these files are compiled (BROADSHEET_TEST_FILES), into one test binary per folder
# they are in: the rest of those binaries (test_store's other 28 files, say) would be
# most of this build and run nothing here.
TSAN_TEST_FILES = send/engine_test.cpp send/flow_test.cpp send/dispatcher_test.cpp \
  send/mail_queue_test.cpp transport/transport_test.cpp transport/outbox_test.cpp \
  store/sqlite/group_commit_test.cpp smtp/pool_sink_test.cpp smtp/pool_relay_test.cpp \
  smtp/pool_stop_test.cpp smtp/pool_hostile_test.cpp http/server_test.cpp \
  http/server_limits_test.cpp http/server_stop_test.cpp http/server_handlers_test.cpp \
  inbound/listener_test.cpp inbound/poller_test.cpp
TSAN_TESTS = $(sort $(foreach file,$(TSAN_TEST_FILES),test_$(firstword $(subst /, ,$(file)))))
build-tsan: deps
	@cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBROADSHEET_TSAN=ON \
	  "-DBROADSHEET_TEST_FILES=$(subst $(space),;,$(strip $(TSAN_TEST_FILES)))" $(CMAKE_FLAGS) >/dev/null
	@$(BUILD_NICE) cmake --build build-tsan -j $(JOBS) --target $(TSAN_TESTS)

unit-test: build-test
	cd build && ctest --output-on-failure -j $(JOBS)

# The store tests again on PostgreSQL: every suite on testing::BackendTest runs a second
# time against a throwaway cluster (scripts/with-postgres), with the backend's own tests.
# ctest lists the tests when building, without the cluster, so the binary runs directly.
unit-test-pg: build-test
	scripts/with-postgres build/test_store --gtest_brief=1 \
	  --gtest_filter='*/PostgreSQL:PgStoreTest.*'

unit-test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Every test of TSAN_TEST_FILES (the only ones built there).
unit-test-tsan: build-tsan
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -j $(JOBS)

# Each libFuzzer target for FUZZ_SECONDS from its seeds (fuzz/corpus/NAME, read only);
# what it finds new goes to a scratch folder. A crash fails the run and is kept in
# build-fuzz/fuzz-crashes/ for `build-fuzz/fuzz_NAME FILE` to reproduce.
fuzz-test: build-fuzz
	@scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

# Black-box tests of the real binary, in parallel.
system-test: build-test
	BROADSHEET_BIN=$(CURDIR)/build/broadsheet /usr/bin/python3 -m pytest -q -n $(PYTEST_WORKERS) tests/system

# The same against the sanitized binary, but only the files that feed it outside input
# (HTTP requests, forms and JSON, CSV imports, feeds, inbound mail, relay replies) or
# drive its threads (sending, the SMTP pool, the mail queue, stopping, shutdown): that
# is where a memory error would hide. The others (CLI bookkeeping, schedules, editions,
# DKIM keys, MX policy, issue pages, the archive at scale) run plain above, and their
# code that handles outside bytes runs under ASan in the unit tests (ASAN_UNIT_TESTS:
# not the date arithmetic of schedules and editions, nor the CLI's own commands); all
# of them would triple this pass's time.
ASAN_SYSTEM_TESTS = test_http.py test_attacks.py test_attacks_signup.py test_signup.py \
  test_api.py test_import.py test_day_one_import.py test_feeds.py test_bounces.py \
  test_send.py test_day_one_relay.py test_day_one_stop.py test_hardening_send.py \
  test_mail_queue.py test_shutdown.py test_archive.py test_sponsor.py test_proxy.py \
  test_inbound.py test_inbound_mailbox.py test_day_one_providers.py
system-test-asan: build-asan
	BROADSHEET_BIN=$(CURDIR)/build-asan/broadsheet ASAN_OPTIONS=detect_leaks=1 \
	  /usr/bin/python3 -m pytest -q -n $(PYTEST_WORKERS) $(addprefix tests/system/,$(ASAN_SYSTEM_TESTS))

# The system tests again on PostgreSQL (issue 15: every system test on both backends),
# with the plain binary beside a throwaway cluster (scripts/with-postgres): each data
# folder gets a database of its own (tests/system/backend.py). Every file that reaches
# the store runs; left out are those that do not touch the database, whose code does
# not know which backend it runs on: DKIM keys and signing (test_dkim.py), MX policy
# (test_mx.py), the package's layout (test_packaging.py), and of test_http.py the HTTP
# layer's limits, framing and timeouts: only its tests that read or write the store run.
PG_SYSTEM_SKIPPED = test_dkim.py test_mx.py test_packaging.py test_http.py
PG_SYSTEM_TESTS = $(filter-out $(addprefix tests/system/,$(PG_SYSTEM_SKIPPED)),$(wildcard tests/system/test_*.py)) \
  $(addprefix tests/system/test_http.py::,test_public_api_hides_private_newsletters_and_follows_changes \
    test_public_api_on_an_empty_publication test_newsletter_text_is_escaped_in_pages \
    test_pages_keep_working_during_a_large_import)
system-test-pg: build-test
	scripts/with-postgres env BROADSHEET_TEST_DATABASE=postgresql \
	  BROADSHEET_BIN=$(CURDIR)/build/broadsheet \
	  /usr/bin/python3 -m pytest -q -n $(PYTEST_WORKERS) $(PG_SYSTEM_TESTS)

# Browser tests: Chromium (Debian's) driven by playwright-core against the real binary.
e2e-test: build-test
	BROADSHEET_BIN=$(CURDIR)/build/broadsheet node --test --test-concurrency=$(E2E_CONCURRENCY) tests/e2e/

# The plain build first, alone (it has the whole CPU); then two lanes side by side, each
# a sequence of passes, every pass right after its build: one lane runs the plain build's
# passes (mostly waiting on the server and Chromium), then builds and runs TSan and the
# fuzzers; the other builds the ASan binary and runs its passes. A lane's output is
# printed in one piece when it ends (--output-sync), a failing pass ends its lane, and
# any failure fails `make test`.
# The budget: `make test` on a clean clone within 30 minutes on 2 cores. CPU of each
# build (user+sys seconds, g++ 12 and Clang 14, December 2026): build-test ~750 (alone:
# ~380 s), build-asan ~880 (the biggest: it starts first and compiles beside the
# plain passes, which mostly wait), build-tsan ~300, build-fuzz ~110. Runs: the plain
# passes ~335 s, unit-test-tsan ~60 s, fuzz-test 14 x FUZZ_SECONDS two at a time (~150 s
# with start-up), the ASan passes ~350 s beside the TSan and fuzz builds. Both lanes
# should end after ~850-950 s (estimates: the "== PASS: N s" lines of a clean run are
# the measure). A new pass goes to the lane that ends first; the PostgreSQL system tests
# (plain binary, ~150-200 s) to LANE_PLAIN after e2e-test, beside the end of the ASan
# build, so that TSan and the fuzzers still compile beside the ASan passes.
test: deps
	@start=$$(date +%s); $(MAKE) --no-print-directory build-test && \
	  echo "== build-test: $$(( $$(date +%s) - start )) s"
	@$(MAKE) --no-print-directory -j 2 --output-sync=target test-lane-plain test-lane-asan

LANE_PLAIN = unit-test unit-test-pg system-test e2e-test system-test-pg unit-test-tsan fuzz-test
LANE_ASAN = unit-test-asan system-test-asan
# Each pass ends with its wall time ("== unit-test: 74 s"), the figures the budget of
# `make test` is planned from.
test-lane-plain test-lane-asan:
	@for pass in $(if $(filter test-lane-plain,$@),$(LANE_PLAIN),$(LANE_ASAN)); do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$pass || exit 1; \
	  echo "== $$pass: $$(( $$(date +%s) - start )) s"; done

# clang-tidy with the checks of .clang-tidy over every source file (not part of `make
# test`: it takes about as long as a build of everything). It reads the compile commands
# of a build without unity batches (build-lint/, configured only), which name each file.
lint: build
	@cmake -S . -B build-lint -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBROADSHEET_UNITY=OFF $(CMAKE_FLAGS) >/dev/null
	run-clang-tidy-14 -p build-lint -quiet -j $(JOBS) '$(CURDIR)/src/'

# The Debian package: build/broadsheet_VERSION-1_ARCH.deb (cmake/package.cmake says what
# it holds), checked by lintian. Builds the binary, its man page and default
# configuration, not the tests.
package:
	@scripts/install-deps --package
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@$(BUILD_NICE) cmake --build build -j $(JOBS) --target broadsheet broadsheet_manpage broadsheet_package_files
	@cd build && cpack -G DEB
	lintian --fail-on error build/broadsheet_*.deb

bench: deps build
	bench/import

clean:
	rm -rf build build-asan build-tsan build-fuzz build-lint
