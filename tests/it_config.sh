#!/bin/sh
# it_config.sh - the configuration as the binary shows it: --help,
# --version, --print-config, exit statuses and one-line messages for bad
# input, and secrets that never reach stdout or stderr.

. "$(dirname "$0")/lib.sh"

# begin, and also clear the variables lib.sh does not know about.
start() {
	begin "$1"
	unset COLLECTOR_KEY_IN COLLECTOR_RECORDS COLLECTOR_STORAGE_KIND \
	    COLLECTOR_FORMAT COLLECTOR_SEED COLLECTOR_LOG_LEVEL \
	    COLLECTOR_LOG_FORMAT
}

# Fails when a secret appears in stdout or stderr of the last run.
expect_no_secrets() {
	for s in "$@"; do
		if grep -qF -- "$s" "$TMP/out" "$TMP/err"; then
			fail "secret \"$s\" was shown"
		else
			pass
		fi
	done
}

start "version"
run -V
expect_status 0
expect_out "collector 0.1.0"

start "help"
run --help
expect_status 0
expect_out_has "usage: collector [-hqVv]"
expect_out_has "--max-size N"
expect_out_has "--s3-credentials-file FILE"

start "help ignores a broken config file"
printf 'batch: [\n' >config.yaml
run -h
expect_status 0

start "print-config defaults"
run --print-config
expect_status 0
expect_out_has "# config file: (none)"
expect_out_has "batch.max_size: 10                          # default"
expect_out_has "#seed: (random per run)                     # default"

start "print-config origins"
printf 'batch:\n  max_size: 20\n' >config.yaml
printf 'COLLECTOR_FORMAT=ndjson\n' >.env
COLLECTOR_BUCKET=envbucket run --print-config --concurrency 8
expect_status 0
expect_out_has "# config file: config.yaml"
expect_out_has "# env file: .env"
expect_out_has "batch.max_size: 20                          # config.yaml:2"
expect_out_has "batch.format: ndjson                        # .env:1"
expect_out_has "supabase.bucketName: \"envbucket\"            # env COLLECTOR_BUCKET"
expect_out_has "http.concurrency: 8                         # --concurrency"

start "bad flag value"
run --max-size x
expect_status 64
expect_err 'collector: error: --max-size: expected an integer from 1 to 100000, got "x"'

start "unknown flag"
run --frob=1
expect_status 64
expect_err 'collector: error: unknown option "--frob"; see collector --help'

start "missing flag argument"
run --bucket
expect_status 64
expect_err 'collector: error: option "--bucket" needs an argument; see collector --help'

start "stray argument"
run --dry-run now
expect_status 64
expect_err 'collector: error: unexpected argument "now"; see collector --help'

start "unknown YAML key"
printf 'batch:\n  max_sise: 3\n' >config.yaml
run --print-config
expect_status 78
expect_err 'collector: error: config.yaml:2:3: unknown key "batch.max_sise"'

start "YAML syntax error"
printf 'batch:\n  max_size: [3\n' >config.yaml
run
expect_status 78
expect_err_has 'collector: error: config.yaml:'

start "bad environment value"
COLLECTOR_MAX_SIZE=0 run
expect_status 78
expect_err 'collector: error: environment variable COLLECTOR_MAX_SIZE: expected an integer from 1 to 100000, got "0"'

start "bad .env line"
printf 'OK=1\nnot a setting\n' >.env
run
expect_status 78
expect_err 'collector: error: .env:2: expected NAME=value'

start "missing config file"
run -c nowhere.yaml
expect_status 78
expect_err 'collector: error: cannot read config file "nowhere.yaml": No such file or directory'

start "empty key file"
: >key.txt
run --api-key-file key.txt
expect_status 78
expect_err 'collector: error: --api-key-file: "key.txt" is empty'

start "key set twice"
printf 'k-1\n' >key.txt
COLLECTOR_API_KEY=k-2 COLLECTOR_API_KEY_FILE=key.txt run
expect_status 78
expect_err 'collector: error: api key is set both by COLLECTOR_API_KEY and COLLECTOR_API_KEY_FILE; use one'

start "a bad URL is shown redacted"
run --url 'ftp://user:PW-sekrit-1@host/x?key=KEY-sekrit-2'
expect_status 64
expect_err 'collector: error: --url: expected a URL starting with builtin:, file://, http:// or https://, got "ftp://***@host/x?key=***"'

start "secrets stay hidden"
printf 'svc-sekrit-1\n' >pk.txt
printf 'COLLECTOR_PROJECT_KEY_FILE=pk.txt\n' >.env
printf '[default]\naws_access_key_id = AKID\naws_secret_access_key = aws-sekrit-2\naws_session_token = tok-sekrit-3\n' >creds
export api_key=api-sekrit-4
export COLLECTOR_URL='builtin:?key=url-sekrit-5'
run --print-config --s3-credentials-file creds
expect_status 0
expect_out_has '#api_key: "***"                             # env api_key'
expect_out_has '#project_key: "***"                         # .env:1'
expect_out_has '#s3_secret_access_key: "***"                # creds:3'
expect_out_has 'mockaroo.url: "builtin:?key=***"            # env COLLECTOR_URL'
expect_no_secrets sekrit
unset COLLECTOR_URL
run -v -v --dry-run --max-size 1 --records 3 --s3-credentials-file creds
expect_status 0
expect_err_has 'collector: info: '
expect_no_secrets sekrit
unset api_key

start "NUL byte in the env file"
printf 'COLLECTOR_MAX_SIZE=5\n\0\nCOLLECTOR_MAX_SIZE=junk\n' >.env
run --print-config
expect_status 78
expect_err 'collector: error: .env:2: NUL byte in the file'

start "NUL byte in the S3 credentials file"
printf '[default]\naws_access_key_id = AKID\naws_secret_access_key = k\n\0\n[default]\naws_secret_access_key = \n' >creds
run --print-config --s3-credentials-file creds
expect_status 78
expect_err 'collector: error: creds:4: NUL byte in the file'

finish
