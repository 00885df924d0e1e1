#!/bin/sh
# it_s3.sh - batches landing in an S3-compatible store: s3rver (npm, pinned
# in tests/s3/package-lock.json) behind tests/s3/sigv4_proxy.py, which
# checks every request's AWS Signature Version 4 the way AWS does.  Each
# case asserts the exit status, the message, the stored bytes (read back,
# equal to `-o -` for the same seed), the requests the store saw, and no
# secret in stderr at -v -v.

. "$(dirname "$0")/lib.sh"

# Batches wait in a spool under the state directory: one of its own per
# test (begin makes $TMP/work anew), never the user's.
export XDG_STATE_HOME="$TMP/work/state"
unset STATE_DIRECTORY

AKID=AKIDCOLLECTORTEST
SECRET=sEcReT/s3+key-5b21Qx
TOKEN=session-token-9c8e77
RUN="--seed 7 --max-size 2 --records 50"

need_s3rver

"$COLLECTOR" $RUN -o - >"$TMP/expected" ||
    { echo "FAIL cannot build the expected batch"; exit 1; }
EXPECTED_SIZE=$(wc -c <"$TMP/expected" | tr -d ' ')

stores=0
# Starts s3rver and the verifying proxy in front of it (any earlier pair
# stopped); the endpoint is $EP.
s3_start() {
	cleanup_servers
	stores=$((stores + 1))
	start_server S3 s3/sigv4_proxy.py --s3rver "$TMP/s3rver.$stores" \
	    --bucket datalake --access-key "$AKID" --secret-key "$SECRET" "$@"
	EP=http://127.0.0.1:$S3
}

s3_get() {
	curl -sf "$EP$1"
}

s3_stats() {
	s3_get /__stats
}

# Prints how many objects lie under a prefix (URL-encoded) of the bucket
# datalake and writes the only one's bytes to $TMP/stored.
s3_objects() {
	rm -f "$TMP/stored"
	s3_get "/__only/datalake?prefix=$1" >"$TMP/stored"
	s3_get "/__list/datalake?prefix=$1" | wc -l | tr -d ' '
}

s3run() {
	AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET \
	    run --s3-endpoint "$EP" "$@"
}

expect_eq() {
	if [ "$2" = "$3" ]; then pass
	else fail "$1: got \"$2\", want \"$3\""; fi
}

expect_stored() {
	expect_eq "objects under $1" "$(s3_objects "$1")" 1
	check "stored bytes equal -o - output" cmp -s "$TMP/stored" \
	    "${2:-$TMP/expected}"
}

expect_no_secret() {
	expect_err_lacks "$SECRET"
	expect_err_lacks "$TOKEN"
	check "no secret on stdout" sh -c \
	    "! grep -qF -e '$SECRET' -e '$TOKEN' '$TMP/out'"
}

# ---- the verifier refuses what AWS refuses ---------------------------------

begin "the proxy accepts libcurl's own signature (curl --aws-sigv4)"
s3_start
hash=$(printf 'hello' | sha256sum | cut -d' ' -f1)
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary hello \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AKID:$SECRET" \
    -H "x-amz-content-sha256: $hash" "$EP/datalake/probe/a%3Ab%20c.json")
expect_eq "status" "$code" 200
expect_eq "stored" "$(s3_get "/__object/datalake/probe/a%3Ab%20c.json")" hello

begin "the proxy refuses wrong signatures"
sign() {
	python3 "$TESTS_DIR/s3/signed_request.py" "$S3" "$AKID" "$@"
}
expect_eq "well signed" \
    "$(sign "$SECRET" /datalake/probe/x%3Ay.json body)" 200
expect_eq "wrong secret" \
    "$(sign wrong-secret /datalake/probe/x%3Ay.json body)" \
    "403 SignatureDoesNotMatch"
