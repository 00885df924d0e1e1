#!/bin/sh
# it_supabase.sh - batches landing in Supabase Storage (tests/fake_supabase.py)
# and every way that can fail: exit status, message, what is stored (the
# bytes `-o -` writes for the same seed), the requests the server saw, and
# no secret in stderr at -v -v.

. "$(dirname "$0")/lib.sh"

# Batches wait in a spool under the state directory: one of its own per
# test (begin makes $TMP/work anew), never the user's.
export XDG_STATE_HOME="$TMP/work/state"
unset STATE_DIRECTORY

KEY=sk-test-7f3a9c51e0
RUN="--bucket datalake --seed 7 --max-size 2 --records 50"

"$COLLECTOR" --seed 7 --max-size 2 --records 50 -o - >"$TMP/expected" ||
    { echo "FAIL cannot build the expected batch"; exit 1; }
"$COLLECTOR" --seed 7 --max-size 2 --records 50 --format ndjson -o - \
    >"$TMP/expected.ndjson" || exit 1
EXPECTED_SIZE=$(wc -c <"$TMP/expected" | tr -d ' ')

# Starts a fresh fake server (any earlier one stopped) as $SB.
sb_start() {
	cleanup_servers
	start_server SB fake_supabase.py --key "$KEY" --require-apikey "$@"
	URL=http://127.0.0.1:$SB
}

sb_get() {
	curl -sf "http://127.0.0.1:$SB$1"
}

# The request counts by kind, as compact JSON with sorted keys.
sb_stats() {
	sb_get /__stats
}

# Prints how many objects the server holds; writes the only one's bytes
# to $TMP/stored, its key to $TMP/stored.key and "type|cache-control" to
# $TMP/stored.meta.
sb_objects() {
	rm -f "$TMP/stored" "$TMP/stored.key" "$TMP/stored.meta"
	sb_get /__only >"$TMP/stored" && sb_get /__only/key >"$TMP/stored.key" &&
	    sb_get /__only/meta >"$TMP/stored.meta"
	sb_get /__count
}

# One field of every logged request of a kind: sb_log upload x_upsert.
sb_log() {
	sb_get "/__log?kind=$1&field=$2"
}

expect_eq() {
	if [ "$2" = "$3" ]; then pass
	else fail "$1: got \"$2\", want \"$3\""; fi
}

expect_stored() {
	expect_eq "objects stored" "$(sb_objects)" 1
	check "stored bytes equal -o - output" cmp -s "$TMP/stored" \
	    "${1:-$TMP/expected}"
}

expect_no_secret() {
	expect_err_lacks "$KEY"
	check "no secret on stdout" sh -c "! grep -qF -- '$KEY' '$TMP/out'"
}

# ---- success -------------------------------------------------------------

begin "upload lands the batch"
sb_start
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN -v -v
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"upload":1}'
expect_eq "content type" "$(sb_log upload content_type)" "application/json"
expect_eq "x-upsert" "$(sb_log upload x_upsert)" "false"
expect_eq "authorization" "$(sb_log upload authorization)" "ok"
expect_eq "apikey" "$(sb_log upload apikey)" "ok"
expect_eq "cache-control" "$(sb_log upload cache_control)" "None"
key=$(cat "$TMP/stored.key")
case $key in
bronze/new/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]_*-*-4*-*-*.json) pass ;;
*) fail "key \"$key\" is not bronze/new/<time>_<uuid4>.json" ;;
esac
# ':' travels as %3A, per path segment.
expect_eq "raw path" "$(sb_log upload path)" \
    "/storage/v1/object/datalake/$(printf '%s' "$key" | sed 's/:/%3A/g')"
expect_out_has "$URL/storage/v1/object/datalake/bronze/new/"
expect_no_secret

begin "key from --project-key-file, URL with a trailing slash"
sb_start
printf '%s\n' "$KEY" >"$TMP/key"
run --project-url "$URL/" --project-key-file "$TMP/key" $RUN
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "ndjson goes up as application/x-ndjson"
sb_start
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN --format ndjson
expect_status 0
expect_stored "$TMP/expected.ndjson"
expect_eq "content type" "$(sb_log upload content_type)" \
    "application/x-ndjson"

begin "cache control in seconds becomes max-age"
sb_start
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN --cache-control 3600
expect_status 0
expect_stored
expect_eq "cache-control" "$(sb_log upload cache_control)" "max-age=3600"

begin "a slow server is waited for"
sb_start --delay 400
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

# ---- transient faults ------------------------------------------------------

begin "503 twice, then success: three POSTs"
sb_start --fail-uploads 2
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN -v -v
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"upload":3}'
expect_err_has "HTTP 503; retrying in"
expect_no_secret

begin "544 (database timeout) is transient"
sb_start --fail-uploads 1 --fail-status 544
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 0
expect_eq "requests" "$(sb_stats)" '{"upload":2}'

begin "429 with Retry-After: 0 is retried at once"
sb_start --fail-uploads 1 --fail-status 429 --retry-after 0
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"upload":2}'

begin "503 for good: 75 after the retries, the batch kept for later"
sb_start --fail-uploads 100
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN --retries 2 -v -v
expect_status 75
expect_err_has "supabase storage at $URL/storage/v1 still failing after 3 attempts (last: 503); the batch waits in"
expect_eq "requests" "$(sb_stats)" '{"upload":3}'
expect_eq "objects stored" "$(sb_objects)" 0
expect_no_secret

begin "stored, then the connection dropped: one object, checked by size"
sb_start --drop-after-store 1
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN -v -v
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"info":1,"upload":2}'
expect_err_has "exists after a retry; checking its size"
expect_no_secret

