#!/bin/sh
# it_ops.sh - what operators run the collector with: the systemd units,
# the cron file, the container and Kubernetes files, the metrics file,
# --check, bash completion, and keys from files and systemd credentials.

. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)
CONTRIB=$ROOT/contrib
MOCK_KEY=testkey1
SB_KEY=sk-ops-5d1e
unset STATE_DIRECTORY COLLECTOR_METRICS_FILE

expect_eq() {
	if [ "$2" = "$3" ]; then pass
	else fail "$1: got \"$2\", want \"$3\""; fi
}

expect_out_lacks() {
	if grep -qF -- "$1" "$TMP/out"; then fail "stdout has \"$1\""
	else pass; fi
}

# A port nothing listens on.
dead_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs the collector with the arguments of a shipped command line (one
# per line in $1), the run-only flags swapped for --print-config, and
# checks that every flag and value is accepted.
expect_args_accepted() {
	what=$1 args=$2
	set --
	while IFS= read -r a; do
		case $a in
		--once) ;;
		*) set -- "$@" "$a" ;;
		esac
	done <<EOF
$args
EOF
	run "$@" --print-config
	if [ "$status" -eq 0 ]; then pass
	else fail "$what: the collector refuses its flags"; fi
}

# ---- systemd ----

begin "the systemd units pass systemd-analyze verify"
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP systemd-analyze is missing (Debian package systemd)"
elif ! systemd-analyze --version >/dev/null 2>&1; then
	echo "SKIP systemd-analyze cannot run in this container"
else
	mkdir units
	sed "s|^ExecStart=/usr/local/bin/collector|ExecStart=$COLLECTOR|" \
	    "$CONTRIB/systemd/collector.service" >units/collector.service
	cp "$CONTRIB/systemd/collector.timer" units/
	check "ExecStart points at the binary under test" \
	    grep -q "^ExecStart=$COLLECTOR " units/collector.service
	systemd-analyze verify --man=no units/collector.service \
	    units/collector.timer >"$TMP/out" 2>"$TMP/err"
	status=$?
	expect_status 0
	expect_err ""
	# The same check must notice a broken unit.
	sed 's/^Type=oneshot/Type=oneshot\nTimeoutStartSec=soon/' \
	    units/collector.service >units/broken.service
	sed -i 's/^StateDirectory=collector/StateDirectory=..\/etc/' \
	    units/broken.service
	systemd-analyze verify --man=no units/broken.service \
	    >"$TMP/out" 2>"$TMP/err"
	status=$?
	check "a broken unit is reported" grep -q "broken.service" "$TMP/err"
fi

begin "the service is a hardened oneshot with state, config and credentials"
for line in "Type=oneshot" "DynamicUser=yes" "StateDirectory=collector" \
    "ConfigurationDirectory=collector" "ProtectSystem=strict" \
    "ProtectHome=yes" "PrivateTmp=yes" "NoNewPrivileges=yes" \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
    "SystemCallFilter=@system-service" \
    "LoadCredential=api_key:collector.api_key" \
    "LoadCredential=project_key:collector.project_key"; do
	check "collector.service has $line" \
	    grep -qxF "$line" "$CONTRIB/systemd/collector.service"
done
check "collector.service bounds the run" \
    grep -qE '^TimeoutStartSec=[0-9]+(min|s)?$' \
    "$CONTRIB/systemd/collector.service"
for line in "OnCalendar=minutely" "Persistent=true" \
    "WantedBy=timers.target"; do
	check "collector.timer has $line" \
	    grep -qxF "$line" "$CONTRIB/systemd/collector.timer"
done
check "collector.timer spreads hosts" \
    grep -qE '^RandomizedDelaySec=[0-9]+s$' "$CONTRIB/systemd/collector.timer"

begin "the collector accepts the service's command line"
mkdir -p state runtime
args=$(sed -n 's/^ExecStart=[^ ]* //p' "$CONTRIB/systemd/collector.service" |
    sed "s|%S|$PWD/state|g; s|%t|$PWD/runtime|g" | tr ' ' '\n')
