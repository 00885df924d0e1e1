#!/usr/bin/env python3
"""A stand-in for a Mockaroo mock API, for the integration tests.

    fake_mockaroo.py --port-file FILE [--key KEY] [--records N]
                     [--delay MS] [--bad-key-status STATUS]

Serves GET /<route>.json on 127.0.0.1 (HTTP/1.1, keep-alive); any other
path is 404.  Every request must carry the key (--key, default
"testkey1") in an X-API-Key header or a key= query parameter, else it gets
{"error":"Invalid API Key"} with --bad-key-status (default 401).  A good
request gets a JSON array of --records (default 1000) product records in
the schema of data.md, after --delay milliseconds.  ?count=N asks for N
records instead.

Faults are chosen per request by the path segments before the last one,
so one server serves many tests.  Each segment is a mode, optionally
followed by xN to apply it only to the first N requests for that path
(the query string excluded), or by aN to apply it only after the first N;
a segment that is no mode is a tag that only makes the path distinct:

    delayMS      wait MS milliseconds before answering
    failS        answer HTTP S with a short text body
    raN          failures carry "Retry-After: N" (seconds)
    radate       failures carry a Retry-After HTTP date 1 s ahead
    quotaS       HTTP S, {"error":"Free plans are limited to 200 requests
                 per day."}
    badkeyS      HTTP S, {"error":"Invalid API Key"}
    html         200 with an HTML page
    truncated    200 with the JSON array cut in the middle
    object       200 with one record object
    empty        200 with []
    drip         200, then one byte every half second, forever
    reset        the headers and half the body, then a TCP reset
    oversizeN    200 with a body of at least N bytes
    chunked      the body in chunks, without Content-Length
    recordsN     N records

Examples: /fail503x2/users.json fails twice then succeeds;
/t7/htmlx3/users.json answers HTML three times; /quota429/users.json
always answers the quota error, /quota429a3/users.json from the fourth
request on.

GET /__stats answers JSON about every API request since the start or the
last GET /__reset: {"total", "paths": {path: count}, "max_in_flight",
"in_flight", "connections" (those that carried API requests),
"key_in_url", "key_in_header", "queries": [the query strings, in order],
"user_agents": [distinct User-Agent values]}.
"""

import argparse
import email.utils
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

QUOTA = "Free plans are limited to 200 requests per day."
MODE = re.compile(
    r"^(delay|fail|radate|ra|quota|badkey|html|truncated|object|empty|drip"
    r"|reset|oversize|chunked|records)(\d*)(?:x(\d+)|a(\d+))?$")

CATEGORIES = ["Food - Prepared Foods", "Toys", "Electronics", "Garden",
              "Books", "Clothing", "Beauty", "Sports"]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit curabitur "
         "at semper interdum tellus nulla facilisi morbi").split()


def make_record(rng):
    words = rng.sample(WORDS, 6)
    return {
        "product_name": " ".join(w.capitalize() for w in rng.sample(WORDS, 3)),
        "price": round(rng.uniform(1, 999), 2),
        "quantity": rng.randint(1, 20),
        "category": rng.choice(CATEGORIES),
        "description": " ".join(words).capitalize() + ".",
        "availability": rng.random() < 0.5,
        "discount_percentage": round(rng.uniform(0, 50), 2),
        "date": "%d/%d/%d" % (rng.randint(1, 12), rng.randint(1, 28),
                              rng.randint(2020, 2025)),
    }


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.bodies = {}
        self.reset()

    def reset(self):
        self.total = 0
        self.paths = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self.key_in_url = False
        self.key_in_header = False
        self.queries = []
        self.user_agents = []

    def body(self, records):
        with self.lock:
            if records not in self.bodies:
                rng = random.Random(records)
                rows = [make_record(rng) for _ in range(records)]
                self.bodies[records] = json.dumps(
                    rows, separators=(",", ":")).encode()
            return self.bodies[records]

    def stats(self):
        with self.lock:
            return {
                "total": self.total, "paths": dict(self.paths),
                "max_in_flight": self.max_in_flight,
                "in_flight": self.in_flight,
                "connections": self.connections,
                "key_in_url": self.key_in_url,
                "key_in_header": self.key_in_header,
                "queries": list(self.queries),
                "user_agents": list(self.user_agents),
            }


