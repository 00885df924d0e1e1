#!/usr/bin/env python3
"""The original Python service's single batch, re-implemented for the
benchmarks: what users run today.

    COLLECTOR_API_KEY=... COLLECTOR_PROJECT_KEY=... \
        original.py URL MAX_SIZE PROJECT_URL BUCKET

It does what the service did for one batch: a pool of 5,000 random uuid4
user ids made at start, MAX_SIZE sequential requests.get() calls with the
X-API-Key header, response.json(), row i gets user i mod 5000 and shop
i mod 10000 under a fixed shuffle, json.dumps() of the whole batch and one
requests.post() to Supabase Storage under
bronze/new/{local time}_{uuid4}.json.

One departure: the service swallowed every error and exited 0; here a
failure exits 1, so that the benchmark cannot time a run that did nothing.

On stderr it prints the CPU and wall time of the batch alone (after the
interpreter started and imported requests), for a long-running service
pays those once:  batch_cpu_s=0.123 batch_wall_s=0.456
"""

import json
import os
import random
import sys
import time
import uuid
from datetime import datetime

import requests

USERS = 5000
SHOPS = 10000


def main():
    url, max_size, project_url, bucket = sys.argv[1:5]
    max_size = int(max_size)
    api_key = os.environ["COLLECTOR_API_KEY"]
    project_key = os.environ["COLLECTOR_PROJECT_KEY"]

    cpu0, wall0 = time.process_time(), time.monotonic()
    user_ids = [str(uuid.uuid4()) for _ in range(USERS)]
    shop_ids = ["shop_%d" % i for i in range(SHOPS)]
    shuffle = random.Random(42)
    shuffle.shuffle(user_ids)
    shuffle.shuffle(shop_ids)

    rows = []
    for _ in range(max_size):
        response = requests.get(url, headers={"X-API-Key": api_key})
        response.raise_for_status()
        data = response.json()
        rows.extend(data if isinstance(data, list) else [data])
    for i, row in enumerate(rows):
        row["id"] = user_ids[i % USERS]
        row["shop_id"] = shop_ids[i % SHOPS]
    body = json.dumps(rows)

    name = "bronze/new/%s_%s.json" % (
        datetime.now().strftime("%Y-%m-%dT%H:%M:%S"), uuid.uuid4())
    response = requests.post(
        "%s/storage/v1/object/%s/%s" % (project_url, bucket, name),
        data=body.encode(),
        headers={"Authorization": "Bearer " + project_key,
                 "apikey": project_key,
                 "Content-Type": "application/json"})
    response.raise_for_status()
    print("batch_cpu_s=%.4f batch_wall_s=%.4f" % (
        time.process_time() - cpu0, time.monotonic() - wall0),
        file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (requests.RequestException, ValueError, KeyError) as e:
        print("original.py: %s" % type(e).__name__, file=sys.stderr)
        sys.exit(1)