expect_args_accepted collector.service "$args"
expect_out_has "spool.dir: \"$PWD/state/collector/spool\""
expect_out_has "metrics.file: \"$PWD/runtime/collector/collector.prom\""

# ---- cron ----

begin "the cron file runs the collector every minute through logger"
job=$(grep -vE '^[[:space:]]*(#|$)' "$CONTRIB/cron/collector" |
    grep -vE '^[A-Z_]+=')
expect_eq "one job line" "$(printf '%s\n' "$job" | wc -l | tr -d ' ')" 1
set -f
set -- $job
set +f
expect_eq "schedule" "$1 $2 $3 $4 $5" "* * * * *"
expect_eq "user" "$6" "collector"
expect_eq "command" "$7" "collector"
case $job in
*'2>&1 | logger -t collector'*) pass ;;
*) fail "the job does not log through logger" ;;
esac
check "PATH is set" grep -q '^PATH=/usr/local/bin:' "$CONTRIB/cron/collector"
cmd=${job#*collector collector }
cmd=${cmd%% 2>&1*}
args=$(printf '%s\n' "$cmd" | sed "s|/etc/collector/config.yaml|$ROOT/config.yaml|; s|/var/lib/collector|$PWD/var|g" | tr ' ' '\n')
expect_args_accepted "the cron job" "$args"

# ---- containers ----

begin "the Dockerfile builds in one stage and runs unprivileged in another"
D=$CONTRIB/docker/Dockerfile
expect_eq "two stages on bookworm-slim" \
    "$(grep -c '^FROM debian:bookworm-slim' "$D")" 2
# The build stage has every -dev package `make` needs (Makefile DEB_BUILD).
for p in $(sed -n 's/^DEB_BUILD *= *//p' "$ROOT/Makefile"); do
	case $p in gcc|make|pkg-config|*-dev)
		check "build stage installs $p" grep -qw -- "$p" "$D" ;;
	esac
done
runtime=$(sed -n '/^FROM debian:bookworm-slim$/,$p' "$D" |
    tr -s ' \\\n' ' ' | grep -o 'no-install-recommends [a-z0-9. -]*&&' |
    sed 's/no-install-recommends //; s/ *&&$//')
expect_eq "runtime packages" "$runtime" \
    "libcurl4 libjansson4 libyaml-0-2 ca-certificates"
check "runs as a non-root user" grep -qx 'USER collector' "$D"
check "entrypoint" grep -qxF 'ENTRYPOINT ["collector"]' "$D"
check "command" grep -qxF 'CMD ["--once"]' "$D"
check "config and state volumes" \
    grep -qxF 'VOLUME ["/etc/collector", "/var/lib/collector"]' "$D"

begin "the compose loop runs one collector at a time and stops cleanly"
# The loop from compose.yaml, with Compose's $$ escapes undone, drives a
# stand-in collector that records its runs and how it was stopped.
awk '/^    command:/ { on = 1; next }
    on && /^      - \|/ { next }
    on && /^        / { sub(/^        /, ""); print; next }
    on { exit }' "$CONTRIB/docker/compose.yaml" | sed 's/\$\$/$/g' >loop.sh
check "the loop was found" grep -q 'collector --once' loop.sh
mkdir bin
cat >bin/collector <<'EOF'
#!/bin/sh
trap 'echo term >>"$LOG"; kill $! 2>/dev/null; exit 75' TERM
echo "run $*" >>"$LOG"
sleep 5 &
wait $!
EOF
chmod +x bin/collector
LOG=$PWD/runs.log PATH=$PWD/bin:$PATH COLLECTOR_INTERVAL=0.1 \
    sh loop.sh >/dev/null 2>&1 &
