#!/bin/sh
# it_iofail.sh - file operations that fail, through the preload library
# tests/iofail.c: the local lake, the spool, the metrics file, the config
# file, the .env file and a key file, each with ENOSPC, EIO and EACCES on
# every operation its path goes through.  Each case checks the exit
# status, the one-line message naming the path, that the fault was
# reached, that nothing partial is left, and that nothing accepted is
# lost: the next clean run lands what waits.

. "$(dirname "$0")/lib.sh"

SHIM=$BUILD_DIR/tests/iofail.so
if [ ! -f "$SHIM" ]; then
	echo "FAIL $SHIM is not built (make tests)"
	echo "0 passed, 1 failed"
	exit 1
fi
# A sanitized build links its runtime first; the preload comes before it.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
KEY=service-key
SPOOL=$TMP/home/.local/state/collector
ERRNOS="ENOSPC EIO EACCES"
# Under valgrind one errno walks every path the program takes (the others
# differ only in the status they map to, checked in the plain and
# sanitized runs), at a third of the cost.
[ -n "$TEST_WRAP" ] && ERRNOS=EIO
cases=0

strerr() {
	case $1 in
	ENOSPC) echo "No space left on device" ;;
	EIO) echo "Input/output error" ;;
	EACCES) echo "Permission denied" ;;
	esac
}

# The status of an output that cannot be written, and of a settings file
# that cannot be read (README "Exit statuses").
write_status() { if [ "$1" = EACCES ]; then echo 73; else echo 74; fi; }
read_status() { if [ "$1" = EIO ]; then echo 74; else echo 78; fi; }

# Starts a case: a fresh directory, and a name that says what fails.
case_begin() {
	begin "$*"
	cases=$((cases + 1))
}

# faulty OPS ERRNO PATH ARGS...: runs the collector with the operations
# OPS failing with ERRNO on the paths that contain PATH (a final '$'
# anchors it), the (AFTER+1)-th such call only when AFTER is set; set
# IOFAIL_NO_TMPFILE=1 first for a file system without O_TMPFILE.
faulty() {
	rm -f "$TMP/iofail.log"
	export LD_PRELOAD="$SHIM" IOFAIL_OPS="$1" IOFAIL_ERRNO="$2" \
	    IOFAIL_PATH="$3" IOFAIL_AFTER="${AFTER:-}" \
	    IOFAIL_LOG="$TMP/iofail.log"
	shift 3
	run "$@"
	unset LD_PRELOAD IOFAIL_OPS IOFAIL_ERRNO IOFAIL_PATH IOFAIL_AFTER \
	    IOFAIL_LOG IOFAIL_NO_TMPFILE
	check "the fault was reached" test -s "$TMP/iofail.log"
}

# expect_line PREFIX SUFFIX: stderr is one line, PREFIX...SUFFIX.
expect_line() {
	line=$(cat "$TMP/err")
	if [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
	    case $line in "$1"*"$2") true ;; *) false ;; esac
	then pass
	else fail "stderr is not one line \"$1...$2\""
	fi
}

# Files below a directory whose names start with '.': temporaries.
temporaries() { find "$1" -name '.*' -type f 2>/dev/null; }

# ---- the local lake ----

LAKE_ARGS="--max-size 1 --records 2"

# The objects in the lake, one path per line.
objects() { find "$PWD/lake" -type f -name '*.json' 2>/dev/null; }

# lake_case OPS ERRNO PATH STATUS PREFIX SUFFIX LANDED: LANDED is 1 when
# the object is whole in place despite the error (it failed after the
# link).
lake_case() {
	case_begin "lake: $1 fails with $2 on $3"
	faulty "$1" "$2" "$3" --project-url "file://$PWD/lake" $LAKE_ARGS
	expect_status "$4"
	shift
	expect_line "collector: error: $4" "$5: $(strerr "$1")"
	check "no temporary file" test -z "$(temporaries lake)"
	check "$6 objects" test "$(objects | wc -l)" = "$6"
	if [ "$6" = 1 ]; then
		check "the object is whole" python3 "$TESTS_DIR/check_batch.py" \
		    "$(objects)" 2
	fi
	check "nothing on stdout" test ! -s "$TMP/out"
	run --project-url "file://$PWD/lake" $LAKE_ARGS
	expect_status 0
	check "the next run lands" test "$(objects | wc -l)" = $(($6 + 1))
}

