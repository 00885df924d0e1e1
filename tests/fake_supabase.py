#!/usr/bin/env python3
"""A stand-in for Supabase Storage's REST API, for collector's tests.

It answers the way the real server does (docs: services.md): most errors
as HTTP 400 with the real code as a string in a JSON envelope, uploads
without x-upsert refused as duplicates, keys checked against the
characters the server allows, TUS 1.0.0 resumable uploads.  Objects live
in memory.

Faults: --fail-uploads N answers the first N uploads with --fail-status
(503 by default, optionally with Retry-After); --drop-after-store N
stores the first N uploads and then closes the connection without
answering, and a duplicate's answer is lost the same way (with
--store-truncated, half the body: another writer's object); --fail-chunks N takes half of each of the first N TUS chunks
and then closes the connection; --delay MS holds upload answers (the
first --slow-uploads N only); --duplicate-all refuses every upload as a
duplicate; --invalid-chars adds characters the server refuses in keys.

For assertions: GET /__stats (request counts by kind, compact JSON with
sorted keys), GET /__objects (bucket, key, size, content type of each
object), GET /__count, GET /__object/<bucket>/<key> (the raw bytes), GET
/__only, /__only/key, /__only/meta (the only object's bytes, key, and
"content-type|cache-control"), GET /__log (each request's kind, method,
raw path and the headers that matter, the credentials reduced to whether
they matched; ?kind=K&field=F gives one field per line).
"""

import argparse
import base64
import json
import os
import socketserver
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALLOWED_KEY_CHARS = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "_/!-.*'() &$@=;:+,")
STORAGE = "/storage/v1"


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.buckets = set(args.bucket or ["datalake"])
        self.objects = {}          # (bucket, key) -> dict
        self.uploads = {}          # tus id -> dict
        self.stats = {}
        self.log = []
        self.uploads_seen = 0
        self.chunks_seen = 0

    def count(self, kind):
        with self.lock:
            self.stats[kind] = self.stats.get(kind, 0) + 1