loop=$!
i=0
while [ ! -s runs.log ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $loop
wait $loop
status=$?
expect_status 0
expect_eq "runs and stops" "$(cat runs.log)" "run --once
term"
check "the healthcheck is collector --check" \
    grep -qF 'test: ["CMD", "collector", "--check"]' \
    "$CONTRIB/docker/compose.yaml"

begin "the CronJob forbids overlap and takes keys from a Secret"
K=$CONTRIB/kubernetes/cronjob.yaml
for line in "kind: CronJob" "concurrencyPolicy: Forbid" \
    "restartPolicy: Never" "secretName: collector-keys" \
    "name: collector-config" "runAsNonRoot: true"; do
	check "cronjob.yaml has $line" grep -qF -- "$line" "$K"
done
check "cronjob.yaml bounds retries" grep -qE '^ +backoffLimit: [0-9]+$' "$K"
check "cronjob.yaml requests resources" grep -qE '^ +requests:$' "$K"
# The ConfigMap's config.yaml and the container's arguments are the
# collector's own.
awk '/^  config.yaml: \|/ { on = 1; next }
    on && /^    / { sub(/^    /, ""); print; next }
    on { exit }' "$K" >config.yaml
args=$(awk '/^ +args:$/ { on = 1; next }
    on && /^ +- --/ { sub(/^ +- /, ""); print; next }
    on { exit }' "$K" | sed "s|/etc/collector/config.yaml|$PWD/config.yaml|;
    s|/var/lib/collector|$PWD/var|")
expect_args_accepted "the CronJob" "$args"
expect_out_has "mockaroo.url: \"https://my.api.mockaroo.com/users.json\""
for v in COLLECTOR_API_KEY_FILE COLLECTOR_PROJECT_KEY_FILE; do
	check "cronjob.yaml sets $v" grep -qF -- "- name: $v" "$K"
done

# ---- the metrics file ----

# Checks a file against the Prometheus text exposition format (0.0.4) and
# what node_exporter's textfile collector accepts, then prints
# "name value" for each sample.
parse_metrics() {
	python3 - "$1" <<'EOF'
import math, re, sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s(?:,%s)*,?)?\})? (\S+)(?: (-?\d+))?$"
                    % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}

def value(text):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf"))
    if not re.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", text):
        raise ValueError("bad value %r" % text)
    return float(text)

def die(n, why):
    sys.exit("line %d: %s" % (n, why))

data = open(sys.argv[1], "rb").read()
if not data.endswith(b"\n"):
    sys.exit("the last line has no line feed")
text = data.decode("utf-8")
helped, typed, sampled, seen = set(), {}, set(), set()
out = []
for n, line in enumerate(text.split("\n")[:-1], 1):
    if line.startswith("#"):
        m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
        if not m:
            continue          # a plain comment
        kind, name, rest = m.groups()
        if name in sampled:
            die(n, "%s %s after its samples" % (kind, name))
        if kind == "HELP":
            if name in helped:
                die(n, "second HELP for " + name)
            if re.search(r"\\[^\\n]", rest):
                die(n, "bad escape in HELP")
            helped.add(name)
        else:
            if name in typed:
                die(n, "second TYPE for " + name)
            if rest not in TYPES:
                die(n, "unknown type " + rest)
            typed[name] = rest
        continue
    if line.strip() == "":
        continue
    m = SAMPLE.match(line)
    if not m:
        die(n, "not a sample: %r" % line)
    name, labels, v, ts = m.groups()
    if ts is not None:
        die(n, "the textfile collector refuses timestamps")
    if (name, labels) in seen:
        die(n, "duplicate sample " + name)
    seen.add((name, labels))
    sampled.add(name)
    try:
        x = value(v)
    except ValueError as e:
        die(n, str(e))
    if name not in typed or name not in helped:
        die(n, name + " has no TYPE or HELP line before it")
    if typed[name] == "gauge" and math.isnan(x):
        die(n, name + " is NaN")
    out.append("%s %s" % (name, v))
print("\n".join(out))
EOF
}

METRICS="collector_last_run_timestamp_seconds
collector_last_success_timestamp_seconds
collector_run_duration_seconds
collector_records
collector_bytes
collector_responses
collector_http_retries
collector_exit_status
collector_spool_pending_batches"

metric() {
	sed -n "s/^$1 //p" "$TMP/parsed"
}

