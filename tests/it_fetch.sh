#!/bin/sh
# it_fetch.sh - the HTTP source against a fake Mockaroo
# (tests/fake_mockaroo.py): keys, parameters, concurrency, retries, the
# classification of every fault, partial batches, and the key kept out of
# stderr.  Request counts come from the server's own view (/__stats).

. "$(dirname "$0")/lib.sh"

KEY=testkey1
start_server PORT fake_mockaroo.py --records 5 --key "$KEY"
BASE=http://127.0.0.1:$PORT

# stat EXPR: a Python expression over the server's stats d.
stat() {
	curl -sS "$BASE/__stats" |
	    python3 -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# requests PATH: how many requests the server saw for PATH.
requests() { stat "d['paths'].get('$1', 0)"; }

reset_stats() { curl -sS -o /dev/null "$BASE/__reset"; }

# expect_stat EXPR WANT
expect_stat() {
	got=$(stat "$1")
	if [ "$got" = "$2" ]; then pass
	else fail "server: $1 is $got, want $2"; fi
}

# expect_err_lines TEXT: the distinct lines of stderr are exactly TEXT.
expect_err_lines() {
	if [ "$(sort -u "$TMP/err")" = "$1" ]; then pass
	else fail "stderr lines are not \"$1\""; fi
}

# expect_records N: stdout holds a valid batch of N records.
expect_records() {
	check "$1 valid records on stdout" \
	    python3 "$TESTS_DIR/check_batch.py" "$TMP/out" "$1"
}

# fetch PATH ARGS...: a run against PATH with the key in the environment.
fetch() {
	path=$1; shift
	COLLECTOR_API_KEY=$KEY
	export COLLECTOR_API_KEY
	run --url "$BASE$path" --seed 1 -o - "$@"
}

begin "a batch from the mock API, the key in a header"
fetch /users.json --max-size 3
expect_status 0
expect_records 15
expect_err ""
expect_stat "d['paths']['/users.json']" 3
expect_stat "d['key_in_header'], d['key_in_url']" "(True, False)"
expect_stat "d['user_agents']" "['collector/$($COLLECTOR --version |
    sed 's/^collector //')']"

begin "the key from a key file"
printf '%s\n' "$KEY" >key.txt
run --url "$BASE/keyfile/users.json" --api-key-file key.txt --max-size 2 \
    -o -
expect_status 0
expect_records 10
COLLECTOR_API_KEY_FILE=$TMP/work/key.txt
export COLLECTOR_API_KEY_FILE
run --url "$BASE/keyfile/users.json" --max-size 1 -o -
expect_status 0
expect_records 5
unset COLLECTOR_API_KEY_FILE

begin "the same seed gives the same batch"
fetch /users.json --max-size 2
cp "$TMP/out" "$TMP/first"
fetch /users.json --max-size 2
check "identical bytes" cmp -s "$TMP/first" "$TMP/out"

begin "the batch lands in a lake"
COLLECTOR_API_KEY=$KEY
export COLLECTOR_API_KEY
run --url "$BASE/users.json" --max-size 4 --project-url \
    "file://$TMP/work/lake"
expect_status 0
check "one object" test "$(count_files lake)" = 1
check "20 valid records landed" python3 "$TESTS_DIR/check_batch.py" \
    "$(find lake -type f)" 20

begin "the key as a query parameter, redacted at -v -v"
fetch /query/users.json --key-in query --max-size 2 -v -v
expect_status 0
expect_records 10
expect_stat "d['paths']['/query/users.json']" 2
expect_stat "d['key_in_url']" True
expect_err_has "$BASE/query/users.json?key=***"
expect_err_lacks "$KEY"

begin "the key never reaches stderr at -v -v"
fetch /users.json --max-size 2 -v -v
expect_status 0
expect_err_has "response 1 of 2: GET $BASE/users.json: HTTP 200, "
expect_err_has "fetched 2 of 2 responses from $BASE/users.json: "
expect_err_lacks "$KEY"
fetch /badkey401/users.json --key-in query --max-size 2 -v -v
expect_status 77
expect_err_lacks "$KEY"

begin "a progress line on a terminal, cleared at the end"
if command -v script >/dev/null; then
	COLLECTOR_API_KEY=$KEY
	export COLLECTOR_API_KEY
	SHELL=/bin/sh script -qec "'$COLLECTOR' --url '$BASE/delay50/users.json' \
	    --max-size 3 --concurrency 1 -o /dev/null" /dev/null \
	    >"$TMP/err" 2>&1
	dot=$(printf '\302\267')
	check "progress shown" grep -q "fetching 2/3 $dot 0.0 MB" "$TMP/err"
	check "and cleared" grep -q \
	    "fetching 3/3 $dot 0.0 MB$(printf '\r\033')\\[K" "$TMP/err"