NEW=lake/datalake/bronze/new
for e in $ERRNOS; do
	w=$(write_status "$e")
	lake_case mkdir "$e" /work/lake "$w" \
	    "cannot create directory $TMP/work/lake" "" 0
	lake_case open "$e" /work/lake "$w" \
	    "cannot create $TMP/work/$NEW/." ".json.tmp" 0
	lake_case tmpfile,rename "$e" /work/lake "$w" \
	    "cannot rename $TMP/work/$NEW/." ".json" 0
	lake_case write "$e" /work/lake "$w" \
	    "cannot write $TMP/work/$NEW/" ".json" 0
	lake_case fsync "$e" /work/lake "$w" \
	    "cannot write $TMP/work/$NEW/" ".json" 0
	lake_case linkat "$e" /work/lake "$w" \
	    "cannot create $TMP/work/$NEW/" ".json" 0
	# Past the link the object is whole; the run still says the disk
	# failed, and the next run lands a batch of its own.
	lake_case fsync "$e" "/work/$NEW\$" 74 \
	    "cannot sync directory $TMP/work/$NEW" "" 1
	lake_case close "$e" /work/lake "$w" \
	    "cannot write $TMP/work/$NEW/" ".json" 1
done

# Without O_TMPFILE the data goes to a named temporary file, which a
# failure removes.
for e in $ERRNOS; do
	for op in write fsync; do
		case_begin "lake, no O_TMPFILE: $op fails with $e"
		export IOFAIL_NO_TMPFILE=1
		faulty $op "$e" "/work/$NEW/." --project-url "file://$PWD/lake" \
		    $LAKE_ARGS
		expect_status "$(write_status "$e")"
		expect_line "collector: error: cannot write $TMP/work/$NEW/" \
		    ".json: $(strerr "$e")"
		check "no temporary file" test -z "$(temporaries lake)"
		check "no object" test -z "$(objects)"
	done
done

case_begin "lake: no O_TMPFILE: the named temporary file, then rename"
faulty tmpfile EOPNOTSUPP /work/lake --project-url "file://$PWD/lake" \
    $LAKE_ARGS
expect_status 0
check "one whole object" python3 "$TESTS_DIR/check_batch.py" "$(objects)" 2
check "no temporary file" test -z "$(temporaries lake)"

# ---- the spool, in front of a Supabase store ----

entries() { ls "$SPOOL" 2>/dev/null | grep '\.batch$'; }
# Anything in the spool but the lock and whole entries.
strays() { ls -A "$SPOOL" 2>/dev/null | grep -v -e '^lock$' -e '\.batch$'; }
stored() { curl -sf "$STORE/__count"; }

store() {
	cleanup_servers
	start_server PORT fake_supabase.py --key "$KEY" "$@"
	STORE=http://127.0.0.1:$PORT
}

collect() {
	run --project-url "$STORE" --retries 0 --max-size 1 --records 2 "$@"
}

faulty_collect() {
	faulty "$1" "$2" "$3" --project-url "$STORE" --retries 0 \
	    --max-size 1 --records 2
}

# Every spooled batch lands on a clean run, then the spool is empty.
drains_to() {
	collect
	expect_status 0
	check "the next run lands all: $1 objects" test "$(stored)" = "$1"
	check "the spool is empty" test -z "$(entries)"
}

# spool_case OPS ERRNO PATH STATUS PREFIX SUFFIX SPOOLED: the run fails
# before anything is stored; SPOOLED batches are whole in the spool.
spool_case() {
	case_begin "spool: $1 fails with $2 on $3"
	export COLLECTOR_PROJECT_KEY=$KEY
	store
	faulty_collect "$1" "$2" "$3"
	expect_status "$4"
	expect_line "collector: error: $5" "$6: $(strerr "$2")"
	check "nothing stored" test "$(stored)" = 0
	check "no stray file in the spool" test -z "$(strays)"
	check "$7 whole spooled batches" test "$(entries | wc -l)" = "$7"
	drains_to $(($7 + 1))
}