begin "the parser refuses what the format forbids"
for bad in 'm 1' '# TYPE m gauge\n# HELP m x\nm 1 1700000000000' \
    '# TYPE m gauge\n# HELP m x\nm one' '# TYPE m gauge\n# HELP m x\nm 1\nm 2' \
    '# TYPE m gauge\n# HELP m x\nm 1\n# HELP m y' '# TYPE m gauges\nm 1' \
    '# TYPE m gauge\n# HELP m x\nm{a=b} 1' '# TYPE m gauge\n# HELP m x\n9m 1'; do
	printf "$bad\\n" >bad.prom
	if parse_metrics bad.prom >/dev/null 2>&1; then
		fail "accepted: $bad"
	else pass; fi
done
printf '# TYPE m gauge\n# HELP m x\nm 1' >bad.prom
if parse_metrics bad.prom >/dev/null 2>&1; then fail "accepted no final LF"
else pass; fi
printf '# a comment\n# HELP m x y\n# TYPE m gauge\nm{a="1",b="\\"x\\""} -2.5e3\n\nm 0\n' >good.prom
parse_metrics good.prom >"$TMP/parsed"
status=$?
expect_status 0
expect_eq "samples" "$(cat "$TMP/parsed")" 'm -2.5e3
m 0'

begin "a successful run writes every metric"
run --max-size 3 --records 4 --metrics-file textfile/collector.prom --json
expect_status 0
parse_metrics textfile/collector.prom >"$TMP/parsed" 2>"$TMP/err"
status=$?
expect_status 0
expect_eq "metric names" "$(cut -d' ' -f1 "$TMP/parsed")" "$METRICS"
expect_eq records "$(metric collector_records)" 12
expect_eq responses "$(metric collector_responses)" 3
expect_eq "exit status" "$(metric collector_exit_status)" 0
expect_eq retries "$(metric collector_http_retries)" 0
expect_eq pending "$(metric collector_spool_pending_batches)" 0
expect_eq "last success is this run" \
    "$(metric collector_last_success_timestamp_seconds)" \
    "$(metric collector_last_run_timestamp_seconds)"
bytes=$(find lake -name '*.json' ! -name '.*' -exec cat {} + | wc -c |
    tr -d ' ')
expect_eq bytes "$(metric collector_bytes)" "$bytes"
check "the run is recent" python3 -c "
import sys, time
t = float(sys.argv[1])
sys.exit(not (time.time() - 60 < t <= time.time()))
" "$(metric collector_last_run_timestamp_seconds)"
check "the JSON summary has the same numbers" python3 -c "
import json, sys
s = json.loads(open(sys.argv[1]).read())
m = dict(l.split() for l in open(sys.argv[2]))
ok = (s['records'] == int(m['collector_records']) and
      s['bytes'] == int(m['collector_bytes']) and
      s['responses'] == int(m['collector_responses']) and
      s['retries'] == int(m['collector_http_retries']) and
      s['exit'] == int(m['collector_exit_status']) and
      s['spool_pending_batches'] == int(m['collector_spool_pending_batches'])
      and abs(s['last_run_timestamp_seconds'] -
              float(m['collector_last_run_timestamp_seconds'])) < 0.001
      and s['last_success_timestamp_seconds'] ==
          s['last_run_timestamp_seconds'])
sys.exit(not ok)
" "$TMP/out" "$TMP/parsed"
check "no temporary file is left" \
    test "$(ls -A textfile)" = "collector.prom"
check "node_exporter can read it" \
    sh -c "[ \$(stat -c %a textfile/collector.prom) = 644 ] ||
        [ \$(stat -c %a textfile/collector.prom) = 664 ]"

begin "a failed run keeps the last success and says how it failed"
start_server MOCK fake_mockaroo.py --key "$MOCK_KEY"
run --max-size 1 --records 1 --metrics-file m.prom
expect_status 0
parse_metrics m.prom >"$TMP/parsed"
success=$(metric collector_last_success_timestamp_seconds)
printf 'wrong-key\n' >key
sleep 0.01
run --url "http://127.0.0.1:$MOCK/users.json" --api-key-file key \
    --retries 0 --metrics-file m.prom --json