else
	echo "SKIP no script(1) for a terminal"
fi

begin "no key at all"
reset_stats
run --url "$BASE/users.json" --max-size 1 -o -
expect_status 78
expect_err_lines "collector: error: no API key for $BASE/users.json: set COLLECTOR_API_KEY, or name a key file with --api-key-file or COLLECTOR_API_KEY_FILE"
expect_stat "d['total']" 0

begin "extra query parameters are encoded"
reset_stats
fetch /params/users.json --max-size 1 --param count=2 \
    --param 'schema=My Orders/2' --param array=true
expect_status 0
expect_records 2
expect_stat "d['queries']" "['count=2&schema=My%20Orders%2F2&array=true']"

begin "a single object is one record"
fetch /object/users.json --max-size 3
expect_status 0
expect_records 3

begin "concurrency: the server sees that many requests at once"
reset_stats
fetch /delay200/users.json --max-size 8 --concurrency 4
expect_status 0
expect_records 40
expect_stat "d['max_in_flight']" 4
expect_stat "d['total']" 8
expect_stat "d['connections'] <= 4" True
reset_stats
fetch /delay50/users.json --max-size 4 --concurrency 1
expect_status 0
expect_stat "d['max_in_flight']" 1
expect_stat "d['connections']" 1
reset_stats
fetch /delay100/users.json --max-size 3 --concurrency 10
expect_status 0
expect_stat "d['max_in_flight']" 3

begin "503 twice, then success: retried"
fetch /fail503x2/ra0/users.json --max-size 1 --retries 4
expect_status 0
expect_records 5
expect_stat "d['paths']['/fail503x2/ra0/users.json']" 3
expect_err ""

begin "503 every time: retries stop at --retries"
fetch /fail503/ra0/users.json --max-size 1 --retries 2
expect_status 69
expect_stat "d['paths']['/fail503/ra0/users.json']" 3
expect_err_has "response 1 of 1: HTTP 503 from $BASE/fail503/ra0/users.json: Service Unavailable, gave up after 3 attempts"
check "nothing on stdout" test ! -s "$TMP/out"

begin "--retries 0 means one attempt"
fetch /fail500/t0/users.json --max-size 2 --retries 0 --concurrency 1
expect_status 69
expect_stat "d['paths']['/fail500/t0/users.json']" 2

begin "429 without Retry-After: backoff, then success"
fetch /fail429x1/users.json --max-size 1
expect_status 0
expect_records 5
expect_stat "d['paths']['/fail429x1/users.json']" 2

begin "429 with a Retry-After date: honoured"
fetch /fail429x1/radate/users.json --max-size 1 -v
expect_status 0
expect_stat "d['paths']['/fail429x1/radate/users.json']" 2
expect_err_has "response 1 of 1: HTTP 429 from $BASE/fail429x1/radate/users.json: Request refused; retrying in "

begin "the daily quota stops the run, whatever the status"
for s in 429 403 402; do
	fetch /quota$s/users.json --max-size 5 --concurrency 1
	expect_status 75
	expect_stat "d['paths']['/quota$s/users.json']" 1
	expect_err_lines "collector: error: response 1 of 5: daily quota reached: Free plans are limited to 200 requests per day. (HTTP $s)"
	check "nothing on stdout" test ! -s "$TMP/out"
done

begin "the quota met in mid-run: what arrived lands, exit 75"
fetch /quota429a3/users.json --max-size 10 --concurrency 1
expect_status 75
expect_records 15
expect_stat "d['paths']['/quota429a3/users.json']" 4
expect_err_has "collector: error: response 4 of 10: daily quota reached: Free plans are limited to 200 requests per day. (HTTP 429)"
expect_err_has "collector: warning: landed 3 of 10 responses"

begin "an empty array is a warning, not an error"
fetch /empty/users.json --max-size 2
expect_status 0
expect_err_has "collector: warning: response 1: no records (an empty array)"
expect_stat "d['paths']['/empty/users.json']" 2

begin "a wrong key stops the run: exit 77"
COLLECTOR_API_KEY=wrongkey
export COLLECTOR_API_KEY
run --url "$BASE/wrong/users.json" --max-size 5 --concurrency 1 -o -
expect_status 77
expect_stat "d['paths']['/wrong/users.json']" 1
expect_err_lines "collector: error: response 1 of 5: HTTP 401 from $BASE/wrong/users.json: Invalid API Key (check the API key)"
expect_err_lacks wrongkey
fetch /badkey403/users.json --max-size 5 --concurrency 2
expect_status 77
check "at most the requests in flight were sent" \
    test "$(requests /badkey403/users.json)" -le 2
