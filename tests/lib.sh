# tests/lib.sh - shared by the integration scripts (tests/it_*.sh).
#
# Each script sources this file, runs the binary with `run ARGS...` and
# checks the outcome with the expect_* functions; `finish` prints the
# "N passed, N failed" line.  Every test runs in a fresh directory under
# $TMP; run() leaves stdout in $TMP/out, stderr in $TMP/err and the exit
# status in $status.

set -u
: "${COLLECTOR:?COLLECTOR must name the binary under test}"
# The system's python3 first: a version manager's shim in front of it
# costs half a second per fake server.
PATH=/usr/bin:$PATH
: "${TEST_WRAP:=}"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=$(cd "$TESTS_DIR/.." && cd "${BUILD:-build}" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/collector-test.XXXXXX")
trap 'cleanup_servers; rm -rf "$TMP"' EXIT
passed=0
failed=0
test_name=
SERVER_PIDS=

# Starts a test: a name for messages and a clean working directory with
# no configuration from the environment.
begin() {
	test_name=$1
	rm -rf "$TMP/work" "$TMP/home"
	mkdir -p "$TMP/work" "$TMP/home"
	cd "$TMP/work" || exit 1
	unset COLLECTOR_URL COLLECTOR_API_KEY COLLECTOR_API_KEY_FILE \
	    COLLECTOR_PROJECT_URL COLLECTOR_PROJECT_KEY \
	    COLLECTOR_PROJECT_KEY_FILE COLLECTOR_BUCKET COLLECTOR_PATH \
	    COLLECTOR_MAX_SIZE COLLECTOR_KEY_IN COLLECTOR_RECORDS \
	    COLLECTOR_STORAGE_KIND COLLECTOR_FORMAT COLLECTOR_SEED \
	    COLLECTOR_LOG_LEVEL COLLECTOR_LOG_FORMAT api_key project_url \
	    project_key AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
	    AWS_SESSION_TOKEN AWS_REGION AWS_ENDPOINT_URL JOURNAL_STREAM \
	    STATE_DIRECTORY CREDENTIALS_DIRECTORY
	# Per-user state (the spool) stays inside the test's directory.
	export HOME="$TMP/home" XDG_STATE_HOME="$TMP/home/.local/state"
}

run() {
	if [ -n "$TEST_WRAP" ]; then
		$TEST_WRAP --log-file="$TMP/valgrind.log" "$COLLECTOR" "$@" \
		    >"$TMP/out" 2>"$TMP/err"
		status=$?
		if [ "$status" -eq 99 ]; then
			cat "$TMP/valgrind.log"
		fi
	else
		"$COLLECTOR" "$@" >"$TMP/out" 2>"$TMP/err"
		status=$?
	fi
	return 0
}

# Like run, with standard input from a file.
run_stdin() {
	input=$1; shift
	run "$@" <"$input"
}

pass() { passed=$((passed + 1)); }

fail() {
	failed=$((failed + 1))
	echo "FAIL $test_name: $*"
	echo "  stdout: $(head -c 400 "$TMP/out" 2>/dev/null)"
	echo "  stderr: $(head -c 800 "$TMP/err" 2>/dev/null)"
}

check() {
	# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
	what=$1; shift
	if "$@"; then pass; else fail "$what"; fi
}

expect_status() {
	if [ "$status" -eq "$1" ]; then pass
	else fail "exit status $status, want $1"; fi
}

expect_out() {
	if [ "$(cat "$TMP/out")" = "$1" ]; then pass
	else fail "stdout is not \"$1\""; fi
}

expect_err() {
	# The whole of stderr, exactly.
	if [ "$(cat "$TMP/err")" = "$1" ]; then pass
	else fail "stderr is not \"$1\""; fi
}

expect_err_has() {
	if grep -qF -- "$1" "$TMP/err"; then pass
	else fail "stderr lacks \"$1\""; fi
}

expect_err_lacks() {
	if grep -qF -- "$1" "$TMP/err"; then fail "stderr has \"$1\""
	else pass; fi
}

expect_out_has() {
	if grep -qF -- "$1" "$TMP/out"; then pass
	else fail "stdout lacks \"$1\""; fi
}

# Counts the regular files below a directory.
count_files() {
	if [ -d "$1" ]; then find "$1" -type f | wc -l | tr -d ' '
	else echo 0; fi
}

# Starts a Python test server in the background and waits until it
# prints its port.  Usage: start_server VAR script.py [args...]
start_server() {
	var=$1 script=$2; shift 2
	portfile="$TMP/port.$var"
	rm -f "$portfile"
	python3 "$TESTS_DIR/$script" --port-file "$portfile" "$@" \
	    >"$TMP/server.$var.log" 2>&1 &
	SERVER_PIDS="$SERVER_PIDS $!"
	i=0
	while [ ! -s "$portfile" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ -s "$portfile" ] || { echo "FAIL server $script did not start";
	    cat "$TMP/server.$var.log"; exit 1; }
	eval "$var=\$(cat \"\$portfile\")"
}

# Installs s3rver, the S3 test peer, from the npm registry (pinned in
# tests/s3/package-lock.json) unless it is there; fails the script when
# it cannot.
need_s3rver() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "FAIL node and npm are needed (apt-get install nodejs npm)"
		exit 1
	fi
	[ -d "$TESTS_DIR/s3/node_modules/s3rver" ] && return 0
	npm ci --prefix "$TESTS_DIR/s3" --no-audit --no-fund \
	    >"$TMP/npm.log" 2>&1 ||
	    { echo "FAIL npm ci failed"; cat "$TMP/npm.log"; exit 1; }
}

cleanup_servers() {
	for p in $SERVER_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SERVER_PIDS; do wait "$p" 2>/dev/null; done
	SERVER_PIDS=
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