expect_status 77
parse_metrics m.prom >"$TMP/parsed" 2>"$TMP/err"
status=$?
expect_status 0
expect_eq "exit status" "$(metric collector_exit_status)" 77
expect_eq records "$(metric collector_records)" 0
expect_eq "last success kept" \
    "$(metric collector_last_success_timestamp_seconds)" "$success"
check "last run moved on" python3 -c "
import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))" \
    "$(metric collector_last_run_timestamp_seconds)" "$success"
check "the JSON summary has the last success too" python3 -c "
import json, sys
s = json.loads(open(sys.argv[1]).read())
sys.exit(not (s['exit'] == 77 and
    abs(s['last_success_timestamp_seconds'] - float(sys.argv[2])) < 0.001))
" "$TMP/out" "$success"

begin "a failed first run says no success is known"
: >empty
run --url "http://127.0.0.1:$MOCK/users.json" --api-key-file empty \
    --metrics-file m.prom --json
expect_status 78
check "a configuration error writes no metrics" test ! -e m.prom
printf 'wrong-key\n' >key
run --url "http://127.0.0.1:$MOCK/users.json" --api-key-file key \
    --retries 0 --metrics-file m.prom --json
expect_status 77
parse_metrics m.prom >"$TMP/parsed"
expect_eq "last success" "$(metric collector_last_success_timestamp_seconds)" \
    0.000
expect_out_has '"last_success_timestamp_seconds":null'

begin "a metrics file that cannot be written does not change the status"
mkdir -p blocked/collector.prom
run --max-size 1 --records 1 --metrics-file blocked/collector.prom
expect_status 0
expect_err_has "blocked/collector.prom"
check "the batch landed" test "$(count_files lake)" -eq 1

begin "the metrics file comes from the config file and the environment"
printf 'metrics:\n  file: from-yaml.prom\n' >config.yaml
run --max-size 1 --records 1
expect_status 0
check "metrics.file in config.yaml" test -s from-yaml.prom
COLLECTOR_METRICS_FILE=from-env.prom run --max-size 1 --records 1
expect_status 0
check "COLLECTOR_METRICS_FILE" test -s from-env.prom

# ---- --check ----

# A fresh store of its own for each test.
sb_start() {
	start_server SB fake_supabase.py --key "$SB_KEY" "$@"
	SB_URL=http://127.0.0.1:$SB
	printf '%s\n' "$SB_KEY" >"$TMP/sb_key"
}

sb_get() {
	curl -sf "http://127.0.0.1:$SB$1"
}

mock_total() {
	curl -sf "http://127.0.0.1:$MOCK/__stats" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}

begin "--check passes offline and writes the probe to the local lake"
run --check
expect_status 0
expect_out "ok config: no config file; defaults, environment and flags
ok source: the built-in generator
ok storage: wrote ./lake/datalake/bronze/new/.collector-check"
expect_err ""
expect_eq "probe" "$(cat lake/datalake/bronze/new/.collector-check)" "[]"
run --check --format ndjson --path 'raw/%Y'
expect_status 0
check "ndjson probe is empty, path expanded" \
    test -f "lake/datalake/raw/$(date -u +%Y)/.collector-check" -a \
    ! -s "lake/datalake/raw/$(date -u +%Y)/.collector-check"
check "no batch was written" test "$(count_files lake)" -eq 2

begin "--check against Supabase Storage overwrites one probe"
sb_start
COLLECTOR_PROJECT_KEY_FILE=$TMP/sb_key run --check --project-url "$SB_URL"
expect_status 0
expect_out_has "ok storage: wrote $SB_URL/storage/v1/object/datalake/bronze/new/.collector-check"
COLLECTOR_PROJECT_KEY_FILE=$TMP/sb_key run --check --project-url "$SB_URL"
expect_status 0
expect_eq "one object" "$(sb_get /__count)" 1
expect_eq "its key" "$(sb_get /__only/key)" "bronze/new/.collector-check"
expect_eq "its bytes" "$(sb_get /__only)" "[]"
expect_eq "upserts" "$(sb_get '/__log?kind=upload&field=x_upsert')" "true
true"
expect_eq "credentials sent" "$(sb_get '/__log?kind=upload&field=authorization')" "ok
ok"
expect_err_lacks "$SB_KEY"
expect_out_lacks "$SB_KEY"

