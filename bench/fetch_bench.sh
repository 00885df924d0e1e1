#!/bin/sh
# fetch_bench.sh - what concurrency buys: a batch of 10 responses from the
# fake Mockaroo (tests/fake_mockaroo.py), each 1,000 records answered
# after 100 ms, at --concurrency 10 and at --concurrency 1.  Prints the
# best of 3 wall times of each and their ratio to one 100 ms round trip.
#
# Usage: COLLECTOR=./collector bench/fetch_bench.sh

set -u
: "${COLLECTOR:=$(pwd)/collector}"
DELAY_MS=100
RESPONSES=10
RUNS=3
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fetch-bench.XXXXXX")
server=

cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" \
	    2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

python3 "$HERE/../tests/fake_mockaroo.py" --port-file "$TMP/port" \
    --records 1000 --delay "$DELAY_MS" --key benchkey &
server=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if [ ! -s "$TMP/port" ]; then
	echo "fetch_bench: the fake server did not start"
	exit 1
fi
url=http://127.0.0.1:$(cat "$TMP/port")/users.json

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# best CONCURRENCY: the best wall time in ms of $RUNS runs.
best() {
	b=
	for _ in $(seq "$RUNS"); do
		t0=$(now_ms)
		COLLECTOR_API_KEY=benchkey "$COLLECTOR" --url "$url" \
		    --max-size "$RESPONSES" --concurrency "$1" --seed 1 \
		    -o /dev/null >/dev/null 2>"$TMP/err" ||
		    { echo "fetch_bench: run failed:"; cat "$TMP/err"; exit 1; }
		t=$(($(now_ms) - t0))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

# Warm the server's cached body and the page cache.
best 10 >/dev/null
parallel=$(best 10)
serial=$(best 1)
ratio() { awk -v t="$1" -v d="$DELAY_MS" 'BEGIN { printf "%.2f", t / d }'; }
echo "fetch: $RESPONSES x 1000 records, server delay ${DELAY_MS} ms," \
    "best of $RUNS"
echo "  --concurrency 10: ${parallel} ms ($(ratio "$parallel") x the delay)"
echo "  --concurrency 1:  ${serial} ms ($(ratio "$serial") x the delay)"
echo "  speedup: $(awk -v a="$serial" -v b="$parallel" \
    'BEGIN { printf "%.1f", a / b }')x"