expect_eq "path sent unlike it was signed" \
    "$(sign "$SECRET" /datalake/probe/x%3Ay.json body \
    --send-path /datalake/probe/x:y.json)" "403 SignatureDoesNotMatch"
expect_eq "path signed raw" \
    "$(sign "$SECRET" /datalake/probe/x:y.json body)" \
    "403 SignatureDoesNotMatch"
expect_eq "other body, same hash header" \
    "$(sign "$SECRET" /datalake/probe/z.json body --send-body other)" \
    "400 XAmzContentSHA256Mismatch"
expect_eq "other body and its hash" \
    "$(sign "$SECRET" /datalake/probe/z.json body --send-body other \
    --rehash)" "403 SignatureDoesNotMatch"
expect_eq "objects refused" "$(s3_get "/__list/datalake?prefix=probe/z")" ""
expect_eq "requests" "$(s3_stats)" '{"PUT":2,"rejected":5,"verified":2}'

# ---- success -------------------------------------------------------------

begin "PutObject lands the batch under the s3:// URL's root"
s3_start
s3run --project-url s3://datalake/lake $RUN -v -v
expect_status 0
expect_stored lake/bronze/new/
expect_eq "requests" "$(s3_stats)" '{"PUT":1,"verified":1}'
expect_eq "signed headers" "$(s3_get '/__log?field=signed')" \
    "content-type;host;if-none-match;x-amz-content-sha256;x-amz-date"
case $(s3_get '/__log?field=path') in
/datalake/lake/bronze/new/[0-9-]*T[0-9][0-9]%3A[0-9][0-9]%3A[0-9][0-9]_*.json)
	pass ;;
*) fail "path $(s3_get '/__log?field=path') is not the encoded key" ;;
esac
expect_out_has "$EP/datalake/lake/bronze/new/"
expect_no_secret

