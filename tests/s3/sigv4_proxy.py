#!/usr/bin/env python3
"""A signature-checking front for s3rver, for collector's tests.

s3rver stores objects faithfully but does not check AWS Signature
Version 4.  This proxy does, from AWS's documented algorithm ("Signature
Version 4 signing process" and "Authenticating Requests: Using the
Authorization Header" for S3), independently of libcurl: it rebuilds the
canonical request from what arrived on the wire, so a key encoded one way
in the URL and another way in the signature, a wrong secret, a tampered
header or body, or an unsigned payload hash fails with S3's own XML error.
Requests that verify are passed, unsigned, to s3rver.

With --s3rver DIR it starts s3rver itself (tests/s3/start_s3rver.js) with
the --bucket buckets and stops it on exit.

Faults: --fail-puts N answers the first N object PUTs with 503 SlowDown;
--drop-after-store N passes the first N object PUTs to s3rver and then
closes the connection without answering.  Conditional writes
(If-None-Match: *) are enforced unless --ignore-if-none-match (as
Supabase's S3 endpoint does).

For assertions: GET /__stats (counts, compact JSON with sorted keys),
GET /__log (each request's method, raw path, Content-Type, Cache-Control,
signed headers and verdict;
?field=F for one field a line), GET /__reset (clears both), GET
/__list/<bucket>?prefix=P (the keys), GET /__only/<bucket>?prefix=P (the
bytes of the only object there), GET /__object/<bucket>/<key>.
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "te",
              "trailer", "transfer-encoding", "upgrade", "host",
              "expect"}
MAX_SKEW = datetime.timedelta(minutes=15)


class Refusal(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def uri_encode(text, keep_slash):
    """AWS's UriEncode: every byte but the unreserved ones as %XX."""
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c in UNRESERVED or (keep_slash and c == "/"):
            out.append(c)
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def canonical_uri(raw_path):
    """S3 encodes the decoded path once, segment by segment, and does not
    normalise it.  AWS rebuilds this from the decoded path, while
    Supabase's S3 endpoint and MinIO sign the path exactly as sent; a
    request must pass both, so the path must also be sent in this
    form."""
    canonical = uri_encode(urllib.parse.unquote(raw_path), keep_slash=True)
    if canonical != raw_path:
        raise Refusal(403, "SignatureDoesNotMatch", "The request path is "
                      "not encoded the way it must be signed.")
    return canonical


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote(name), False),
                      uri_encode(urllib.parse.unquote(value), False)))
    pairs.sort()
    return "&".join("%s=%s" % p for p in pairs)


def canonical_header_value(values):
    return ",".join(" ".join(v.split()) for v in values)


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = hmac_sha256(("AWS4" + secret).encode("utf-8"), date)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, service)
    return hmac_sha256(k, "aws4_request")


def parse_authorization(value):
    """{"Credential": ..., "SignedHeaders": ..., "Signature": ...}"""
    algorithm, _, rest = value.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        return None
    fields = {}
    for part in rest.split(","):
        name, _, v = part.strip().partition("=")
        fields[name] = v
    if not all(k in fields for k in ("Credential", "SignedHeaders",
                                     "Signature")):
        return None
    return fields