def envelope(status_code, error, message, code=None):
    body = {"statusCode": str(status_code), "error": error,
            "message": message}
    if code is not None:
        body["code"] = code
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSupabaseStorage/1.0"

    def log_message(self, fmt, *args):
        pass

    @property
    def st(self):
        return self.server.state

    # ---- plumbing ----------------------------------------------------

    def body(self):
        """The request body; a client that hangs up before sending all of
        it gets nothing stored, as with the real server."""
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n > 0 else b""
        if len(data) < n:
            self.close_connection = True
            raise ConnectionAbortedError(
                "body cut short: %d of %d bytes" % (len(data), n))
        return data

    def answer(self, status, obj=None, raw=None, headers=None,
               ctype="application/json"):
        if self.slow:
            time.sleep(self.st.args.delay / 1000.0)
        data = raw if raw is not None else (
            json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if data or self.command != "HEAD":
            self.send_header("Content-Type", ctype)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error400(self, status_code, error, message, code=None, http=400):
        self.answer(http, envelope(status_code, error, message, code))

    def drop(self):
        """Closes the connection without answering."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(2)
        except OSError:
            pass

    def record(self, kind):
        self.st.count(kind)
        key = self.st.args.key
        auth = self.headers.get("Authorization")
        apikey = self.headers.get("apikey")
        entry = {
            "kind": kind,
            "method": self.command,
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "x_upsert": self.headers.get("x-upsert"),
            "cache_control": self.headers.get("cache-control"),
            "authorization": None if auth is None else
            ("ok" if auth == "Bearer " + key else "wrong"),
            "apikey": None if apikey is None else
            ("ok" if apikey == key else "wrong"),
        }
        with self.st.lock:
            self.st.log.append(entry)

    def authorised(self):
        """The gateway checks apikey; the server checks the bearer."""
        key = self.st.args.key
        if self.st.args.require_apikey and \
                self.headers.get("apikey") != key:
            self.answer(401, {"message": "Invalid API key"})
            return False
        auth = self.headers.get("Authorization")
        if auth is None:
            self.error400("400", "Bad Request",
                          "headers must have required property "
                          "'authorization'")
            return False
        if auth != "Bearer " + key:
            self.error400("403", "Unauthorized", "invalid signature",
                          "AccessDenied")
            return False
        return True

    def split_object(self, rest):
        """bucket and decoded key from "bucket/encoded/key"."""
        bucket, _, key = rest.partition("/")
        return urllib.parse.unquote(bucket), urllib.parse.unquote(key)

    def key_problem(self, key):
        """None, or the answer the real server gives for this key."""
        if key == "" or key.startswith("/") or "//" in key or \
                key.endswith("/"):
            return (500, envelope("500", "Internal", "Internal Server "
                                  "Error"))
        if any(c not in ALLOWED_KEY_CHARS or c in self.st.args.invalid_chars
               for c in key):
            return (400, envelope("400", "Invalid Input",
                                  "Invalid key: " + key, "InvalidKey"))
        return None

    # ---- routing -----------------------------------------------------

    def route(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/__"):
            return self.introspect(path)
        if not path.startswith(STORAGE + "/"):
            self.record("other")
            return self.answer(404, {"message": "no Route matched"})
        rest = path[len(STORAGE):]
        m = self.command
        table = [
            ("POST", "/object/info/", None),
            ("GET", "/object/info/authenticated/", self.info),
            ("GET", "/object/info/public/", self.info),
            ("HEAD", "/object/authenticated/", self.head_object),
            ("GET", "/object/authenticated/", self.download),
            ("POST", "/upload/resumable/", None),
            ("PATCH", "/upload/resumable/", self.tus_patch),
            ("HEAD", "/upload/resumable/", self.tus_head),
            ("POST", "/upload/resumable", self.tus_create),
            ("POST", "/object/", self.upload),
            ("PUT", "/object/", self.upload),
            ("GET", "/object/", self.download),
            ("HEAD", "/object/", self.head_object),
        ]
        for method, prefix, fn in table:
            if m == method and (rest.startswith(prefix) or
                                (prefix == "/upload/resumable" and
                                 rest == prefix)):
                if fn is None:
                    break
                return fn(rest[len(prefix):])
        self.record("other")
        self.error400("404", "not_found", "Route not found")

    do_GET = do_POST = do_PUT = do_PATCH = do_HEAD = do_DELETE = \
        lambda self: self.route()

    # ---- objects -----------------------------------------------------

    slow = False

    def upload(self, rest):
        self.record("upload")
        data = self.body()
        if not self.authorised():
            return
        bucket, key = self.split_object(rest)
        if bucket not in self.st.buckets:
            return self.error400("404", "Bucket not found",
                                 "Bucket not found", "NoSuchBucket")
        problem = self.key_problem(key)
        if problem:
            return self.answer(problem[0], problem[1])
        a = self.st.args
        with self.st.lock:
            self.st.uploads_seen += 1
            n = self.st.uploads_seen
        self.slow = a.delay > 0 and (a.slow_uploads is None or
                                     n <= a.slow_uploads)
        if a.duplicate_all:
            return self.error400("409", "Duplicate",
                                 "The resource already exists",
                                 "ResourceAlreadyExists")
        if n <= a.fail_uploads:
            headers = {}
            if a.retry_after is not None:
                headers["Retry-After"] = a.retry_after
            return self.answer(a.fail_status, raw=b"<html>upstream "
                               b"unavailable</html>", headers=headers,
                               ctype="text/html")
        if a.max_object_bytes is not None and len(data) > \
                a.max_object_bytes:
            return self.error400("413", "Payload too large",
                                 "The object exceeded the maximum "
                                 "allowed size", "EntityTooLarge")
        upsert = self.command == "PUT" or \
            self.headers.get("x-upsert") == "true"
        dropping = n <= a.fail_uploads + a.drop_after_store
        if dropping and a.store_truncated:
            data = data[:len(data) // 2]
        result = self.store(bucket, key, data, upsert)
        if dropping:
            # The answer is lost, whatever it would have been.
            return self.drop()
        if result is None:
            return self.error400("409", "Duplicate",
                                 "The resource already exists",
                                 "ResourceAlreadyExists")
        self.answer(200, {"Id": result["id"],
                          "Key": bucket + "/" + key})

    def store(self, bucket, key, data, upsert):
        with self.st.lock:
            old = self.st.objects.get((bucket, key))
            if old is not None and not upsert:
                return None
            obj = {
                "id": old["id"] if old else str(uuid.uuid4()),
                "data": data,
                "content_type": self.headers.get("Content-Type"),
                "cache_control": self.headers.get("cache-control"),
            }
            self.st.objects[(bucket, key)] = obj
            return obj

    def find(self, rest):
        bucket, key = self.split_object(rest)
        with self.st.lock:
            return self.st.objects.get((bucket, key))

    def info(self, rest):
        self.record("info")
        if not self.authorised():
            return
        obj = self.find(rest)
        form = self.st.args.info_form
        if obj is None or form == "none":
            return self.error400("404", "not_found", "Object not found",
                                 "NoSuchKey")
        _, key = self.split_object(rest)
        info = {"id": obj["id"], "name": key, "version": obj["id"],
                "content_type": obj["content_type"],
                "created_at": "2026-12-03T13:00:00.000Z"}
        size = len(obj["data"])
        if form == "size":
            info["size"] = size
        else:
            info["metadata"] = {"size": size,
                                "mimetype": obj["content_type"]}
        self.answer(200, info)

    def head_object(self, rest):
        self.record("head")
        if not self.authorised():
            return
        obj = self.find(rest)
        if obj is None:
            return self.answer(400)
        self.answer(200, raw=b"", headers={
            "Content-Length": str(len(obj["data"]))},
            ctype=obj["content_type"] or "application/octet-stream")

    def download(self, rest):
        self.record("download")
        if not self.authorised():
            return
        obj = self.find(rest)
        if obj is None:
            return self.error400("404", "not_found", "Object not found",
                                 "NoSuchKey")
        self.answer(200, raw=obj["data"],
                    ctype=obj["content_type"] or "application/octet-stream")

    # ---- TUS -----------------------------------------------------------

    def tus_create(self, _):
        self.record("tus-create")
        self.body()
        if not self.authorised():
            return
        meta = {}
        for pair in (self.headers.get("Upload-Metadata") or "").split(","):
            name, _, value = pair.strip().partition(" ")
            if name:
                meta[name] = base64.b64decode(value).decode()
        bucket = meta.get("bucketName", "")
        key = meta.get("objectName", "")
        if self.headers.get("Tus-Resumable") != "1.0.0":
            return self.answer(412, raw=b"Unsupported version",
                               ctype="text/plain")
        if bucket not in self.st.buckets:
            return self.error400("404", "Bucket not found",
                                 "Bucket not found", "NoSuchBucket")
        problem = self.key_problem(key)
        if problem:
            return self.answer(problem[0], problem[1])
        length = int(self.headers.get("Upload-Length") or -1)
        a = self.st.args
        if a.max_object_bytes is not None and length > a.max_object_bytes:
            return self.error400("413", "Payload too large",
                                 "The object exceeded the maximum "
                                 "allowed size", "EntityTooLarge")
        upsert = self.headers.get("x-upsert") == "true"
        with self.st.lock:
            if (bucket, key) in self.st.objects and not upsert:
                exists = True
            else:
                exists = False
                upload_id = base64.urlsafe_b64encode(
                    ("%s/%s/%s" % (bucket, key, uuid.uuid4())).encode()
                ).decode()
                self.st.uploads[upload_id] = {
                    "bucket": bucket, "key": key, "length": length,
                    "data": b"", "upsert": upsert,
                    "content_type": meta.get("contentType"),
                    "cache_control": meta.get("cacheControl"),
                }
        if exists:
            return self.error400("409", "Duplicate",
                                 "The resource already exists",
                                 "ResourceAlreadyExists")
        host = "127.0.0.1:%d" % self.server.server_address[1]
        self.answer(201, raw=b"", headers={
            "Location": "http://%s%s/upload/resumable/%s" % (
                host, STORAGE, upload_id),
            "Tus-Resumable": "1.0.0"})

    def tus_head(self, upload_id):
        self.record("tus-head")
        if not self.authorised():
            return
        with self.st.lock:
            up = self.st.uploads.get(upload_id)
        if up is None:
            return self.answer(404, raw=b"", ctype="text/plain")
        self.answer(200, raw=b"", headers={
            "Upload-Offset": str(len(up["data"])),
            "Upload-Length": str(up["length"]),
            "Tus-Resumable": "1.0.0", "Cache-Control": "no-store"})

    def tus_patch(self, upload_id):
        self.record("tus-patch")
        data = self.body()
        if not self.authorised():
            return
        with self.st.lock:
            up = self.st.uploads.get(upload_id)
            self.st.chunks_seen += 1
            n = self.st.chunks_seen
        if up is None:
            return self.answer(404, raw=b"", ctype="text/plain")
        if self.headers.get("Content-Type") != \
                "application/offset+octet-stream":
            return self.answer(415, raw=b"", ctype="text/plain")
        offset = int(self.headers.get("Upload-Offset") or -1)
        if offset != len(up["data"]):
            return self.answer(409, raw=b"Upload-Offset conflict",
                               ctype="text/plain")
        if len(up["data"]) + len(data) > up["length"]:
            return self.answer(413, raw=b"", ctype="text/plain")
        if n <= self.st.args.fail_chunks:
            up["data"] += data[:len(data) // 2]
            return self.drop()
        up["data"] += data
        if len(up["data"]) == up["length"]:
            with self.st.lock:
                del self.st.uploads[upload_id]
                key = (up["bucket"], up["key"])
                if key in self.st.objects and not up["upsert"]:
                    exists = True
                else:
                    exists = False
                    self.st.objects[key] = {
                        "id": str(uuid.uuid4()), "data": up["data"],
                        "content_type": up["content_type"],
                        "cache_control": up["cache_control"]}
            if exists:
                return self.error400("409", "Duplicate",
                                     "The resource already exists",
                                     "ResourceAlreadyExists")
        self.answer(204, raw=b"", headers={
            "Upload-Offset": str(len(up["data"])),
            "Tus-Resumable": "1.0.0"})

    # ---- introspection -----------------------------------------------

    def introspect(self, path):
        query = urllib.parse.parse_qs(self.path.partition("?")[2])
        with self.st.lock:
            objects = sorted(self.st.objects.items())
            if path == "/__stats":
                return self.answer(200, raw=json.dumps(
                    self.st.stats, sort_keys=True,
                    separators=(",", ":")).encode())
            if path == "/__log":
                kind = query.get("kind", [None])[0]
                field = query.get("field", [None])[0]
                entries = [e for e in self.st.log
                           if kind is None or e["kind"] == kind]
                if field is None:
                    return self.answer(200, entries)
                return self.answer(200, raw="".join(
                    "%s\n" % e.get(field) for e in entries).encode(),
                    ctype="text/plain")
            if path == "/__objects":
                return self.answer(200, [
                    {"bucket": b, "key": k, "size": len(o["data"]),
                     "content_type": o["content_type"],
                     "cache_control": o["cache_control"]}
                    for (b, k), o in objects])
            if path == "/__count":
                return self.answer(200, raw=b"%d" % len(objects),
                                   ctype="text/plain")
            if path.startswith("/__only"):
                # The only object: its bytes, key or metadata.
                if len(objects) != 1:
                    return self.answer(404, {"message": "%d objects" %
                                             len(objects)})
                (b, k), o = objects[0]
                raw = {"/__only": o["data"], "/__only/key": k.encode(),
                       "/__only/meta": ("%s|%s" % (
                           o["content_type"],
                           o["cache_control"])).encode()}.get(path)
                if raw is None:
                    return self.answer(404, {"message": "unknown"})
                return self.answer(200, raw=raw,
                                   ctype="application/octet-stream")
            if path.startswith("/__object/"):
                bucket, key = self.split_object(path[len("/__object/"):])
                obj = self.st.objects.get((bucket, key))
                if obj is None:
                    return self.answer(404, {"message": "no such object"})
                return self.answer(200, raw=obj["data"],
                                   ctype="application/octet-stream")
        self.answer(404, {"message": "unknown"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--bucket", action="append",
                   help="an existing bucket (repeatable; default datalake)")
    p.add_argument("--key", default="service-key",
                   help="the service key the server accepts")
    p.add_argument("--require-apikey", action="store_true",
                   help="like the hosted gateway, refuse requests "
                   "without the apikey header")
    p.add_argument("--max-object-bytes", type=int)
    p.add_argument("--fail-uploads", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=503)
    p.add_argument("--retry-after")
    p.add_argument("--drop-after-store", type=int, default=0)
    p.add_argument("--fail-chunks", type=int, default=0)
    p.add_argument("--delay", type=int, default=0,
                   help="hold upload answers this many milliseconds")
    p.add_argument("--slow-uploads", type=int,
                   help="only the first N uploads are slow")
    p.add_argument("--store-truncated", action="store_true",
                   help="with --drop-after-store, keep half the body "
                   "(another writer's object under our key)")
    p.add_argument("--duplicate-all", action="store_true",
                   help="answer every upload as a duplicate")
    p.add_argument("--invalid-chars", default="",
                   help="key characters refused besides the real ones")
    p.add_argument("--info-form", choices=["size", "metadata", "none"],
                   default="metadata")
    args = p.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(args)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    socketserver.TCPServer.allow_reuse_address = True
    main()
