#!/bin/sh
# it_spool.sh - the spool, replay, the run lock and signals, with the
# local lake as the store.

. "$(dirname "$0")/lib.sh"

SPOOL=$TMP/home/.local/state/collector

# The spool entries (batch files), one name per line.
entries() { ls "${1:-$SPOOL}" 2>/dev/null | grep '\.batch$'; }
lake_count() { count_files "${1:-lake}"; }

# Holds the run lock of a spool directory from another process, as a
# run would, writing its pid into the lock file.
hold_lock() {
	mkdir -p "$1"
	python3 -c '
import fcntl, os, sys, time
f = open(sys.argv[1] + "/lock", "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.truncate(0); f.write("%d\n" % os.getpid()); f.flush()
open(sys.argv[2], "w").write("held")
time.sleep(float(sys.argv[3]))
' "$1" "$TMP/held" "$2" &
	holder=$!
	i=0
	while [ ! -s "$TMP/held" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	rm -f "$TMP/held"
}

begin "a run leaves only its lock in the spool"
run --max-size 2 --records 3
expect_status 0
check "one object" test "$(lake_count)" = 1
check "spool empty" test -z "$(entries)"
check "lock file" test -f "$SPOOL/lock"

begin "spool.dir, --spool-dir and STATE_DIRECTORY choose the spool"
run --max-size 1 --records 1 --spool-dir "$PWD/sp"
expect_status 0
check "the flag" test -f sp/lock
export STATE_DIRECTORY="$PWD/state:$PWD/other"
run --max-size 1 --records 1
unset STATE_DIRECTORY
expect_status 0
check "STATE_DIRECTORY's first entry" test -f state/lock

begin "-o, --dry-run and --no-spool never touch the spool"
run --max-size 1 --records 1 -o out.json
run --max-size 1 --records 1 --dry-run
run --max-size 1 --records 1 --no-spool
expect_status 0
check "no spool" test ! -e "$SPOOL"
check "--no-spool still lands" test "$(lake_count)" = 1

begin "a second run on a locked spool exits 75 at once"
hold_lock "$SPOOL" 30
run --max-size 1 --records 1
expect_status 75
expect_err "collector: error: another collector run holds $SPOOL/lock (pid $holder)"
check "nothing landed" test "$(lake_count)" = 0
kill $holder; wait $holder 2>/dev/null

begin "--wait-lock waits for the lock"
hold_lock "$SPOOL" 0.5
run --max-size 1 --records 1 --wait-lock 10
expect_status 0
check "landed after the wait" test "$(lake_count)" = 1
wait $holder 2>/dev/null
hold_lock "$SPOOL" 30
run --max-size 1 --records 1 --wait-lock 1
expect_status 75
expect_err_has "another collector run holds"
kill $holder; wait $holder 2>/dev/null

begin "a batch that cannot be stored waits in the spool and lands next run under its key"
: > blocked
run --max-size 2 --records 4 --project-url "file://$PWD/blocked/lake"
expect_status 73
expect_err_has "cannot create directory $PWD/blocked/lake: Not a directory; the batch waits in $SPOOL for the next run"
check "one spooled batch" test "$(entries | wc -l)" = 1
key=$(head -n 1 "$SPOOL/$(entries)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
rm blocked
run --max-size 1 --records 1 --project-url "file://$PWD/blocked/lake"
expect_status 0
check "the spooled batch landed under its key" test -f "blocked/lake/datalake/$key"
check "8 records in it" python3 "$TESTS_DIR/check_batch.py" "blocked/lake/datalake/$key" 8
check "and the new one too" test "$(lake_count blocked/lake)" = 2
check "spool empty" test -z "$(entries)"

begin "batches bound for another lake stay in the spool"
: > blocked
run --max-size 1 --records 2 --project-url "file://$PWD/blocked/lake"
expect_status 73
run --max-size 1 --records 2 --project-url "file://$PWD/other"
expect_status 0
expect_err "collector: warning: 1 spooled batches are bound for another destination and stay in $SPOOL"
check "still spooled" test "$(entries | wc -l)" = 1
check "the new batch landed" test "$(lake_count other)" = 1

begin "a full spool: no new fetch, exit 75"
: > blocked
run --max-size 1 --records 2 --project-url "file://$PWD/blocked/lake"
run --max-size 1 --records 2 --project-url "file://$PWD/other" --spool-max-batches 1
expect_status 75
expect_err_has "the spool $SPOOL is full (1 batches"
check "nothing fetched or landed" test "$(lake_count other)" = 0
check "the spooled batch stays" test "$(entries | wc -l)" = 1

begin "a corrupt or foreign spool file is moved aside, never uploaded"
mkdir -p "$SPOOL"
printf 'garbage\n[1]' > "$SPOOL/0000000000000001-x.batch"
printf '{"format":"collector-spool/1"}\n' > "$SPOOL/0000000000000002-y.batch"
run --max-size 1 --records 1
expect_status 0
expect_err_has "collector: error: spool file $SPOOL/0000000000000001-x.batch: not a collector spool file; moved to $SPOOL/bad"
expect_err_has "collector: error: spool file $SPOOL/0000000000000002-y.batch: header lacks a field; moved to $SPOOL/bad"
check "moved" test -f "$SPOOL/bad/0000000000000001-x.batch"
check "with its reason" grep -q "not a collector spool file" "$SPOOL/bad/0000000000000001-x.batch.reason"
check "only the new batch landed" test "$(lake_count)" = 1

begin "a spooled batch whose bytes changed is moved aside"
: > blocked
run --max-size 1 --records 2 --project-url "file://$PWD/blocked/lake"
f="$SPOOL/$(entries)"
python3 -c 'import sys; p=sys.argv[1]; d=open(p,"rb").read(); open(p,"wb").write(d[:-2] + b"X]")' "$f"
rm blocked
run --max-size 1 --records 1 --project-url "file://$PWD/blocked/lake"
expect_status 0
expect_err_has "SHA-256 differs from its header; moved to $SPOOL/bad"
check "only the new batch landed" test "$(lake_count blocked/lake)" = 1

begin "a full disk while spooling: 74, no partial files"
if [ -f "$BUILD_DIR/tests/enospc.so" ]; then
	export LD_PRELOAD="$BUILD_DIR/tests/enospc.so" ENOSPC_PATH=".local/state/collector/" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
	run --max-size 2 --records 3
	unset LD_PRELOAD ENOSPC_PATH
	expect_status 74
	expect_err_has "No space left on device"
	check "no spool files" test -z "$(ls -A "$SPOOL" | grep -v '^lock$')"
	check "nothing landed" test "$(lake_count)" = 0
else
	echo "SKIP enospc.so not built"
fi

begin "SIGTERM: the run stops, what is spooled stays, exit 75"
: > blocked
run --max-size 1 --records 1 --project-url "file://$PWD/blocked/lake"
rm blocked
"$COLLECTOR" --max-size 200 --records 2000 --project-url "file://$PWD/blocked/lake" >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 0.2
kill -TERM $pid
wait $pid
status=$?
expect_status 75
expect_err_has "interrupted by signal 15"
check "no partial files in the lake" test -z "$(find blocked -name '.*' -type f)"
check "every landed object is whole" sh -c 'for f in $(find blocked -type f); do python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f" || exit 1; done'

begin "twenty concurrent runs, one lake, own spools: twenty objects"
i=0
while [ $i -lt 20 ]; do
	"$COLLECTOR" --max-size 2 --records 50 --spool-dir "$PWD/spool.$i" \
	    --project-url "file://$PWD/lake" >/dev/null 2>"$TMP/err.$i" &
	i=$((i + 1))
done
wait
check "twenty objects" test "$(lake_count)" = 20
check "all records" python3 -c '
import json, os, sys
n = 0
for d, _, fs in os.walk("lake"):
    for f in fs:
        n += len(json.load(open(os.path.join(d, f))))
sys.exit(n != 2000)
'

begin "two concurrent runs on one spool: one lands, one exits 75"
"$COLLECTOR" --max-size 300 --records 1000 >"$TMP/out.1" 2>"$TMP/err.1" &
pid=$!
i=0
while [ ! -s "$SPOOL/lock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
run --max-size 1 --records 1
expect_status 75
expect_err_has "another collector run holds $SPOOL/lock (pid $pid)"
wait $pid
check "the first one landed" test $? = 0
check "one object" test "$(lake_count)" = 1

finish