begin "--check against S3 overwrites one probe despite If-None-Match"
S3_AKID=AKIDCOLLECTOROPS S3_SECRET=sEcReT/ops+key-3f0a
need_s3rver
start_server S3 s3/sigv4_proxy.py --s3rver "$TMP/s3rver" \
    --bucket datalake --access-key "$S3_AKID" \
    --secret-key "$S3_SECRET"
S3_EP=http://127.0.0.1:$S3
for n in 1 2; do
	AWS_ACCESS_KEY_ID=$S3_AKID AWS_SECRET_ACCESS_KEY=$S3_SECRET \
	    run --check --s3-endpoint "$S3_EP" \
	    --project-url s3://datalake/lake
	expect_status 0
	expect_out_has "ok storage: wrote $S3_EP/datalake/lake/bronze/new/.collector-check"
	expect_err_lacks "$S3_SECRET"
done
expect_eq "one object" "$(curl -sf "$S3_EP/__list/datalake?prefix=lake/")" \
    "lake/bronze/new/.collector-check"
expect_eq "its bytes" \
    "$(curl -sf "$S3_EP/__only/datalake?prefix=lake/")" "[]"
expect_eq "one signed PUT per check" \
    "$(curl -sf "$S3_EP/__log?field=method")" "PUT
PUT"
expect_eq "both verified" \
    "$(curl -sf "$S3_EP/__log?field=verdict")" "ok
ok"

begin "--check names each failed check"
sb_start
COLLECTOR_PROJECT_KEY_FILE=$TMP/sb_key run --check --project-url "$SB_URL" \
    --bucket nosuch
expect_status 78
expect_err 'collector: error: check storage: bucket "nosuch" does not exist at '"$SB_URL"'/storage/v1: create it or set supabase.bucketName'
expect_out_has "ok source:"
printf 'wrong\n' >badkey
COLLECTOR_PROJECT_KEY_FILE=$PWD/badkey run --check --project-url "$SB_URL"
expect_status 77
expect_err_has "check storage: supabase storage at $SB_URL"
expect_err_has "refused our credentials"
run --check --project-url "$SB_URL"
expect_status 78
expect_err "collector: error: check storage: supabase needs a service key: set project_key, COLLECTOR_PROJECT_KEY(_FILE) or --project-key-file"
COLLECTOR_PROJECT_KEY_FILE=$TMP/sb_key run --check \
    --project-url "http://127.0.0.1:$(dead_port)" --connect-timeout 2
expect_status 69
expect_err_has "check storage: supabase storage at http://127.0.0.1:"
expect_eq "one line per failed check" "$(wc -l <"$TMP/err" | tr -d ' ')" 1

begin "--check=api makes one request; --check none"
start_server MOCK fake_mockaroo.py --key "$MOCK_KEY" --records 7
printf '%s\n' "$MOCK_KEY" >key
run --check --url "http://127.0.0.1:$MOCK/users.json" --api-key-file key
expect_status 0
expect_eq "requests" "$(mock_total)" 0
run --check=api --url "http://127.0.0.1:$MOCK/users.json" --api-key-file key
expect_status 0
expect_out_has "ok api: 1 response, 7 records, "
expect_eq "requests" "$(mock_total)" 1
check "no batch was written" test "$(count_files lake)" -eq 1

begin "--check=api failures: no key, a refused key, the quota, a dead source"
printf '%s\n' "$MOCK_KEY" >key
run --check=api --url "http://127.0.0.1:$MOCK/users.json"
expect_status 78
expect_err_has "check source: no API key for http://127.0.0.1:$MOCK/users.json"
printf 'wrong-key\n' >badkey
run --check=api --url "http://127.0.0.1:$MOCK/users.json" --api-key-file badkey
expect_status 77
expect_err_has "check api:"
expect_err_lacks "wrong-key"
run --check=api --url "http://127.0.0.1:$MOCK/quota429/users.json" \
    --api-key-file key
