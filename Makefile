# The two set-up commands of the README, and the usual targets around them.
#   make demo   build and run gatewayd on ./demo (SQLite, mail to a Maildir;
#               DEMO_PORT=N when port 8080 is taken)
#   make check  build normally and with ASan+UBSan, run the whole test suite;
#               ends with the skipped tests and why each did not run
#   make deb    build the Debian package $(BUILD)/gatewayd_VERSION_ARCH.deb
#               (see docs/install.md); `apt install ./build/gatewayd_*.deb`
#   make fuzz   every libFuzzer target for 5 minutes (fuzz/run.sh; `make check`
#               runs each briefly on its seeds)
#   make long   the long crash loop: 100 kills of the daemon (tests/long/)
#   make po     extract the texts to translate into po/gatewayd.pot and merge
#               them into every po/LANG.po (docs/languages.md)
#   make bench  every benchmark beside its peer, medians of 5 runs
#               (bench/run.sh; `make bench-quick` takes about two minutes)

BUILD     ?= build
SANBUILD  ?= build-san
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=

BUILD_PKGS = build-essential cmake pkg-config ca-certificates sqlite3 \
	libsqlite3-dev libssl-dev libinih-dev libgmime-3.0-dev libevent-dev \
	libcmark-dev libjansson-dev libsystemd-dev libetpan-dev libcmocka-dev \
	libarchive-dev libcurl4-gnutls-dev libglib2.0-dev libicu-dev gettext
# dpkg-shlibdeps (dpkg-dev) computes the package's library dependencies.
DEB_PKGS   = dpkg-dev file
# The integration tests drive real peers: Postfix (private instances;
# strace holds a killed delivery inside its transaction),
# swaks, python3 and curl as HTTP clients, Chromium for the web view;
# Dovecot's IMAP server (a private instance) for the IMAP reader, with
# openssl to make its test certificate.
# clang and its libFuzzer/sanitizer runtime build the fuzz targets.
FUZZ_PKGS  = clang libclang-rt-14-dev
TEST_PKGS  = postfix swaks procps python3 curl strace chromium systemd dovecot-imapd openssl \
	$(DEB_PKGS) $(FUZZ_PKGS)

.PHONY: all deps test-deps build build-san check long fuzz demo install deb bench bench-quick clean po

all: build

deps:
	@./scripts/deps.sh $(BUILD_PKGS)

test-deps: deps
	@./scripts/deps.sh $(TEST_PKGS)
	@# Node.js drives Chromium through playwright-core (from npm).  A machine
	@# may already have a Node.js of its own (with npm); Debian's npm would
	@# conflict with it, so install Debian's only when there is none.
	@command -v npm >/dev/null 2>&1 || ./scripts/deps.sh nodejs npm

build: deps
	cmake -S . -B $(BUILD) -DGW_WERROR=ON -DGW_TESTS=ON $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

# The catalogs: new texts of the sources into po/*.po, for translators.
po:
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) -DGW_WERROR=ON -DGW_TESTS=ON $(CMAKE_ARGS)
	cmake --build $(BUILD) --target po

build-san: deps
	cmake -S . -B $(SANBUILD) -DCMAKE_BUILD_TYPE=Sanitize -DGW_WERROR=ON $(CMAKE_ARGS)
	cmake --build $(SANBUILD) -j $(JOBS)

# Every stage runs even when one before it failed, so that the list of
# skipped tests (scripts/test_skips.py: which, and why) always ends the
# output; any failure still fails the target.
# --repeat until-pass:2 runs a failed test once more, and ctest's output
# still shows the failure: the fault tests kill processes at moments a
# busy machine can make them miss (docs/security.md).
check: test-deps build build-san
	@rc=0; \
	( set -x; cd $(BUILD) && rm -f ctest-junit.xml && \
		ctest --output-on-failure -j $(JOBS) --repeat until-pass:2 \
		--output-junit "$$PWD/ctest-junit.xml" ) || rc=1; \
	( set -x; cd $(SANBUILD) && rm -f ctest-junit.xml && \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) --repeat until-pass:2 \
		--output-junit "$$PWD/ctest-junit.xml" ) || rc=1; \
	( set -x; ./fuzz/run.sh --smoke ) || rc=1; \
	./scripts/test_skips.py $(BUILD)/ctest-junit.xml $(SANBUILD)/ctest-junit.xml; \
	[ $$rc = 0 ] || echo "make check: FAILED (see above)"; \
	exit $$rc

long: test-deps build
	./tests/long/crash_loop.sh -b $(BUILD)

fuzz: deps
	@./scripts/deps.sh $(FUZZ_PKGS)
	./fuzz/run.sh

# The demo needs the programs only: the test programs are left out
# (GW_TESTS=OFF) and come back with the next `make build` or `make check`.
# DEMO_PORT=N picks the web view's port (default 8080).
demo: deps
	cmake -S . -B $(BUILD) -DGW_WERROR=ON -DGW_TESTS=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)
	./scripts/demo.sh $(BUILD)

install: build
	cmake --install $(BUILD)

deb: build
	@./scripts/deps.sh $(DEB_PKGS)
	cd $(BUILD) && cpack -G DEB
	@ls -1 $(BUILD)/gatewayd_*.deb

# Not part of `make check`: figures need a quiet machine (docs/performance.md).
bench: deps
	./bench/run.sh

bench-quick: deps
	./bench/run.sh --quick

clean:
	rm -rf $(BUILD) $(SANBUILD) build-fuzz