expect_err_has "HTTP 403 from $BASE/badkey403/users.json: Invalid API Key (check the API key)"

begin "no such route: exit 78"
fetch /nosuch --max-size 3 --concurrency 1
expect_status 78
expect_stat "d['paths']['/nosuch']" 1
expect_err_lines "collector: error: response 1 of 3: HTTP 404 from $BASE/nosuch: Not Found (check mockaroo.url)"

begin "an HTML answer is a data error naming the response"
fetch /html/users.json --max-size 1
expect_status 65
expect_err_has "response 1 of 1: "
expect_stat "d['paths']['/html/users.json']" 1

begin "truncated JSON is a data error"
fetch /truncated/users.json --max-size 1
expect_status 65
expect_err_has "response 1 of 1: "
expect_stat "d['paths']['/truncated/users.json']" 1

begin "some responses fail for good: the rest land, exit 75"
fetch /htmlx3/users.json --max-size 10 --concurrency 1
expect_status 75
expect_records 35
expect_err_has "collector: warning: landed 7 of 10 responses"
expect_stat "d['paths']['/htmlx3/users.json']" 10
fetch /fail400x3/users.json --max-size 10 --concurrency 3
expect_status 75
expect_records 35
expect_err_has "HTTP 400 from $BASE/fail400x3/users.json: Request refused"
expect_err_has "collector: warning: landed 7 of 10 responses"
expect_stat "d['paths']['/fail400x3/users.json']" 10

begin "a partial batch lands in the lake too"
COLLECTOR_API_KEY=$KEY
export COLLECTOR_API_KEY
run --url "$BASE/fail400x2/lake/users.json" --max-size 4 --concurrency 1 \
    --project-url "file://$TMP/work/lake"
expect_status 75
check "10 records landed" python3 "$TESTS_DIR/check_batch.py" \
    "$(find lake -type f)" 10

begin "a reset in mid-body is retried"
fetch /resetx1/records1000/users.json --max-size 1
expect_status 0
expect_records 1000
expect_stat "d['paths']['/resetx1/records1000/users.json']" 2
fetch /reset/records1000/users.json --max-size 1 --retries 1
expect_status 69
expect_stat "d['paths']['/reset/records1000/users.json']" 2

begin "an endless drip ends at --timeout"
fetch /drip/users.json --max-size 1 --timeout 1 --retries 0
expect_status 69
expect_err_has "response 1 of 1: Operation timed out"
expect_stat "d['paths']['/drip/users.json']" 1

begin "--max-time bounds the whole stage"
fetch /delay3000/users.json --max-size 2 --max-time 1 --concurrency 1
expect_status 69
expect_stat "d['paths']['/delay3000/users.json']" 1
expect_err_has "response 1 of 2: Operation timed out"
expect_err_has "response 2 of 2: not sent: http.max_time (1 s) ran out"

begin "SIGTERM aborts the transfers in flight"
COLLECTOR_API_KEY=$KEY
export COLLECTOR_API_KEY
started=$(date +%s)
"$COLLECTOR" --url "$BASE/delay4000/users.json" --max-size 3 --no-spool \
    -o - >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
status=$?
expect_status 75
expect_err_lines "collector: error: interrupted by signal 15"
check "without waiting for the answers" \
    test $(($(date +%s) - started)) -lt 3
expect_stat "d['paths']['/delay4000/users.json']" 3

begin "an over-size body is aborted, not buffered"
fetch /oversize200000/users.json --max-size 1 --max-response-bytes 10000
expect_status 65
expect_err_lines "collector: error: response 1 of 1: the response from $BASE/oversize200000/users.json is larger than http.max_response_bytes (10000 bytes)"
expect_stat "d['paths']['/oversize200000/users.json']" 1
fetch /oversize200000/chunked/users.json --max-size 1 \
    --max-response-bytes 10000
expect_status 65
expect_err_has "is larger than http.max_response_bytes (10000 bytes)"
expect_stat "d['paths']['/oversize200000/chunked/users.json']" 1

begin "connection refused: retried, then exit 69"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >port
dead=$(cat port)
COLLECTOR_API_KEY=$KEY
export COLLECTOR_API_KEY
run --url "http://127.0.0.1:$dead/users.json" --max-size 1 --retries 1 -o -
expect_status 69
expect_err_has "response 1 of 1: Failed to connect to 127.0.0.1 port $dead"
expect_err_has "gave up after 2 attempts"

cleanup_servers
finish