expect_status 75
expect_err_has "check api:"
run --check=api --url "http://127.0.0.1:$MOCK/fail503/users.json" \
    --api-key-file key
expect_status 69
expect_eq "no retries" "$(curl -sf "http://127.0.0.1:$MOCK/__stats" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"]["/fail503/users.json"])')" 1

begin "--check reports every failure and exits with the first"
sb_start
run --check=api --url "http://127.0.0.1:$MOCK/users.json" \
    --project-url "$SB_URL"
expect_status 78
expect_eq "lines" "$(grep -c '^collector: error: check ' "$TMP/err")" 3
expect_err_has "check source:"
expect_err_has "check storage:"
expect_err_has "check api:"
run --check=bogus
expect_status 64
expect_err 'collector: error: --check: expected nothing or =api, got "bogus"'
COLLECTOR_PROJECT_URL=ftp://x run --check
expect_status 78
expect_err_has "COLLECTOR_PROJECT_URL"

# ---- keys from files and credentials ----

begin "keys from systemd credentials"
printf '%s\n' "$MOCK_KEY" >key
printf '%s\n\n' "$MOCK_KEY" >api_key.cred
mkdir creds
mv api_key.cred creds/api_key
CREDENTIALS_DIRECTORY=$PWD/creds run --max-size 1 \
    --url "http://127.0.0.1:$MOCK/users.json"
expect_status 0
CREDENTIALS_DIRECTORY=$PWD/creds run --print-config
expect_out_has "#api_key: \"***\""
expect_out_has "# credential $PWD/creds/api_key"
expect_out_lacks "$MOCK_KEY"
CREDENTIALS_DIRECTORY=$PWD/creds COLLECTOR_API_KEY=other run --print-config
expect_status 78
expect_err "collector: error: api key is set both by COLLECTOR_API_KEY and \$CREDENTIALS_DIRECTORY/api_key; use one"
CREDENTIALS_DIRECTORY=$PWD/creds COLLECTOR_API_KEY_FILE=$PWD/key \
    run --print-config
expect_status 78
expect_err_has "set both by COLLECTOR_API_KEY_FILE and \$CREDENTIALS_DIRECTORY/api_key"
# A flag is the higher layer: it wins over the credential.
CREDENTIALS_DIRECTORY=$PWD/creds run --print-config --api-key-file key
expect_status 0
expect_out_has "# --api-key-file"
# A credential the unit does not pass is simply absent.
CREDENTIALS_DIRECTORY=$PWD/creds run --print-config
expect_out_has "#project_key: (unset)"
printf 'sk\n' >creds/project_key
CREDENTIALS_DIRECTORY=$PWD/creds run --print-config
expect_out_has "#project_key: \"***\""
: >creds/project_key
CREDENTIALS_DIRECTORY=$PWD/creds run --print-config
expect_status 78
expect_err_has "credential \$CREDENTIALS_DIRECTORY/project_key"
expect_err_has "is empty"

begin "a key file and a key variable at once is an error"
COLLECTOR_API_KEY=x COLLECTOR_API_KEY_FILE=$PWD/key run --print-config
expect_status 78
expect_err_has "set both by COLLECTOR_API_KEY and COLLECTOR_API_KEY_FILE"
printf 'COLLECTOR_PROJECT_KEY=a\nCOLLECTOR_PROJECT_KEY_FILE=%s\n' "$PWD/key" >.env
chmod 600 .env
run --print-config
expect_status 78
expect_err_has ".env: project key is set both by COLLECTOR_PROJECT_KEY and COLLECTOR_PROJECT_KEY_FILE"

