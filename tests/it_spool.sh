#!/bin/sh
# it_spool.sh - the spool, replay, the run lock and signals, against the
# fake Supabase Storage server (tests/fake_supabase.py).

. "$(dirname "$0")/lib.sh"

SPOOL=$TMP/home/.local/state/collector
KEY=service-key

# The spool entries (batch files), one name per line.
entries() { ls "${1:-$SPOOL}" 2>/dev/null | grep '\.batch$'; }

# Starts a fresh fake store; its URL goes in $STORE.  Arguments are the
# server's fault flags.
store() {
	cleanup_servers
	start_server PORT fake_supabase.py --key "$KEY" "$@"
	STORE=http://127.0.0.1:$PORT
}

# Runs the collector against $STORE with a small batch.
collect() {
	run --project-url "$STORE" --retries 0 --max-size 1 --records 3 "$@"
}

get() { curl -sf "$STORE$1"; }
stored() { get /__count; }
spooled_key() { head -n 1 "$SPOOL/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }

# Starts a run in the background ($pid) and returns once the store has
# its upload request, which the store (--delay) holds unanswered.
start_slow_upload() {
	"$COLLECTOR" --project-url "$STORE" --max-size 1 --records 3 \
	    >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	i=0
	while [ "$(get /__stats | python3 -c 'import json,sys; print(json.load(sys.stdin).get("upload", 0))')" = 0 ] &&
	    [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}

# Holds the run lock of a spool directory from another process, as a run
# would, writing its pid into the lock file.
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

export COLLECTOR_PROJECT_KEY=$KEY
store

begin "a run leaves only its lock in the spool"
export COLLECTOR_PROJECT_KEY=$KEY
store
collect
expect_status 0
check "one object" test "$(stored)" = 1
check "spool empty" test -z "$(entries)"
check "lock file" test -f "$SPOOL/lock"

begin "a gzip batch travels as application/gzip"
export COLLECTOR_PROJECT_KEY=$KEY
store
collect --gzip
expect_status 0
check "content type" test "$(get /__only/meta | cut -d'|' -f1)" = "application/gzip"
check "key suffix" sh -c "curl -sf '$STORE/__only/key' | grep -q '\.json\.gz$'"
check "gunzips to the batch" sh -c "curl -sf '$STORE/__only' | gzip -dc > b.json && python3 '$TESTS_DIR/check_batch.py' b.json 3"

begin "a local lake takes batches straight: no spool"
run --max-size 1 --records 1
expect_status 0
check "no spool" test ! -e "$SPOOL"

begin "spool.dir, --spool-dir and STATE_DIRECTORY choose the spool"
export COLLECTOR_PROJECT_KEY=$KEY
collect --spool-dir "$PWD/sp"
expect_status 0
check "the flag" test -f sp/lock
export STATE_DIRECTORY="$PWD/state:$PWD/other"
collect
unset STATE_DIRECTORY
expect_status 0
check "STATE_DIRECTORY's first entry" test -f state/lock

begin "-o, --dry-run and --no-spool never touch the spool"
export COLLECTOR_PROJECT_KEY=$KEY
store
collect -o out.json
collect --dry-run
collect --no-spool
expect_status 0
check "no spool" test ! -e "$SPOOL"
check "--no-spool still lands" test "$(stored)" = 1

begin "a second run on a locked spool exits 75 at once"
export COLLECTOR_PROJECT_KEY=$KEY
store
hold_lock "$SPOOL" 30
collect
expect_status 75
expect_err "collector: error: another collector run holds $SPOOL/lock (pid $holder)"
check "nothing stored" test "$(stored)" = 0
kill $holder; wait $holder 2>/dev/null

begin "--wait-lock waits for the lock"
export COLLECTOR_PROJECT_KEY=$KEY
hold_lock "$SPOOL" 0.5
collect --wait-lock 10
expect_status 0
wait $holder 2>/dev/null
hold_lock "$SPOOL" 30
collect --wait-lock 1
expect_status 75
expect_err_has "another collector run holds"
kill $holder; wait $holder 2>/dev/null

begin "an unavailable store: the batch waits and lands next run under its key"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 1
collect --records 4
expect_status 75
expect_err_has "; the batch waits in $SPOOL for the next run"
check "one spooled batch" test "$(entries | wc -l)" = 1
key=$(spooled_key "$(entries)")
collect
expect_status 0
check "the spooled batch is stored under its key" sh -c "curl -sf '$STORE/__object/datalake/$key' > replayed.json"
check "with its 4 records" python3 "$TESTS_DIR/check_batch.py" replayed.json 4
check "and the new batch too" test "$(stored)" = 2
check "spool empty" test -z "$(entries)"

begin "a store down for many runs: the spool grows, then drains in order"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 3
for i in 1 2 3; do
	collect --seed $i
	check "run $i exits 75" test "$status" = 75
done
check "three spooled batches" test "$(entries | wc -l)" = 3
order=$(for e in $(entries); do spooled_key "$e"; done)
collect --seed 4
expect_status 0
check "all four stored" test "$(stored)" = 4
check "replayed oldest first, then the new one" sh -c "curl -sf '$STORE/__log?kind=upload&field=path' | tail -n 4 | head -n 3 > got.txt"
check "in spool order" python3 -c '
import sys, urllib.parse
got = [urllib.parse.unquote(l.strip().split("/datalake/", 1)[1]) for l in open("got.txt")]
want = sys.argv[1].split()
assert got == want, (got, want)
' "$order"

begin "store-then-drop on the replay itself: one object"
export COLLECTOR_PROJECT_KEY=$KEY
store --drop-after-store 2
collect
expect_status 75
collect
check "the replay lost its answer too" test "$status" = 75
collect
expect_status 0
check "three objects (the second run spooled its own), no duplicate" test "$(stored)" = 3
check "spool empty" test -z "$(entries)"

begin "batches bound for another store stay in the spool"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 1
collect
expect_status 75
store
collect
expect_status 0
expect_err "collector: warning: 1 spooled batches are bound for another destination and stay in $SPOOL"
check "still spooled" test "$(entries | wc -l)" = 1
check "the new batch landed" test "$(stored)" = 1

begin "a full spool: no new fetch, exit 75"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 1
collect
store
collect --spool-max-batches 1
expect_status 75
expect_err_has "the spool $SPOOL is full (1 batches"
check "nothing fetched or stored" test "$(stored)" = 0
check "the spooled batch stays" test "$(entries | wc -l)" = 1

begin "a corrupt or foreign spool file is moved aside, never uploaded"
export COLLECTOR_PROJECT_KEY=$KEY
store
mkdir -p "$SPOOL"
printf 'garbage\n[1]' > "$SPOOL/0000000000000001-x.batch"
printf '{"format":"collector-spool/1"}\n' > "$SPOOL/0000000000000002-y.batch"
collect
expect_status 0
expect_err_has "collector: error: spool file $SPOOL/0000000000000001-x.batch: not a collector spool file; moved to $SPOOL/bad"
expect_err_has "collector: error: spool file $SPOOL/0000000000000002-y.batch: header lacks a field; moved to $SPOOL/bad"
check "moved" test -f "$SPOOL/bad/0000000000000001-x.batch"
check "with its reason" grep -q "not a collector spool file" "$SPOOL/bad/0000000000000001-x.batch.reason"
check "only the new batch stored" test "$(stored)" = 1

begin "a spooled batch whose bytes changed is moved aside"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 1
collect
f="$SPOOL/$(entries)"
python3 -c 'import sys; p=sys.argv[1]; d=open(p,"rb").read(); open(p,"wb").write(d[:-1] + b"X")' "$f"
store
collect
expect_status 0
expect_err_has "the batch is not valid JSON (damaged?); moved to $SPOOL/bad"
check "only the new batch stored" test "$(stored)" = 1

begin "a batch the store refuses for good is moved aside"
export COLLECTOR_PROJECT_KEY=$KEY
store --max-object-bytes 100
collect
expect_status 65
check "kept in bad/" test "$(ls "$SPOOL/bad" | grep -c '\.batch$')" = 1
check "with the reason" sh -c "cat '$SPOOL'/bad/*.reason | grep -q 'too large'"
store
collect
expect_status 0
check "it does not block the next batch" test "$(stored)" = 1

begin "a spooled batch whose key another object holds is moved aside"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 1
collect
expect_status 75
key=$(spooled_key "$(entries)")
check "another writer stores that key" curl -sf -o /dev/null -X POST \
    -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
    --data-binary '[]' "$STORE/storage/v1/object/datalake/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$key")"
collect
expect_status 0
expect_err_has "another writer used this key; moved to $SPOOL/bad"
check "set aside" test "$(ls "$SPOOL/bad" | grep -c '\.batch$')" = 1
check "the other writer's object stays" test "$(get "/__object/datalake/$key")" = "[]"
check "the new batch landed" test "$(stored)" = 2

begin "a full disk while spooling: 74, no partial files"
export COLLECTOR_PROJECT_KEY=$KEY
store
if [ -f "$BUILD_DIR/tests/iofail.so" ]; then
	export LD_PRELOAD="$BUILD_DIR/tests/iofail.so" IOFAIL_OPS=write \
	    IOFAIL_ERRNO=ENOSPC IOFAIL_PATH=".local/state/collector/" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
	collect
	unset LD_PRELOAD IOFAIL_OPS IOFAIL_ERRNO IOFAIL_PATH
	expect_status 74
	expect_err_has "No space left on device"
	check "no spool files" test -z "$(ls -A "$SPOOL" | grep -v '^lock$')"
	check "nothing stored" test "$(stored)" = 0
else
	echo "SKIP iofail.so not built"
fi

begin "SIGTERM during an upload: exit 75, the batch stays and lands next run"
export COLLECTOR_PROJECT_KEY=$KEY
store --delay 5000 --slow-uploads 1
start_slow_upload
kill -TERM $pid
wait $pid
status=$?
expect_status 75
expect_err_has "interrupted by signal 15"
check "the batch stays in the spool" test "$(entries | wc -l)" = 1
collect
expect_status 0
check "two objects" test "$(stored)" = 2
check "spool empty" test -z "$(entries)"

begin "a second signal ends the run at once, with 128 + the signal"
export COLLECTOR_PROJECT_KEY=$KEY
store --delay 5000 --slow-uploads 1
start_slow_upload
# Stopped, the process holds both signals pending; it takes them one
# after the other when it continues.
kill -STOP $pid
kill -INT $pid
kill -TERM $pid
kill -CONT $pid
wait $pid
status=$?
check "exit 130 or 143, not 75" test "$status" = 130 -o "$status" = 143
check "the batch stays in the spool" test "$(entries | wc -l)" = 1

begin "twenty concurrent runs, one store, own spools: twenty objects"
export COLLECTOR_PROJECT_KEY=$KEY
store
i=0
pids=
while [ $i -lt 20 ]; do
	"$COLLECTOR" --project-url "$STORE" --max-size 2 --records 50 \
	    --spool-dir "$PWD/spool.$i" >/dev/null 2>"$TMP/err.$i" &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait $p; done
check "twenty objects" test "$(stored)" = 20
check "all records" python3 -c '
import json, sys, urllib.request
base = sys.argv[1]
objs = json.load(urllib.request.urlopen(base + "/__objects"))
n = sum(len(json.load(urllib.request.urlopen(
    base + "/__object/datalake/" + urllib.request.quote(o["key"]))))
    for o in objs)
sys.exit(n != 2000)
' "$STORE"

begin "two concurrent runs on one spool: one lands, one exits 75"
export COLLECTOR_PROJECT_KEY=$KEY
store --delay 1500
"$COLLECTOR" --project-url "$STORE" --max-size 1 --records 3 >"$TMP/out.1" 2>"$TMP/err.1" &
pid=$!
i=0
while [ ! -s "$SPOOL/lock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
collect
expect_status 75
expect_err_has "another collector run holds $SPOOL/lock (pid $pid)"
wait $pid
check "the first one landed" test $? = 0
check "one object" test "$(stored)" = 1

finish