S=/.local/state/collector
for e in $ERRNOS; do
	spool_case mkdir "$e" "$S" "$(write_status "$e")" \
	    "cannot create directory $SPOOL" "" 0
	spool_case open "$e" "$S/lock" "$(write_status "$e")" \
	    "cannot open $SPOOL/lock" "" 0
	spool_case flock "$e" "$S/lock" 74 "cannot lock $SPOOL/lock" "" 0
	spool_case opendir "$e" "$S" 74 \
	    "cannot read spool directory $SPOOL" "" 0
	spool_case open "$e" "$S\$|.batch.tmp" "$(write_status "$e")" \
	    "cannot create $SPOOL/." ".json.batch.tmp" 0
	spool_case write "$e" "$S/" "$(write_status "$e")" \
	    "cannot write $SPOOL/" ".json.batch" 0
	spool_case fsync "$e" "$S/" "$(write_status "$e")" \
	    "cannot write $SPOOL/" ".json.batch" 0
	spool_case linkat "$e" "$S/" "$(write_status "$e")" \
	    "cannot create $SPOOL/" ".json.batch" 0
	spool_case tmpfile,rename "$e" "$S" "$(write_status "$e")" \
	    "cannot rename $SPOOL/." ".json.batch" 0
	# Past the link the batch is whole in the spool: not uploaded by
	# this run, which failed, but by the next.
	spool_case fsync "$e" "$S\$" 74 "cannot sync directory $SPOOL" "" 1
	spool_case close "$e" "$S/" "$(write_status "$e")" \
	    "cannot write $SPOOL/" ".json.batch" 1
done

# The header is written, then the batch: a failure between them leaves
# no half-written spool file, named or not.
for e in $ERRNOS; do
	for notmp in "" 1; do
		case_begin "spool: the batch write after its header fails with $e${notmp:+, no O_TMPFILE}"
		export COLLECTOR_PROJECT_KEY=$KEY
		store
		[ -n "$notmp" ] && export IOFAIL_NO_TMPFILE=1
		AFTER=1
		faulty_collect write "$e" "$S/"
		AFTER=
		expect_status "$(write_status "$e")"
		expect_line "collector: error: cannot write $SPOOL/" \
		    ".json.batch: $(strerr "$e")"
		check "the header went first" test "$(wc -l <"$TMP/iofail.log")" = 1
		check "no stray file in the spool" test -z "$(strays)"
		check "nothing spooled" test -z "$(entries)"
		check "nothing stored" test "$(stored)" = 0
		drains_to 1
	done
done

# A spooled batch that cannot be read or removed stops the replay: the
# new batch waits behind it, and the message names the file, not the
# store.
for e in $ERRNOS; do
	case_begin "spool: read of a spooled batch fails with $e"
	export COLLECTOR_PROJECT_KEY=$KEY
	store --fail-uploads 1
	collect
	expect_status 75
	old=$(entries)
	faulty_collect read "$e" "$S/"
	expect_status 74
	check "two lines" test "$(wc -l <"$TMP/err")" = 2
	expect_err_has "collector: warning: cannot read $SPOOL/$old: $(strerr "$e"); 1 spooled batches wait for the next run"
	expect_err_has "collector: error: cannot read $SPOOL/$old: $(strerr "$e"); the batch waits in $SPOOL for the next run"
	expect_err_lacks "store is unavailable"
	check "nothing stored" test "$(stored)" = 0
	check "both batches wait" test "$(entries | wc -l)" = 2
	check "no stray file in the spool" test -z "$(strays)"
	drains_to 3

	case_begin "spool: removing a landed batch fails with $e"
	export COLLECTOR_PROJECT_KEY=$KEY
	store
	faulty_collect unlink "$e" "$S/"
	expect_status 74
	expect_line "collector: error: cannot remove $SPOOL/" \
	    ".json.batch: $(strerr "$e")"
	check "the batch landed" test "$(stored)" = 1
	check "and stays spooled" test "$(entries | wc -l)" = 1
	# The replay finds it stored with its size: landed, not stored twice.
	drains_to 2

	case_begin "spool: removing a replayed batch fails with $e"
	export COLLECTOR_PROJECT_KEY=$KEY
	store --fail-uploads 1
	collect
	faulty_collect unlink "$e" "$S/"
	expect_status 74
	expect_err_has "collector: error: cannot remove $SPOOL/"
	expect_err_has ": $(strerr "$e"); the batch waits in $SPOOL for the next run"
	expect_err_lacks "store is unavailable"
	check "the replayed batch landed" test "$(stored)" = 1
	check "both wait" test "$(entries | wc -l)" = 2
	drains_to 3
done