STATE = State()
ARGS = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and the client's delayed ACK add 40 ms to each answer.
    disable_nagle_algorithm = True
    server_version = "fake-mockaroo/1"

    def log_message(self, fmt, *args):
        pass

    counted = False

    # ---- plumbing ----

    def send(self, status, body, ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_chunked(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 16384):
            part = body[i:i + 16384]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def error_json(self, status, message, headers=()):
        self.send(status, json.dumps({"error": message}).encode(),
                  headers=headers)

    # ---- requests ----

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/__stats":
            self.send(200, json.dumps(STATE.stats()).encode())
            return
        if url.path == "/__reset":
            with STATE.lock:
                STATE.reset()
            self.send(200, b"{}")
            return
        with STATE.lock:
            STATE.total += 1
            n = STATE.paths.get(url.path, 0) + 1
            STATE.paths[url.path] = n
            STATE.in_flight += 1
            STATE.max_in_flight = max(STATE.max_in_flight, STATE.in_flight)
            STATE.queries.append(url.query)
            if not self.counted:
                # One handler serves one connection: count those that
                # carried API requests, not the tests' /__stats calls.
                self.counted = True
                STATE.connections += 1
            ua = self.headers.get("User-Agent", "")
            if ua not in STATE.user_agents:
                STATE.user_agents.append(ua)
        try:
            self.answer(url, n)
        finally:
            with STATE.lock:
                STATE.in_flight -= 1

    def key_ok(self, query):
        header = self.headers.get("X-API-Key")
        in_url = query.get("key", [None])[0]
        with STATE.lock:
            STATE.key_in_url |= in_url is not None
            STATE.key_in_header |= header is not None
        return ARGS.key in (header, in_url)

    def answer(self, url, n):
        query = parse_qs(url.query)
        if not url.path.endswith(".json"):
            self.send(404, b"Not Found", "text/plain")
            return
        modes = {}
        for seg in url.path.strip("/").split("/")[:-1]:
            m = MODE.match(seg)
            if not m:
                continue
            first, after = m.group(3), m.group(4)
            if first is not None and n > int(first):
                continue
            if after is not None and n <= int(after):
                continue
            modes[m.group(1)] = m.group(2)
        delay = int(modes.get("delay") or ARGS.delay)
        if delay:
            time.sleep(delay / 1000.0)
        if not self.key_ok(query):
            self.error_json(ARGS.bad_key_status, "Invalid API Key")
            return
        retry_after = []
        if "ra" in modes:
            retry_after = [("Retry-After", modes["ra"] or "0")]
        elif "radate" in modes:
            retry_after = [("Retry-After", email.utils.formatdate(
                time.time() + 1, usegmt=True))]
        if "badkey" in modes:
            self.error_json(int(modes["badkey"] or 401), "Invalid API Key")
        elif "quota" in modes:
            self.error_json(int(modes["quota"] or 429), QUOTA, retry_after)
        elif "fail" in modes:
            status = int(modes["fail"] or 503)
            self.send(status, b"Service Unavailable" if status >= 500
                      else b"Request refused", "text/plain", retry_after)
        else:
            self.answer_ok(query, modes)

    def answer_ok(self, query, modes):
        records = int(modes.get("records") or
                      query.get("count", [ARGS.records])[0])
        if "oversize" in modes:
            records = int(modes["oversize"] or 1000000) // 150 + 1
        body = STATE.body(records)
        if "html" in modes:
            self.send(200, b"<!DOCTYPE html><html><body><h1>Hello"
                      b"</h1></body></html>\n", "text/html")
        elif "truncated" in modes:
            self.send(200, body[:len(body) // 2])
        elif "object" in modes:
            self.send(200, json.dumps(json.loads(body)[0]).encode())
        elif "empty" in modes:
            self.send(200, b"[]")
        elif "drip" in modes:
            self.drip()
        elif "reset" in modes:
            self.reset_midway(body)
        elif "chunked" in modes:
            self.send_chunked(body)
        else:
            self.send(200, body)

    def drip(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"1\r\n \r\n")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            self.close_connection = True

    def reset_midway(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        # SO_LINGER with a zero timeout makes close() send a reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--key", default="testkey1")
    p.add_argument("--records", type=int, default=1000)
    p.add_argument("--delay", type=int, default=0, help="milliseconds")
    p.add_argument("--bad-key-status", type=int, default=401)
    ARGS = p.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
