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
        test-deps \
        tests faults

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

# A preload library that makes writes fail with ENOSPC (tests/enospc.c).
$(BUILD)/tests/enospc.so: tests/enospc.c | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ $< -ldl

# The program with kill points (fault.h), for the crash tests.
faults:
	@$(MAKE) --no-print-directory BUILD=build/faults \
	    BIN=build/faults/collector EXTRA_CFLAGS=-DCOLLECTOR_FAULTS \
	    build/faults/collector

$(BUILD):
	mkdir -p $@

tests: $(BIN) $(TEST_BIN) $(BUILD)/tests/enospc.so

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