# A corrupt spool file that cannot be moved aside stays where it is, and
# the replay stops behind it; the next run moves it.
for e in $ERRNOS; do
	case_begin "spool: moving a corrupt file aside fails with $e"
	export COLLECTOR_PROJECT_KEY=$KEY
	store
	mkdir -p "$SPOOL"
	printf 'garbage\n' >"$SPOOL/0000000000000001-x.batch"
	faulty_collect rename "$e" "$S/bad/"
	expect_status 74
	expect_err_has "collector: error: cannot move $SPOOL/0000000000000001-x.batch to $SPOOL/bad: $(strerr "$e"); the batch waits in $SPOOL for the next run"
	expect_err_lacks "moved to"
	check "the corrupt file stays" test -f "$SPOOL/0000000000000001-x.batch"
	check "nothing in bad/" test -z "$(ls "$SPOOL/bad" 2>/dev/null)"
	check "nothing stored" test "$(stored)" = 0
	check "no stray file in the spool" test -z "$(strays | grep -v '^bad$')"
	collect
	expect_status 0
	check "moved aside" test -f "$SPOOL/bad/0000000000000001-x.batch"
	check "both batches land" test "$(stored)" = 2
	check "the spool is empty" test -z "$(entries)"
done

# The pid in the lock file only informs the operator: a run that cannot
# write it says so and goes on.
for e in $ERRNOS; do
	for op in ftruncate pwrite; do
		case_begin "spool: $op of the lock file fails with $e"
		export COLLECTOR_PROJECT_KEY=$KEY
		store
		faulty_collect $op "$e" "$S/lock"
		expect_status 0
		expect_err "collector: warning: cannot write the pid to $SPOOL/lock: $(strerr "$e")"
		check "the batch landed" test "$(stored)" = 1
		check "the spool is empty" test -z "$(entries)"
	done
done

case_begin "spool: the store down on replay still says so"
export COLLECTOR_PROJECT_KEY=$KEY
store --fail-uploads 2
collect
collect
expect_status 75
expect_err_has "collector: error: replaying bronze/new/"
expect_err_has "; the batch waits in $SPOOL for the next run"
drains_to 3

# ---- the metrics file ----

M=$TMP/work/metrics.d
metrics_run() {
	faulty "$1" "$2" "$3" --max-size 1 --records 2 \
	    --metrics-file "$M/collector.prom"
}

# metrics_case OPS ERRNO PATH PREFIX SUFFIX OLD: OLD is 1 when a metrics
# file from an earlier run is there, and must stay as it was.
metrics_case() {
	old=${6:-0}
	case_begin "metrics file: $1 fails with $2${6:+ (over an earlier file)}"
	mkdir -p "$M"
	if [ "$old" = 1 ]; then
		printf 'collector_last_success_timestamp_seconds 42\n' \
		    >"$M/collector.prom"
	fi
	metrics_run "$1" "$2" "$3"
	expect_status 0
	expect_line "collector: error: $4" "$5: $(strerr "$2")"
	check "the batch landed all the same" test "$(objects | wc -l)" = 1
	check "no temporary file" test -z "$(temporaries "$M")"
	if [ "$old" = 1 ]; then
		check "the earlier file is untouched" test \
		    "$(cat "$M/collector.prom")" = \
		    "collector_last_success_timestamp_seconds 42"
	elif [ "$1" = close ]; then
		check "the file is whole" grep -q '^collector_spool_pending_batches ' "$M/collector.prom"
	else
		check "no metrics file" test ! -e "$M/collector.prom"
	fi
}

for e in $ERRNOS; do
	case_begin "metrics file: mkdir fails with $e"
	metrics_run mkdir "$e" /metrics.d
	expect_status 0
	expect_line "collector: error: cannot create directory $M" \
	    ": $(strerr "$e")"
	check "no metrics directory" test ! -e "$M"
	check "the batch landed all the same" test "$(objects | wc -l)" = 1

	metrics_case open "$e" /metrics.d "cannot create $M/.collector.prom.tmp" ""
	metrics_case write "$e" /metrics.d "cannot write $M/collector.prom" ""
	metrics_case fsync "$e" /metrics.d "cannot write $M/collector.prom" ""
	metrics_case linkat "$e" /metrics.d "cannot create $M/collector.prom" ""
	metrics_case write "$e" /metrics.d "cannot write $M/collector.prom" "" 1
	metrics_case rename "$e" /metrics.d \
	    "cannot rename $M/.collector.prom.tmp to $M/collector.prom" "" 1
	metrics_case close "$e" /metrics.d "cannot write $M/collector.prom" ""
done