def verify(method, raw_path, raw_query, headers, body, args, now):
    """Raises Refusal unless the request is signed as AWS requires."""
    auth = headers.get("authorization")
    if not auth:
        raise Refusal(403, "AccessDenied", "Access Denied")
    fields = parse_authorization(auth[0])
    if fields is None:
        raise Refusal(400, "AuthorizationHeaderMalformed",
                      "The authorization header is malformed")
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or scope[3] != "s3":
        raise Refusal(400, "AuthorizationHeaderMalformed",
                      "The authorization header is malformed; the "
                      "Credential is mal-formed")
    access_key, date, region = scope[0], scope[1], scope[2]
    if access_key != args.access_key:
        raise Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id "
                      "you provided does not exist in our records.")
    if region != args.region:
        raise Refusal(400, "AuthorizationHeaderMalformed",
                      "the region '%s' is wrong; expecting '%s'" %
                      (region, args.region))
    amz_date = (headers.get("x-amz-date") or [""])[0]
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise Refusal(403, "AccessDenied", "AWS authentication requires "
                      "a valid Date or x-amz-date header")
    if abs(when - now) > MAX_SKEW or date != amz_date[:8]:
        raise Refusal(403, "RequestTimeTooSkewed", "The difference "
                      "between the request time and the current time is "
                      "too large.")
    signed = fields["SignedHeaders"].split(";")
    if signed != sorted(signed) or "host" not in signed:
        raise Refusal(403, "SignatureDoesNotMatch", "SignedHeaders must "
                      "be sorted and include host")
    for required in ("x-amz-date", "x-amz-content-sha256"):
        if required not in signed:
            raise Refusal(403, "SignatureDoesNotMatch", "%s must be "
                          "signed" % required)
    if args.session_token is not None:
        token = (headers.get("x-amz-security-token") or [None])[0]
        if token != args.session_token or \
                "x-amz-security-token" not in signed:
            raise Refusal(403, "InvalidToken", "The provided token is "
                          "malformed or otherwise invalid.")
    payload_hash = (headers.get("x-amz-content-sha256") or [""])[0]
    if payload_hash != hashlib.sha256(body).hexdigest():
        raise Refusal(400, "XAmzContentSHA256Mismatch", "The provided "
                      "'x-amz-content-sha256' header does not match what "
                      "was computed.")
    for name in signed:
        if name not in headers:
            raise Refusal(403, "SignatureDoesNotMatch", "signed header "
                          "%s is missing" % name)
    canonical = "\n".join([
        method,
        canonical_uri(raw_path),
        canonical_query(raw_query),
        "".join("%s:%s\n" % (n, canonical_header_value(headers[n]))
                for n in signed),
        ";".join(signed),
        payload_hash,
    ])
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, "/".join(scope[1:]),
        hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = signing_key(args.secret_key, date, region, "s3")
    want = hmac.new(key, string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, fields["Signature"]):
        raise Refusal(403, "SignatureDoesNotMatch", "The request "
                      "signature we calculated does not match the "
                      "signature you provided. Check your key and "
                      "signing method.")


