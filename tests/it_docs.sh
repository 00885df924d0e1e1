#!/bin/sh
# it_docs.sh - the manual, the example configuration and --help agree
# with the program.

. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)

begin "collector.1 passes mandoc -Tlint"
if command -v mandoc >/dev/null; then
	mandoc -Tlint -W warning "$ROOT/collector.1" >"$TMP/err" 2>&1
	status=$?
	expect_status 0
	expect_err ""
	check "man -l renders it" sh -c "man -l '$ROOT/collector.1' 2>/dev/null | grep -q '^EXIT STATUS'"
else
	echo "SKIP mandoc is not installed (make deps installs it)"
fi

begin "every flag of --help is in the manual and the README"
run --help
expect_status 0
for flag in $(grep -oE -- '--[a-z][a-z0-9-]+' "$TMP/out" | sort -u); do
	check "$flag in collector.1" sh -c "sed 's/\\\\//g' '$ROOT/collector.1' | grep -qF -- '$flag'"
	check "$flag in README.md" grep -qF -- "$flag" "$ROOT/README.md"
done

begin "every key of config.yaml is documented and accepted"
cp "$ROOT/config.yaml" config.yaml
run --print-config
expect_status 0
for key in $(python3 -c '
import re, sys
stack = []
for line in open(sys.argv[1]):
    # keys, and keys commented out ("  # url: https://...")
    m = re.match(r"^( *)(# )?([a-z][A-Za-z_0-9]*):( |$)", line)
    if not m:
        continue
    depth = len(m.group(1)) // 2
    stack = stack[:depth] + [m.group(3)]
    print(".".join(stack))
' config.yaml); do
	case $key in
	mockaroo|builtin|supabase|supabase.path_raw_data|storage|s3|upload|batch|enrich|naming|http|log) continue ;;
	mockaroo.params.*) continue ;;
	esac
	check "$key in collector.1" grep -qF -- "Cm $key" "$ROOT/collector.1"
	check "$key in --print-config" grep -qF -- "$key" "$TMP/out"
done
check "the example runs offline" sh -c "! grep -q '^ *url:' config.yaml"

begin "the example configuration collects a batch"
run --max-size 1 --records 2
expect_status 0
check "landed in ./lake" grep -q '^\./lake/datalake/bronze/new/' "$TMP/out"

finish