begin "storage.kind s3 takes the bucket and path from the settings"
s3_start
s3run --storage-kind s3 --bucket datalake --path "team a/x:y" $RUN
expect_status 0
expect_stored "team%20a/x%3Ay/"
case $(s3_get '/__log?field=path') in
/datalake/team%20a/x%3Ay/*) pass ;;
*) fail "path $(s3_get '/__log?field=path') is not encoded per segment" ;;
esac

begin "cache control and content type travel signed"
s3_start
s3run --project-url s3://datalake/cc $RUN --cache-control 3600 \
    --format ndjson
expect_status 0
"$COLLECTOR" $RUN --format ndjson -o - >"$TMP/expected.ndjson"
expect_stored cc/ "$TMP/expected.ndjson"
expect_eq "cache-control" "$(s3_get '/__log?field=cache_control')" \
    "max-age=3600"
expect_eq "content type" "$(s3_get '/__log?field=content_type')" \
    "application/x-ndjson"
expect_eq "signed headers" "$(s3_get '/__log?field=signed')" \
    "cache-control;content-type;host;if-none-match;x-amz-content-sha256;x-amz-date"

begin "a session token is sent and signed"
s3_start --session-token "$TOKEN"
AWS_SESSION_TOKEN=$TOKEN s3run --project-url s3://datalake/tok $RUN -v -v
expect_status 0
expect_stored tok/
expect_eq "signed headers" "$(s3_get '/__log?field=signed')" \
    "content-type;host;if-none-match;x-amz-content-sha256;x-amz-date;x-amz-security-token"
expect_no_secret

begin "credentials from --s3-credentials-file"
s3_start
cat >"$TMP/creds" <<EOF
[default]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET
EOF
run --s3-endpoint "$EP" --s3-credentials-file "$TMP/creds" \
    --project-url s3://datalake/file $RUN
expect_status 0
expect_stored file/

# ---- transient faults ------------------------------------------------------

begin "503 SlowDown twice, then success: three PUTs"
s3_start --fail-puts 2
s3run --project-url s3://datalake/slow $RUN -v -v
expect_status 0
expect_stored slow/
expect_eq "requests" "$(s3_stats)" '{"PUT":3,"verified":3}'
expect_err_has "HTTP 503 SlowDown; retrying in"
expect_no_secret

begin "503 for good: 75, the batch kept for later"
s3_start --fail-puts 100
s3run --project-url s3://datalake/down $RUN --retries 1
expect_status 75
expect_err_has "still failing after 2 attempts (last: 503 SlowDown): Please reduce your request rate."
expect_eq "objects" "$(s3_objects down/)" 0

begin "stored, then dropped: the 412 on the retry is checked by size"
s3_start --drop-after-store 1
s3run --project-url s3://datalake/drop $RUN -v -v
expect_status 0
expect_stored drop/
expect_eq "requests" "$(s3_stats)" '{"HEAD":1,"PUT":2,"verified":3}'
expect_err_has "exists after a retry; checking its size"

begin "stored, then dropped, on a store that ignores If-None-Match"
s3_start --drop-after-store 1 --ignore-if-none-match
s3run --project-url s3://datalake/drop2 $RUN
expect_status 0
expect_stored drop2/
expect_eq "requests" "$(s3_stats)" '{"PUT":2,"verified":2}'

# ---- permanent errors ------------------------------------------------------

begin "wrong secret: 77"
s3_start
AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=wrong-secret-0000 \
    run --s3-endpoint "$EP" --project-url s3://datalake/x $RUN -v -v
expect_status 77
expect_err_has "refused our credentials for bucket \"datalake\" (403 SignatureDoesNotMatch)"
expect_err_lacks wrong-secret-0000
expect_eq "requests" "$(s3_stats)" '{"rejected":1}'

begin "unknown access key: 77"
s3_start
AWS_ACCESS_KEY_ID=AKIDOTHER AWS_SECRET_ACCESS_KEY=$SECRET \
    run --s3-endpoint "$EP" --project-url s3://datalake/x $RUN
expect_status 77
expect_err_has "(403 InvalidAccessKeyId)"

begin "wrong session token: 77"
s3_start --session-token "$TOKEN"
AWS_SESSION_TOKEN=other-token s3run --project-url s3://datalake/x $RUN
expect_status 77
expect_err_has "(403 InvalidToken)"
expect_err_lacks other-token

begin "no credentials: 78 before any request"
s3_start
run --s3-endpoint "$EP" --project-url s3://datalake/x $RUN
expect_status 78
expect_err_has "s3 needs credentials"
expect_eq "requests" "$(s3_stats)" '{}'

begin "missing bucket: 78 naming it"
s3_start
s3run --project-url s3://nothere $RUN
expect_status 78
expect_err_has "bucket \"nothere\" does not exist at $EP"

begin "a bad s3:// URL: 78"
s3_start
s3run --project-url "s3://Bad_Bucket!/x" $RUN
expect_status 78
expect_eq "requests" "$(s3_stats)" '{}'

# ---- multipart -------------------------------------------------------------

begin "above the threshold: a multipart upload"
s3_start
s3run --project-url s3://datalake/mp $RUN --multipart-threshold 1000
expect_status 0
expect_stored mp/
expect_eq "requests" "$(s3_stats)" '{"POST":2,"PUT":1,"verified":3}'

begin "a large batch goes up in 8 MiB parts"
"$COLLECTOR" --seed 9 --max-size 4 --records 12000 -o - >"$TMP/big" ||
    fail "cannot build the large batch"
big=$(wc -c <"$TMP/big" | tr -d ' ')
parts=$(( (big + 8388607) / 8388608 ))
s3_start
s3run --project-url s3://datalake/big --seed 9 --max-size 4 \
    --records 12000 --multipart-threshold 1000
expect_status 0
expect_stored big/ "$TMP/big"
check "more than one part" [ "$parts" -gt 1 ]
expect_eq "requests" "$(s3_stats)" \
    "{\"POST\":2,\"PUT\":$parts,\"verified\":$((parts + 2))}"

finish
