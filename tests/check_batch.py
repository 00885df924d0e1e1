"""Checks a landed batch against the data contract (shared/docs/data.md).

usage: check_batch.py FILE RECORDS [array|ndjson]

Exits 0 and prints nothing when FILE holds exactly RECORDS flat records,
each ending with a canonical UUIDv4 "id" and a "shop_id" of shop_<n>;
otherwise prints the first fault and exits 1.
"""
import json
import re
import sys

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                   r"[0-9a-f]{12}$")
SHOP = re.compile(r"^shop_(0|[1-9][0-9]*)$")


def main():
    path, want = sys.argv[1], int(sys.argv[2])
    form = sys.argv[3] if len(sys.argv) > 3 else "array"
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")
    if form == "array":
        records = json.loads(text)
        if not isinstance(records, list):
            return "not a top-level array"
    else:
        if not text.endswith("\n"):
            return "NDJSON does not end with a newline"
        records = [json.loads(line) for line in text.split("\n")[:-1]]
    if len(records) != want:
        return "%d records, want %d" % (len(records), want)
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            return "record %d is not an object" % i
        keys = list(r)
        if keys[-2:] != ["id", "shop_id"]:
            return "record %d ends with %s" % (i, keys[-2:])
        if keys.count("id") != 1 or keys.count("shop_id") != 1:
            return "record %d repeats an enrichment member" % i
        if not UUID4.match(r["id"]) or not SHOP.match(r["shop_id"]):
            return "record %d: bad id %r or shop_id %r" % (
                i, r["id"], r["shop_id"])
        if int(r["shop_id"][5:]) >= 10000:
            return "record %d: shop %s out of range" % (i, r["shop_id"])
        for v in r.values():
            if isinstance(v, (dict, list)):
                return "record %d is not flat" % i
    return None


if __name__ == "__main__":
    fault = main()
    if fault:
        print(fault)
        sys.exit(1)
