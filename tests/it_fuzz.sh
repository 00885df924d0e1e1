#!/bin/sh
# it_fuzz.sh - replays the fuzz corpus and the crash reproducers: each
# file of tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME through
# $BUILD/tests/fuzz_NAME (the harness under tests/fuzz/driver.c), one
# check per file.  A harness aborts on any property it finds broken.

. "$(dirname "$0")/lib.sh"

# replay NAME DIR: runs every file of DIR in one process; when that
# fails (a crash, or a leak found at exit), runs each file alone to name
# the ones at fault.
replay() {
	name=$1 dir=$2 bin=$BUILD_DIR/tests/fuzz_$1
	set -- "$dir"/*
	[ -f "$1" ] || return 0
	$TEST_WRAP "$bin" "$@" >"$TMP/out" 2>"$TMP/err"
	all=$?
	for f in "$@"; do
		test_name="fuzz_$name ${f#"$TESTS_DIR"/}"
		if [ "$all" -eq 0 ] && grep -qxF "ok $f" "$TMP/out"; then
			pass
			continue
		fi
		$TEST_WRAP "$bin" "$f" >"$TMP/out" 2>"$TMP/err"
		if [ $? -eq 0 ] && grep -qxF "ok $f" "$TMP/out"; then
			pass
		else
			fail "the harness failed on this input"
		fi
	done
}

for name in splice config_yaml dotenv supabase s3 retry_after key \
    mockaroo; do
	replay "$name" "$TESTS_DIR/fuzz/corpus/$name"
	replay "$name" "$TESTS_DIR/fuzz/regress/$name"
done
finish