begin "the size check falls back to HEAD when info tells nothing"
sb_start --drop-after-store 1 --info-form none
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"head":1,"info":1,"upload":2}'

begin "info with a top-level size is read too"
sb_start --drop-after-store 1 --info-form size
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 0
expect_eq "requests" "$(sb_stats)" '{"info":1,"upload":2}'

begin "an answer slower than the timeout: retried, found stored"
sb_start --delay 2500 --slow-uploads 1
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN --timeout 1
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"info":1,"upload":2}'

begin "a retry finding someone else's object under our key: 73"
sb_start --drop-after-store 1 --store-truncated
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 73
expect_err_has "bytes, ours has $EXPECTED_SIZE: another writer used this key"
expect_eq "requests" "$(sb_stats)" '{"info":1,"upload":2}'

# ---- permanent errors ------------------------------------------------------

begin "a duplicate on the first attempt: 73, no retry"
sb_start --duplicate-all
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 73
expect_err_has "object already exists: datalake/bronze/new/"
expect_err_has "(another writer used this key)"
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "missing bucket: 78 naming it"
sb_start --bucket other
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 78
expect_err_has "bucket \"datalake\" does not exist at $URL/storage/v1"
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "wrong service key: 77, from the gateway or from the server"
sb_start
COLLECTOR_PROJECT_KEY=sk-wrong-0000 run --project-url "$URL" $RUN -v -v
expect_status 77
expect_err_has "refused our credentials for bucket \"datalake\" (401): Invalid API key"
expect_err_lacks "sk-wrong-0000"
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "wrong service key behind no gateway: 77 from the server"
cleanup_servers
start_server SB fake_supabase.py --key "$KEY"
URL=http://127.0.0.1:$SB
COLLECTOR_PROJECT_KEY=sk-wrong-0000 run --project-url "$URL" $RUN -v -v
expect_status 77
expect_err_has "refused our credentials for bucket \"datalake\" (403 AccessDenied): invalid signature"
expect_err_lacks "sk-wrong-0000"
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "no service key: 78 before any request"
sb_start
run --project-url "$URL" $RUN
expect_status 78
expect_err_has "supabase needs a service key"
expect_eq "requests" "$(sb_stats)" '{}'

begin "batch too large: 65 with the size and a hint"
sb_start --max-object-bytes 1000
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 65
expect_err_has "refused a batch of $EXPECTED_SIZE bytes as too large"
expect_err_has "lower batch.max_size"
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "a key the server refuses: 65"
sb_start --invalid-chars ":"
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN
expect_status 65
expect_err_has "refused the object key \"bronze/new/"
expect_err_has "Invalid key: bronze/new/"
expect_eq "requests" "$(sb_stats)" '{"upload":1}'

begin "a \"..\" segment is refused before any request"
sb_start
COLLECTOR_PROJECT_KEY=$KEY COLLECTOR_PATH=bronze/../x \
    run --project-url "$URL" $RUN
expect_status 78
expect_err_has '".." segments are not allowed'
expect_eq "requests" "$(sb_stats)" '{}'

begin "nothing listening: 75 after the retries"
sb_start
cleanup_servers
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN --retries 1
expect_status 75
expect_err_has "still failing after 2 attempts"

begin "without the spool, retries exhausted end as 69"
sb_start --fail-uploads 100
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN --retries 1 \
    --no-spool
expect_status 69
expect_err_has "collector: error: supabase storage at $URL/storage/v1 still failing after 2 attempts (last: 503)"
expect_err_lacks "waits in"
expect_eq "requests" "$(sb_stats)" '{"upload":2}'


# ---- resumable uploads -----------------------------------------------------

begin "above the threshold: one TUS upload"
sb_start
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN \
    --resumable-threshold 1000 --cache-control "no-cache"
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" '{"tus-create":1,"tus-patch":1}'
expect_eq "object metadata" "$(cat "$TMP/stored.meta")" \
    "application/json|no-cache"

begin "a chunk cut short resumes from the server's offset"
sb_start --fail-chunks 1
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN \
    --resumable-threshold 1000 -v -v
expect_status 0
expect_stored
expect_eq "requests" "$(sb_stats)" \
    '{"tus-create":1,"tus-head":1,"tus-patch":2}'
expect_err_has "Empty reply from server; retrying in"
expect_err_has "resumable upload: asking where to go on"
expect_no_secret

begin "a large batch goes up in 6 MiB chunks"
"$COLLECTOR" --seed 9 --max-size 4 --records 12000 -o - >"$TMP/big" ||
    fail "cannot build the large batch"
sb_start --fail-chunks 1
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" --bucket datalake \
    --seed 9 --max-size 4 --records 12000
expect_status 0
expect_stored "$TMP/big"
# The cut chunk leaves half of itself; the rest goes in full chunks.
big=$(wc -c <"$TMP/big" | tr -d ' ')
rest=$((big - 3145728))
patches=$((1 + (rest + 6291455) / 6291456))
expect_eq "requests" "$(sb_stats)" \
    "{\"tus-create\":1,\"tus-head\":1,\"tus-patch\":$patches}"

begin "too large for resumable uploads too: 65"
sb_start --max-object-bytes 1000
COLLECTOR_PROJECT_KEY=$KEY run --project-url "$URL" $RUN \
    --resumable-threshold 1000
expect_status 65
expect_err_has "refused a batch of $EXPECTED_SIZE bytes as too large"
expect_eq "requests" "$(sb_stats)" '{"tus-create":1}'

finish
