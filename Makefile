# teamsprov — bulk provisioning of Microsoft Teams calling customers.
#
# Public targets install the Debian packages they need first (as root; see
# tools/ensure-deps), then re-run make with TP_INNER=1 for the real work, so
# pkg-config is never called before the packages are there.
#
#   make             build teamsprov and teamsprov-sim into $(B)/
#   make check       every test, plain and under ASan+UBSan, and the man lint
#   make check-asan  the test suite built with AddressSanitizer + UBSan
#   make check-clang everything built with clang -Werror (no run)
#   make check-valgrind  unit and integration tests under memcheck
#   make fuzz        libFuzzer targets (FUZZ_SECONDS each, default 60)
#   make bench       benchmarks (figures and ratios on stdout)
#   make demo        provision samples/ against a local simulator
#   make check-browser  screenshots of the HTML report in headless Chromium
#   make install     PREFIX=/usr/local DESTDIR=
#   make fmt         clang-format every source file

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
B ?= build
FUZZ_SECONDS ?= 60

# The one list of Debian packages this project needs, for building, tests,
# fuzzing, benchmarks and the demo. Later work extends it here.
DEB_PACKAGES = gcc make pkg-config libc6-dev \
	libcurl4-openssl-dev libcsv-dev libcjson-dev libmicrohttpd-dev \
	libinih-dev libsqlite3-dev libssl-dev libcmocka-dev \
	clang libclang-rt-14-dev mandoc man-db groff-base curl wrk sqlite3 \
	valgrind python3 libxml2-utils

# Only for `make check-browser` (not needed by make check).
BROWSER_PACKAGES = chromium fonts-dejavu-core

PKG_MODULES = libcurl libcjson libmicrohttpd inih sqlite3 libcrypto

PUBLIC = all check check-asan check-clang check-valgrind fuzz bench demo install

.PHONY: $(PUBLIC) deps clean fmt check-browser
.DEFAULT_GOAL := all

ifndef TP_INNER

$(PUBLIC): deps
	@$(MAKE) --no-print-directory TP_INNER=1 $@

deps:
	@tools/ensure-deps $(DEB_PACKAGES)

check-browser: deps
	@tools/ensure-deps $(BROWSER_PACKAGES)
	@$(MAKE) --no-print-directory TP_INNER=1 $@

else

PKG_CFLAGS := $(shell pkg-config --cflags $(PKG_MODULES))
PKG_LIBS := $(shell pkg-config --libs $(PKG_MODULES)) -lcsv -lpthread -lm

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wpedantic -Werror
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Isrc/sim $(PKG_CFLAGS) \
	$(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

# Library objects: every src/*.c but main.c; the simulator's: src/sim/*.c
# but sim_main.c. Tests link against both archives.
LIB_SRC = $(filter-out src/main.c,$(wildcard src/*.c))
SIM_SRC = $(filter-out src/sim/sim_main.c,$(wildcard src/sim/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
SIM_OBJ = $(SIM_SRC:%.c=$(B)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(B)/teamsprov $(if $(wildcard src/sim/sim_main.c),$(B)/teamsprov-sim)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libteamsprov.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libsim.a: $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/teamsprov: $(B)/src/main.o $(B)/libteamsprov.a
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o %.a,$^) $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/teamsprov-sim: $(B)/src/sim/sim_main.o $(B)/libsim.a $(B)/libteamsprov.a
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o %.a,$^) $(ALL_LDFLAGS) \
		$(PKG_LIBS)

# $(filter ...): the .d files add headers to these prerequisites.
$(B)/tests/%: tests/unit/%.c $(B)/libsim.a $(B)/libteamsprov.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.a,$^) $(ALL_LDFLAGS) \
		$(PKG_LIBS) -lcmocka

# The suite: unit tests (cmocka, TAP output) and integration scripts that run
# the real binaries against teamsprov-sim on loopback. tests/run prints the
# closing "N passed, M failed" line.
test: all $(UNIT_BIN)
	@TP_BUILD=$(B) tests/run

check: test lint
	@$(MAKE) --no-print-directory check-clang
	@$(MAKE) --no-print-directory check-asan

# Everything also builds warning-free with clang (-Werror): compile only.
check-clang:
	@$(MAKE) --no-print-directory TP_INNER=1 B=build-clang CC=clang \
		all-tests
	@echo "clang: no warnings"

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
check-asan:
	@$(MAKE) --no-print-directory TP_INNER=1 B=build-asan \
		CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" test

all-tests: all $(UNIT_BIN)

check-valgrind: all $(UNIT_BIN)
	@TP_BUILD=$(B) TP_VALGRIND=1 tests/run

lint:
	@mandoc -T lint -W warning man/*.[0-9]
	@for m in man/*.[0-9]; do \
		w=$$(MANWIDTH=80 man -l "$$m" 2>&1 >/dev/null); \
		[ -z "$$w" ] || { echo "$$m: $$w"; exit 1; }; \
	done
	@tests/man-synopsis.sh $(B)/teamsprov
	@echo "man pages: lint clean"

# libFuzzer targets, built with clang into build-fuzz.
FUZZ_SRC = $(wildcard fuzz/fuzz_*.c)
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined
fuzz:
	@$(MAKE) --no-print-directory TP_INNER=1 B=build-fuzz CC=clang \
		CFLAGS="$(FUZZ_FLAGS)" fuzz-run

fuzz-run: $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) TP_BUILD=$(B) fuzz/run

$(B)/fuzz/%: fuzz/%.c $(B)/libteamsprov.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ \
		$(filter %.c %.a,$^) $(PKG_LIBS)

bench: all
	@TP_BUILD=$(B) bench/run

demo: all
	@TP_BUILD=$(B) tools/demo

check-browser: all $(B)/tests/test_report
	@TP_BUILD=$(B) tools/check-browser

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 755 $(B)/teamsprov $(B)/teamsprov-sim $(DESTDIR)$(BINDIR)
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5

.PHONY: test lint fuzz-run all-tests
-include $(shell find $(B) -name '*.d' 2>/dev/null)

endif

clean:
	rm -rf build build-asan build-clang build-fuzz

fmt:
	clang-format -i src/*.c src/sim/*.c include/*.h tests/unit/*.c fuzz/*.c