begin "a secret in a file others can read is warned about"
printf '%s\n' "$MOCK_KEY" >key
printf 'COLLECTOR_API_KEY=%s\n' "$MOCK_KEY" >.env
chmod 644 .env
run --max-size 1 --records 1
expect_status 0
expect_err "collector: warning: .env holds a secret but is readable by others (mode 0644): chmod 600 .env"
chmod 640 .env
run --max-size 1 --records 1
expect_err "collector: warning: .env holds a secret but is readable by its group (mode 0640): chmod 600 .env"
chmod 600 .env
run --max-size 1 --records 1
expect_status 0
expect_err ""
printf 'COLLECTOR_API_KEY_FILE=%s\nCOLLECTOR_MAX_SIZE=1\n' "$PWD/key" >.env
chmod 644 .env
run --records 1
expect_status 0
expect_err ""
rm .env
printf 'mockaroo:\n  url: "http://127.0.0.1:%s/users.json?key=%s"\n' \
    "$MOCK" "$MOCK_KEY" >config.yaml
chmod 644 config.yaml
run --check
expect_status 0
expect_err "collector: warning: config.yaml holds a secret but is readable by others (mode 0644): chmod 600 config.yaml"
expect_out_lacks "$MOCK_KEY"
chmod 600 config.yaml
run --check
expect_err ""
printf 'mockaroo:\n  url: "http://127.0.0.1:%s/users.json"\n' "$MOCK" \
    >config.yaml
chmod 644 config.yaml
run --check --api-key-file key
expect_status 0
expect_err ""

# ---- bash completion ----

# Completes the words given (the last is the one under the cursor) the
# way bash does, and prints the candidates sorted, one per line.
complete_words() {
	bash -c '
	. "$1"; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	_collector
	printf "%s\n" "${COMPREPLY[@]}" | sort' complete \
	    "$CONTRIB/completion/collector.bash" "$@"
}

begin "bash completion offers exactly the options of --help"
if ! command -v bash >/dev/null; then
	echo "SKIP bash is not installed"
else
	mkdir bin
	ln -s "$COLLECTOR" bin/collector
	export PATH="$PWD/bin:$PATH"
	run --help
	grep -oE -- '^(  -[a-zA-Z], |      )--[a-z0-9-]+' "$TMP/out" |
	    sed 's/.*--/--/' | sort >"$TMP/flags"
	check "--help lists options" test "$(wc -l <"$TMP/flags")" -gt 40
	complete_words collector -- >"$TMP/completed"
	expect_eq "options" "$(cat "$TMP/completed")" "$(cat "$TMP/flags")"
	complete_words collector --spo >"$TMP/completed"
	expect_eq "prefix" "$(cat "$TMP/completed")" "--spool-dir
--spool-max-batches
--spool-max-bytes"

	# Every "a|b|c" metavar completes to its choices.
	grep -oE -- '--[a-z0-9-]+ [a-z0-9]+(\|[a-z0-9]+)+' "$TMP/out" |
	    sort -u >"$TMP/choices"
	check "some options have choices" test "$(wc -l <"$TMP/choices")" -ge 5
	while read -r flag choices; do
		want=$(printf '%s\n' "$choices" | tr '|' '\n' | sort)
		expect_eq "$flag" "$(complete_words collector "$flag" "")" \
		    "$want"
		expect_eq "$flag=" "$(complete_words collector "$flag" = "")" \
		    "$want"
	done <"$TMP/choices"
	expect_eq "--log-level w" \
	    "$(complete_words collector --log-level w)" "warning"
	expect_eq "--s3-path-style" \
	    "$(complete_words collector --s3-path-style "")" "false
true"
	expect_eq "--check=" "$(complete_words collector --check = "")" "api"

	mkdir -p sub/dir
	: >sub/file.yaml
	expect_eq "-c completes files" "$(complete_words collector -c sub/)" \
	    "sub/dir
sub/file.yaml"
	expect_eq "--metrics-file completes files" \
	    "$(complete_words collector --metrics-file sub/f)" "sub/file.yaml"
	expect_eq "--spool-dir completes directories" \
	    "$(complete_words collector --spool-dir sub/)" "sub/dir"
	expect_eq "--max-size offers nothing" \
	    "$(complete_words collector --max-size "")" ""
	expect_eq "after --once, options again" \
	    "$(complete_words collector --once --js)" "--json"
fi

finish