def error_xml(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s'
            '</Code><Message>%s</Message><RequestId>proxy</RequestId>'
            '</Error>' % (code, message.replace("&", "&amp;")
                          .replace("<", "&lt;"))).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SigV4Proxy/1.0"

    def log_message(self, fmt, *args):
        pass

    @property
    def st(self):
        return self.server

    def headers_lower(self):
        out = {}
        for name, value in self.headers.items():
            out.setdefault(name.lower(), []).append(value)
        return out

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        seen = set()
        for name, value in headers:
            seen.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in seen:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def count(self, what):
        with self.st.lock:
            self.st.stats[what] = self.st.stats.get(what, 0) + 1

    def upstream(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.st.upstream,
                                          timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def handle_any(self):
        raw_path, _, raw_query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if raw_path.startswith("/__"):
            return self.introspect(raw_path)
        entry = {"method": self.command, "path": self.path,
                 "cache_control": self.headers.get("Cache-Control"),
                 "content_type": self.headers.get("Content-Type"),
                 "signed": (parse_authorization(
                     self.headers.get("Authorization", "")) or
                     {}).get("SignedHeaders")}
        try:
            verify(self.command, raw_path, raw_query, self.headers_lower(),
                   body, self.st.args, datetime.datetime.utcnow())
        except Refusal as r:
            entry["verdict"] = r.code
            with self.st.lock:
                self.st.log.append(entry)
            self.count("rejected")
            return self.send(r.status, error_xml(r.code, r.message),
                             [("Content-Type", "application/xml")])
        entry["verdict"] = "ok"
        with self.st.lock:
            self.st.log.append(entry)
        self.count("verified")
        self.count(self.command)
        is_object_put = self.command == "PUT" and "partNumber" not in \
            raw_query and raw_path.count("/") >= 2
        if is_object_put:
            with self.st.lock:
                self.st.puts += 1
                n = self.st.puts
            if n <= self.st.args.fail_puts:
                return self.send(503, error_xml(
                    "SlowDown", "Please reduce your request rate."),
                    [("Content-Type", "application/xml")])
            if self.headers.get("If-None-Match") == "*" and \
                    not self.st.args.ignore_if_none_match:
                status, _, _ = self.upstream("HEAD", raw_path)
                if status == 200:
                    return self.send(412, error_xml(
                        "PreconditionFailed", "At least one of the "
                        "pre-conditions you specified did not hold"),
                        [("Content-Type", "application/xml")])
        forward = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and
                   k.lower() != "authorization" and
                   not k.lower().startswith("x-amz-")}
        forward["Content-Length"] = str(len(body))
        status, headers, data = self.upstream(self.command, self.path,
                                              body, forward)
        if is_object_put and status == 200 and \
                n <= self.st.args.fail_puts + self.st.args.drop_after_store:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        # A HEAD answer's Content-Length is the object's size.
        keep = [(k, v) for k, v in headers
                if k.lower() not in HOP_BY_HOP and
                (k.lower() != "content-length" or self.command == "HEAD")]
        if self.command != "HEAD":
            keep.append(("Content-Length", str(len(data))))
        self.send(status, data if self.command != "HEAD" else b"", keep)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = \
        lambda self: self.handle_any()

    def introspect(self, path):
        query = urllib.parse.parse_qs(self.path.partition("?")[2])
        if path == "/__reset":
            with self.st.lock:
                self.st.stats.clear()
                del self.st.log[:]
                self.st.puts = 0
            return self.send(200, b"")
        if path == "/__stats":
            with self.st.lock:
                body = json.dumps(self.st.stats, sort_keys=True,
                                  separators=(",", ":")).encode()
            return self.send(200, body,
                             [("Content-Type", "application/json")])
        if path == "/__log":
            field = query.get("field", [None])[0]
            with self.st.lock:
                if field is None:
                    body = json.dumps(self.st.log).encode()
                else:
                    body = "".join("%s\n" % e.get(field)
                                   for e in self.st.log).encode()
            return self.send(200, body)
        if path.startswith("/__list/") or path.startswith("/__only/"):
            return self.listing(path, query.get("prefix", [""])[0])
        if path.startswith("/__object/"):
            status, _, data = self.upstream("GET", path[len("/__object"):])
            return self.send(status, data,
                             [("Content-Type", "application/octet-stream")])
        self.send(404, b"unknown")

    def listing(self, path, prefix):
        """/__list/BUCKET?prefix=P: the keys, one a line; /__only/...:
        the bytes of the only object under the prefix."""
        bucket = path.split("/")[2]
        status, _, data = self.upstream(
            "GET", "/%s?list-type=2&prefix=%s" % (
                bucket, urllib.parse.quote(prefix, safe="")))
        if status != 200:
            return self.send(status, data)
        root = ElementTree.fromstring(data)
        keys = [e.text for e in root.iter()
                if e.tag.endswith("}Key") or e.tag == "Key"]
        if path.startswith("/__list/"):
            return self.send(200, "".join(k + "\n" for k in keys).encode())
        if len(keys) != 1:
            return self.send(404, b"%d objects" % len(keys))
        status, _, data = self.upstream(
            "GET", "/%s/%s" % (bucket, urllib.parse.quote(keys[0])))
        self.send(status, data)


def start_s3rver(directory, buckets):
    here = os.path.dirname(os.path.abspath(__file__))
    port_file = os.path.join(directory, ".port")
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(port_file):
        os.remove(port_file)
    child = subprocess.Popen(
        ["node", os.path.join(here, "start_s3rver.js"), port_file,
         os.path.join(directory, "data")] + buckets)
    deadline = time.time() + 20
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                return child, int(f.read())
        if child.poll() is not None:
            sys.exit("s3rver exited with status %d" % child.returncode)
        time.sleep(0.05)
    child.terminate()
    sys.exit("s3rver did not start")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--upstream", type=int, help="s3rver's port")
    p.add_argument("--s3rver", metavar="DIR",
                   help="start s3rver with its files under DIR")
    p.add_argument("--bucket", action="append", default=[])
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--session-token")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--fail-puts", type=int, default=0)
    p.add_argument("--drop-after-store", type=int, default=0)
    p.add_argument("--ignore-if-none-match", action="store_true")
    args = p.parse_args()

    child = None
    if args.s3rver:
        child, args.upstream = start_s3rver(args.s3rver,
                                            args.bucket or ["datalake"])
    if args.upstream is None:
        sys.exit("need --upstream PORT or --s3rver DIR")

    def stop(signum, frame):
        if child is not None:
            child.terminate()
            child.wait()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.args = args
    server.upstream = args.upstream
    server.lock = threading.Lock()
    server.stats = {}
    server.log = []
    server.puts = 0
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
