#!/bin/sh
# original.sh - the original service's single batch as the shell script a
# user would write instead: curl | jq | curl.
#
#   COLLECTOR_API_KEY=... COLLECTOR_PROJECT_KEY=... \
#       original.sh URL MAX_SIZE PROJECT_URL BUCKET
#
# MAX_SIZE sequential curl requests with the X-API-Key header, one jq that
# joins the responses and gives row i user i mod 5000 (a pool of 5,000
# random uuid4 made at start) and shop i mod 10000 under a fixed shuffle,
# and one curl POST of the batch to Supabase Storage under
# bronze/new/{local time}_{uuid4}.json.  The keys travel in header files,
# never in argv.

set -eu
[ $# -eq 4 ] || { echo "usage: original.sh URL MAX_SIZE PROJECT_URL BUCKET" >&2
    exit 64; }
url=$1 max_size=$2 project_url=$3 bucket=$4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/original.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

printf 'X-API-Key: %s\n' "$COLLECTOR_API_KEY" >"$tmp/get.h"
printf 'Authorization: Bearer %s\napikey: %s\n' "$COLLECTOR_PROJECT_KEY" \
    "$COLLECTOR_PROJECT_KEY" >"$tmp/post.h"
echo 'Content-Type: application/json' >>"$tmp/post.h"

# 5,000 uuid4 from 80,000 random bytes: version nibble 4, variant 8-b.
od -An -vtx1 -N 80000 /dev/urandom | tr -d ' \n' | awk '{
	for (i = 0; i < 5000; i++) {
		h = substr($0, i * 32 + 1, 32)
		v = index("0123456789abcdef", substr(h, 17, 1)) - 1
		printf "\"%s-%s-4%s-%s%s-%s\"\n", substr(h, 1, 8),
		    substr(h, 9, 4), substr(h, 14, 3),
		    substr("89ab", v % 4 + 1, 1), substr(h, 18, 3),
		    substr(h, 21, 12)
	}
}' >"$tmp/users"
seq 0 9999 | shuf --random-source=/dev/zero |
    sed 's/^\(.*\)$/"shop_\1"/' >"$tmp/shops"

uuid=$(cat /proc/sys/kernel/random/uuid)
name="bronze/new/$(date +%Y-%m-%dT%H:%M:%S)_$uuid.json"
i=0
while [ "$i" -lt "$max_size" ]; do
	curl -sSf -H @"$tmp/get.h" "$url"
	echo
	i=$((i + 1))
done |
jq -c -s --slurpfile u "$tmp/users" --slurpfile s "$tmp/shops" '
	add | to_entries |
	map(.value + {id: $u[.key % 5000], shop_id: $s[.key % 10000]})' |
curl -sSf -o /dev/null -X POST -H @"$tmp/post.h" --data-binary @- \
    "$project_url/storage/v1/object/$bucket/$name"