# A failed run carries the last success over from the earlier file; when
# that file cannot be read, it is left as it was rather than rewritten
# with a last success of 0.
FAILED_RUN="--url file:///nonexistent/records.json"
case_begin "metrics file: a failed run carries the last success over"
mkdir -p "$M"
printf 'collector_last_success_timestamp_seconds 42\n' >"$M/collector.prom"
run $FAILED_RUN --metrics-file "$M/collector.prom"
expect_status 78
check "carried over" grep -qx 'collector_last_success_timestamp_seconds 42.000' "$M/collector.prom"
check "with the status" grep -qx 'collector_exit_status 78' "$M/collector.prom"
for e in $ERRNOS; do
	for op in fopen fread; do
		case_begin "metrics file: $op of the earlier file fails with $e"
		mkdir -p "$M"
		printf 'collector_last_success_timestamp_seconds 42\n' \
		    >"$M/collector.prom"
		faulty $op "$e" /metrics.d $FAILED_RUN \
		    --metrics-file "$M/collector.prom"
		expect_status 78
		check "two lines" test "$(wc -l <"$TMP/err")" = 2
		expect_err_has "collector: error: /nonexistent/records.json: No such file or directory"
		expect_err_has "collector: error: cannot read $M/collector.prom: $(strerr "$e"); left as it is"
		check "the earlier file is untouched" test \
		    "$(cat "$M/collector.prom")" = \
		    "collector_last_success_timestamp_seconds 42"
		check "no temporary file" test -z "$(temporaries "$M")"
	done
done

# ---- the settings files: config, .env, key ----

SECRET=s3cr3t-service-key-value

# settings_case OPS ERRNO FILE PREFIX ARGS...: with CRED set, the key
# file is $CREDENTIALS_DIRECTORY/project_key, as systemd passes it.
settings_case() {
	ops=$1 e=$2 file=$3 msg=$4
	shift 4
	case_begin "settings: $ops of $file fails with $e"
	printf 'batch:\n  max_size: 1\n' >cfg.yaml
	printf 'COLLECTOR_RECORDS=2\n' >my.env
	printf '%s\n' "$SECRET" >key.txt
	printf '%s\n' "$SECRET" >api.txt
	mkdir creds.d
	printf '%s\n' "$SECRET" >creds.d/project_key
	printf '[default]\naws_access_key_id = AKIAIOFAIL\naws_secret_access_key = %s\n' \
	    "$SECRET" >aws.ini
	if [ -n "${CRED:-}" ]; then
		export CREDENTIALS_DIRECTORY="$PWD/creds.d"
	fi
	faulty "$ops" "$e" "$file" "$@"
	expect_status "$(read_status "$e")"
	expect_err "collector: error: $msg: $(strerr "$e")"
	expect_err_lacks "$SECRET"
	check "nothing on stdout" test ! -s "$TMP/out"
	check "nothing written" test ! -e lake
}

for e in $ERRNOS; do
	for op in fopen fread; do
		settings_case $op "$e" cfg.yaml \
		    'cannot read config file "cfg.yaml"' -c cfg.yaml
		settings_case $op "$e" my.env \
		    'cannot read env file "my.env"' --env-file my.env
		settings_case $op "$e" key.txt \
		    '--project-key-file: cannot read "key.txt"' \
		    --project-key-file key.txt \
		    --project-url http://127.0.0.1:9
		settings_case $op "$e" api.txt \
		    '--api-key-file: cannot read "api.txt"' \
		    --api-key-file api.txt --url http://127.0.0.1:9/x
		settings_case $op "$e" aws.ini \
		    '--s3-credentials-file: cannot read "aws.ini"' \
		    --s3-credentials-file aws.ini --project-url s3://bucket
		CRED=1
		settings_case $op "$e" creds.d/project_key \
		    "credential \$CREDENTIALS_DIRECTORY/project_key: cannot read \"$TMP/work/creds.d/project_key\"" \
		    --project-url http://127.0.0.1:9
		CRED=
	done
	# The key was read whole; the read that finds its end fails.
	AFTER=1
	settings_case fread "$e" key.txt \
	    '--project-key-file: cannot read "key.txt"' \
	    --project-key-file key.txt --project-url http://127.0.0.1:9
	AFTER=
done

case_begin "settings: the default ./config.yaml, unreadable"
printf 'batch:\n  max_size: 1\n' >config.yaml
faulty fopen EACCES config.yaml
expect_status 78
expect_err 'collector: error: cannot read config file "config.yaml": Permission denied'

echo "$cases cases"
finish
