#!/usr/bin/env python3
"""Sends one SigV4-signed S3 request, optionally spoiled, and prints the
status and the S3 error code: "200" or "403 SignatureDoesNotMatch".

It proves the verifying proxy refuses what AWS refuses: a path sent
encoded otherwise than it was signed (--send-path), a body other than the
signed one (--send-body, with or without a matching hash header), a wrong
secret.  The signing follows AWS's documented example, written apart from
the proxy's code.

Usage: signed_request.py PORT ACCESS_KEY SECRET PATH BODY [--send-path P]
       [--send-body B] [--rehash] [--region R]
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import re


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("access_key")
    p.add_argument("secret")
    p.add_argument("path", help="the path as signed, already encoded")
    p.add_argument("body")
    p.add_argument("--send-path")
    p.add_argument("--send-body")
    p.add_argument("--rehash", action="store_true",
                   help="send the hash of the sent body, not the signed one")
    p.add_argument("--region", default="us-east-1")
    a = p.parse_args()

    now = datetime.datetime.utcnow()
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    host = "127.0.0.1:%d" % a.port
    payload = hashlib.sha256(a.body.encode()).hexdigest()
    canonical = "PUT\n%s\n\nhost:%s\nx-amz-content-sha256:%s\n" \
        "x-amz-date:%s\n\nhost;x-amz-content-sha256;x-amz-date\n%s" % (
            a.path, host, payload, amz_date, payload)
    scope = "%s/%s/s3/aws4_request" % (day, a.region)
    to_sign = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (
        amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
    k = sign(("AWS4" + a.secret).encode(), day)
    for part in (a.region, "s3", "aws4_request"):
        k = sign(k, part)
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()

    body = (a.send_body if a.send_body is not None else a.body).encode()
    headers = {
        "Host": host,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": hashlib.sha256(body).hexdigest()
        if a.rehash else payload,
        "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        "Signature=%s" % (a.access_key, scope, signature),
    }
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
    conn.request("PUT", a.send_path or a.path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read().decode(errors="replace")
    code = re.search(r"<Code>([^<]*)</Code>", data)
    print(resp.status if code is None else "%d %s" % (resp.status,
                                                      code.group(1)))


if __name__ == "__main__":
    main()
