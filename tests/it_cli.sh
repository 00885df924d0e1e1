#!/bin/sh
# it_cli.sh - the whole pipeline offline: built-in and file sources, the
# local lake, -o, --dry-run, --json and the exit statuses.

. "$(dirname "$0")/lib.sh"

UUID='[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}'
TS='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'

lake_file() { find lake -type f 2>/dev/null | head -n 1; }

begin "a run with no configuration lands one valid batch in ./lake"
run --once
expect_status 0
check "stdout names the object" \
    grep -q "^\./lake/datalake/bronze/new/${TS}_${UUID}\.json$" "$TMP/out"
check "exactly one object" test "$(count_files lake)" = 1
check "the object is the printed path" test "$(cat "$TMP/out")" = "./$(lake_file)"
check "10 x 1000 valid records" python3 "$TESTS_DIR/check_batch.py" "$(lake_file)" 10000
check "no temporary files" test -z "$(find lake -name '.*' -type f)"
expect_err ""

begin "the same --seed gives the same bytes"
run --seed 42 --max-size 3 --records 20 -o -
expect_status 0
cp "$TMP/out" "$TMP/a"
run --seed 42 --max-size 3 --records 20 -o -
check "identical output" cmp -s "$TMP/a" "$TMP/out"
run --seed 43 --max-size 3 --records 20 -o -
check "another seed differs" sh -c "! cmp -s '$TMP/a' '$TMP/out'"
check "-o - writes nothing to the lake" test ! -e lake
check "60 records" python3 "$TESTS_DIR/check_batch.py" "$TMP/a" 60

begin "-o FILE writes the batch there"
run --max-size 2 --records 5 -o out.json
expect_status 0
expect_out "out.json"
check "10 records" python3 "$TESTS_DIR/check_batch.py" out.json 10
check "nothing in the lake" test ! -e lake

begin "-o onto a device writes through it, never replaces it"
run --max-size 1 --records 2 -o /dev/null
expect_status 0
check "/dev/null is still a character device" test -c /dev/null

begin "--dry-run writes nothing"
run --dry-run --max-size 2 --records 5
expect_status 0
check "prints the key it would use" \
    grep -q "^bronze/new/${TS}_${UUID}\.json$" "$TMP/out"
check "no lake" test ! -e lake

begin "--json prints one summary line"
run --json --max-size 4 --records 25 --seed 1
expect_status 0
check "summary fields" python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).read())
assert s["status"] == "ok" and s["exit"] == 0, s
assert s["records"] == 100 and s["responses"] == 4 and s["requested"] == 4, s
assert s["where"].startswith("./lake/datalake/bronze/new/"), s
assert s["key"] == s["where"][len("./lake/datalake/"):], s
import os; assert s["bytes"] == os.path.getsize(s["where"]), s
' "$TMP/out"

begin "ndjson batches are .jsonl lines"
run --format ndjson --max-size 2 --records 3
expect_status 0
check "key suffix" grep -q "\.jsonl$" "$TMP/out"
check "6 lines" python3 "$TESTS_DIR/check_batch.py" "$(lake_file)" 6 ndjson

begin "upload.gzip stores the batch compressed, as .json.gz"
run --gzip --max-size 2 --records 5 --seed 3
expect_status 0
check "key suffix" grep -q "\.json\.gz$" "$TMP/out"
check "gunzips to 10 valid records" sh -c "gzip -dc '$(cat "$TMP/out")' > plain.json && python3 '$TESTS_DIR/check_batch.py' plain.json 10"
run --max-size 2 --records 5 --seed 3 -o -
check "the same bytes as without gzip" cmp -s plain.json "$TMP/out"

begin "a file source keeps every member byte for byte"
printf '%s' '[{"price":931.11,"big":123456789012345678901234567890,"e":1e3,"s":"caf\u00e9 \"q\" \u00e9\n","id":"old","n":null},{"shop_id":"x","id":1}]' > in.json
run --url "file://$PWD/in.json" --max-size 1 --seed 9 -o -
expect_status 0
check "members unchanged, enrichment replaced" python3 -c '
import re, sys
out = open(sys.argv[1]).read()
u = "\"id\":\"[0-9a-f-]{36}\",\"shop_id\":\"shop_[0-9]+\""
want = (r"^\[\{\"price\":931\.11,\"big\":123456789012345678901234567890,"
        r"\"e\":1e3,\"s\":\"caf\\u00e9 \\\"q\\\" \\u00e9\\n\",\"n\":null," + u +
        r"\},\{" + u + r"\}\]$")
assert re.match(want, out), out
' "$TMP/out"

begin "an empty response lands nothing"
printf '[]' > empty.json
run --url "file://$PWD/empty.json" --max-size 2
expect_status 0
expect_out ""
expect_err_has "warning: response 1: no records (an empty array)"
expect_err_has "warning: no records arrived; nothing was written"
check "no lake" test ! -e lake

begin "invalid JSON from the source: 65, nothing written"
printf '<html>oops</html>' > bad.json
run --url "file://$PWD/bad.json" --max-size 2
expect_status 65
expect_err_has "collector: error: response 1 of 2: invalid JSON at byte 0: "
expect_err_has "collector: error: response 2 of 2: invalid JSON at byte 0: "
check "no lake" test ! -e lake

begin "records that are not objects: 65"
printf '[{"a":1},2]' > notobj.json
run --url "file://$PWD/notobj.json" --max-size 1
expect_status 65
expect_err_has "invalid JSON at byte 9: "
check "no lake" test ! -e lake

begin "a missing source file: 78"
run --url "file://$PWD/missing.json"
expect_status 78
expect_err "collector: error: $PWD/missing.json: No such file or directory"

begin "an unknown flag: 64"
run --frobnicate
expect_status 64
expect_err_has "collector: error: "
expect_err_has "frobnicate"

begin "an unknown URL scheme: 64 as a flag, 78 from the environment"
run --url "gopher://x/y"
expect_status 64
expect_err_has "gopher://x/y"
export COLLECTOR_URL="gopher://x/y"
run
unset COLLECTOR_URL
expect_status 78
expect_err_has "gopher://x/y"

begin "a lake that cannot be created: 73"
: > plain
run --project-url "file://$PWD/plain/lake"
expect_status 73
expect_err "collector: error: cannot create directory $PWD/plain/lake: Not a directory"
check "nothing written" test "$(count_files .)" = 1

begin "stdout that cannot be written: 74"
if [ -w /dev/full ]; then
	"$COLLECTOR" --max-size 1 --records 1 -o - >/dev/full 2>"$TMP/err"
	status=$?
	expect_status 74
	expect_err "collector: error: cannot write the batch to standard output: No space left on device"
fi

begin "version and help"
run -V
expect_status 0
expect_out "collector 0.1.0"
run --help
expect_status 0
expect_out_has "--max-size"

finish
