#!/bin/sh
# it_crash.sh - kill the collector anywhere: nothing accepted is lost or
# landed twice (tests/crash.py).  Needs the fault-injection build, which
# `make check` makes; other runs skip it.

. "$(dirname "$0")/lib.sh"

if [ -z "${FAULT_COLLECTOR:-}" ] || [ ! -x "$FAULT_COLLECTOR" ]; then
	echo "SKIP crash tests: no fault-injection build (make check builds it)"
	finish
	exit $?
fi
begin "crash harness"
python3 "$TESTS_DIR/crash.py" "$FAULT_COLLECTOR" "$COLLECTOR" "$TMP/work"
