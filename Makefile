# collector - GNU make.  `make run` collects one batch into ./lake,
# `make check` runs the tests; both install missing build packages first.

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/collector
UNITDIR   ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc

CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS       = libcurl jansson yaml-0.1 zlib

# Debian packages: to build, and to run the tests.
DEB_BUILD  = gcc make pkg-config libcurl4-openssl-dev libjansson-dev libyaml-dev \
             zlib1g-dev
DEB_TEST   = python3 mandoc man-db valgrind curl systemd
DEB_LINT   = cppcheck clang-tidy clang-format

CFLAGS    ?= -O2 -g
WARNINGS   = -Wall -Wextra -Wpedantic -Werror
CPPFLAGS  += -Iinclude -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
             -DCOLLECTOR_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) $(EXTRA_CFLAGS) \
             $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS       = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm

# BUILD holds objects and test programs; BIN is the program the tests run.
BUILD     ?= build
BIN       ?= collector

LIB_SRC    = $(filter-out collector.c,$(wildcard *.c))
LIB_OBJ    = $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC   = $(wildcard tests/test_*.c)
TEST_BIN   = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HEADERS    = $(wildcard include/*.h) tests/t.h

SANITIZE   = -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
VALGRIND   = valgrind --quiet --error-exitcode=99 --leak-check=full \
             --errors-for-leak-kinds=definite,indirect \
             --show-leak-kinds=definite,indirect --track-fds=no

.PHONY: all run check sanitize valgrind bench install uninstall clean deps \
        test-deps lint-deps lint format fuzz \
        tests faults torture

all: $(BIN)

$(BIN): $(BUILD)/collector.o $(BUILD)/libcollector.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libcollector.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(HEADERS) | $(BUILD)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libcollector.a $(HEADERS) | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/libcollector.a $(LIBS)

# A preload library that makes chosen file operations fail, with ENOSPC,
# EIO or EACCES, on chosen paths (tests/iofail.c).
$(BUILD)/tests/iofail.so: tests/iofail.c | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) -shared -fPIC -O2 $(WARNINGS) -o $@ $< -ldl

# The fuzz harnesses (tests/fuzz/fuzz_*.c).  Under tests/fuzz/driver.c,
# with any compiler, `make check` replays their corpus and regression
# files (tests/it_fuzz.sh); `make fuzz` builds them with clang's libFuzzer
# and runs each for FUZZ_TIME seconds (tests/fuzz/run).
FUZZ_NAMES = splice config_yaml dotenv supabase s3 retry_after key mockaroo
FUZZ_BIN   = $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz_%)
FUZZ_TIME ?= 60
FUZZ_JOBS ?= 2
FUZZ_SAN   = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

$(FUZZ_BIN): $(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c \
    tests/fuzz/fuzz.h $(BUILD)/libcollector.a $(HEADERS) | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< \
	    tests/fuzz/driver.c $(BUILD)/libcollector.a $(LIBS)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h \
    build/fuzz/libcollector.a
	clang $(CPPFLAGS) -std=c11 $(WARNINGS) -O1 -g $(FUZZ_SAN) \
	    -fsanitize=fuzzer $(shell $(PKG_CONFIG) --cflags $(PKGS) \
	    2>/dev/null) -o $@ $< build/fuzz/libcollector.a $(LIBS)

fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS='-O1 -g' \
	    EXTRA_CFLAGS='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' \
	    build/fuzz/libcollector.a
	@$(MAKE) --no-print-directory $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
	@FUZZ_TIME=$(FUZZ_TIME) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run \
	    $(FUZZ_NAMES)

# The program with kill points (fault.h), for the crash tests.
faults:
	@$(MAKE) --no-print-directory BUILD=build/faults \
	    BIN=build/faults/collector EXTRA_CFLAGS=-DCOLLECTOR_FAULTS \
	    build/faults/collector

# The program with allocation failure injection (tests/torture/alloc.c),
# sanitized, with jansson, libyaml and zlib linked statically so that their
# allocations are counted too; `make torture` fails each allocation of a
# run in turn (tests/torture/run).
TORTURE_BUILD ?= build/torture
TORTURE_SCENARIOS ?= offline http s3
TORTURE_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
               -Wl,--wrap=strdup,--wrap=strndup,--wrap=curl_global_init
TORTURE_LIBS = -Wl,-Bstatic -ljansson -lyaml -lz -Wl,-Bdynamic \
               $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null) -lm

$(BUILD)/torture-collector: $(BUILD)/collector.o $(BUILD)/libcollector.a \
    tests/torture/alloc.c tests/torture/alloc.h
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $(TORTURE_WRAP) -o $@ \
	    tests/torture/alloc.c $(BUILD)/collector.o \
	    $(BUILD)/libcollector.a $(TORTURE_LIBS)

$(BUILD)/torture-test_oom: tests/torture/test_oom.c $(BUILD)/libcollector.a \
    tests/torture/alloc.c tests/torture/alloc.h $(HEADERS)
	$(CC) $(CPPFLAGS) -Itests -Itests/torture $(ALL_CFLAGS) $(LDFLAGS) \
	    $(TORTURE_WRAP) -o $@ tests/torture/alloc.c tests/torture/test_oom.c \
	    $(BUILD)/libcollector.a $(TORTURE_LIBS)

torture: test-deps
	@$(MAKE) --no-print-directory BUILD=$(TORTURE_BUILD) \
	    EXTRA_CFLAGS='$(SANITIZE)' LDFLAGS='$(SANITIZE)' \
	    $(TORTURE_BUILD)/torture-collector $(TORTURE_BUILD)/torture-test_oom
	@ASAN_OPTIONS=detect_leaks=1 $(TORTURE_BUILD)/torture-test_oom
	@COLLECTOR=$(abspath $(TORTURE_BUILD)/torture-collector) \
	    tests/torture/run $(TORTURE_SCENARIOS)

$(BUILD):
	mkdir -p $@

tests: $(BIN) $(TEST_BIN) $(BUILD)/tests/iofail.so $(FUZZ_BIN)

run: deps
	@$(MAKE) --no-print-directory all
	@key=$$(./$(BIN) --once) && \
	    echo "collected one batch: $$key" && \
	    echo "look at it with: head -c 600 $$key; echo"

check: test-deps
	@$(MAKE) --no-print-directory tests faults
	@COLLECTOR=$(abspath $(BIN)) BUILD=$(BUILD) \
	    FAULT_COLLECTOR=$(abspath build/faults/collector) tests/run

sanitize: test-deps
	@$(MAKE) --no-print-directory BUILD=build/sanitize \
	    BIN=build/sanitize/collector EXTRA_CFLAGS='$(SANITIZE)' \
	    LDFLAGS='$(SANITIZE)' tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    COLLECTOR=$(abspath build/sanitize/collector) \
	    BUILD=build/sanitize tests/run

valgrind: test-deps
	@$(MAKE) --no-print-directory tests
	@COLLECTOR=$(abspath $(BIN)) BUILD=$(BUILD) \
	    TEST_WRAP='$(VALGRIND)' tests/run

bench: test-deps
	@$(MAKE) --no-print-directory all
	@COLLECTOR=$(abspath $(BIN)) bench/run

# Static analysis; any finding fails.  cppcheck, then clang-tidy with
# .clang-tidy (two files at a time), then clang-format --dry-run with
# .clang-format; each runs even when the one before failed.  fault.c is
# checked a second time with its kill points compiled in.  `make format`
# rewrites the sources the way `make lint` wants them.
LINT_SRC   = $(wildcard *.c tests/*.c tests/fuzz/*.c tests/torture/*.c)
FORMAT_SRC = $(wildcard *.c include/*.h tests/*.c tests/*.h tests/fuzz/*.c \
             tests/fuzz/*.h tests/torture/*.c tests/torture/*.h)
LINT_FLAGS = -std=c11 $(CPPFLAGS) -Itests \
             $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# NULL ends the argument lists of test_config.c's load(); POSIX makes NULL
# a (void *) 0, which va_arg() may read as a char *, so the portability
# warning does not apply.
CPPCHECK   = cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
             --enable=warning,performance,portability \
             --suppress=varFuncNullUB:tests/test_config.c

lint: lint-deps | $(BUILD)
	@st=0; \
	echo "cppcheck"; \
	$(CPPCHECK) $(CPPFLAGS) $(LINT_SRC) || st=1; \
	$(CPPCHECK) $(CPPFLAGS) -DCOLLECTOR_FAULTS fault.c || st=1; \
	echo "clang-tidy"; \
	printf '%s\n' $(LINT_SRC) | xargs -P2 -I{} clang-tidy --quiet {} \
	    -- $(LINT_FLAGS) 2>$(BUILD)/clang-tidy.log && \
	clang-tidy --quiet fault.c -- $(LINT_FLAGS) -DCOLLECTOR_FAULTS \
	    2>>$(BUILD)/clang-tidy.log || { st=1; \
	    grep -v 'warnings* generated\.$$' $(BUILD)/clang-tidy.log; }; \
	echo "clang-format"; \
	clang-format --dry-run --Werror --ferror-limit=3 $(FORMAT_SRC) || \
	    { st=1; echo "make format rewrites the files above"; }; \
	exit $$st

format: lint-deps
	clang-format -i $(FORMAT_SRC)

# The cron file goes with the documentation, not to /etc/cron.d: it would
# start running at once, before its user exists.
install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/collector
	install -m 644 collector.1 $(DESTDIR)$(MANDIR)/man1/collector.1
	install -m 644 config.yaml $(DESTDIR)$(DOCDIR)/config.yaml
	sed 's|/usr/local/bin/collector|$(BINDIR)/collector|' \
	    contrib/systemd/collector.service \
	    >$(DESTDIR)$(UNITDIR)/collector.service
	chmod 644 $(DESTDIR)$(UNITDIR)/collector.service
	install -m 644 contrib/systemd/collector.timer \
	    $(DESTDIR)$(UNITDIR)/collector.timer
	install -m 644 contrib/completion/collector.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/collector
	install -m 644 contrib/cron/collector \
	    $(DESTDIR)$(DOCDIR)/cron.d-collector

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/collector \
	    $(DESTDIR)$(MANDIR)/man1/collector.1 \
	    $(DESTDIR)$(DOCDIR)/config.yaml \
	    $(DESTDIR)$(DOCDIR)/cron.d-collector \
	    $(DESTDIR)$(UNITDIR)/collector.service \
	    $(DESTDIR)$(UNITDIR)/collector.timer \
	    $(DESTDIR)$(BASHCOMPDIR)/collector
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build $(BIN)

# Installs missing Debian packages: with apt-get as root, otherwise it
# prints the command.  `deps` is what the build needs, `test-deps` what
# the tests need too; the S3 tests also need Node.js and npm (for
# s3rver), from Debian unless the machine has them already.
deps:
	@$(call install_missing,$(DEB_BUILD),true)

test-deps:
	@$(call install_missing,$(DEB_BUILD) $(DEB_TEST),command -v npm)

lint-deps:
	@$(call install_missing,$(DEB_BUILD) $(DEB_LINT),true)

# $(1): packages; $(2): a command that fails when Node.js must be added.
define install_missing
missing=; \
for p in $(1); do \
    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
        grep -q '^install ok installed' || missing="$$missing $$p"; \
done; \
$(2) >/dev/null || missing="$$missing nodejs npm"; \
if [ -z "$$missing" ]; then exit 0; fi; \
if ! command -v apt-get >/dev/null; then \
    echo "missing packages:$$missing (install them, then run make again)"; \
    exit 1; \
elif [ "$$(id -u)" = 0 ]; then \
    echo "installing:$$missing"; \
    apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $$missing >/dev/null; \
else \
    echo "missing packages; run:"; \
    echo "  sudo apt-get install -y$$missing"; \
    exit 1; \
fi
endef
