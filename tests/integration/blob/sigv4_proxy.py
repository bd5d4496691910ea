#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A reverse proxy in front of s3rver that verifies AWS Signature Version 4 like S3 does.

s3rver (the test server) accepts anonymous requests and checks no signature of ours, so every
request first passes here: the signature is recomputed with botocore's S3SigV4Auth from the
method, the raw path and query, the headers the client says it signed and its
x-amz-content-sha256 value. A mismatch is answered 403 SignatureDoesNotMatch, an unknown access
key 403 InvalidAccessKeyId, both with S3's XML error body. Verified requests are forwarded to
s3rver without the Authorization header, bodies streamed in both directions.

s3rver has no AbortMultipartUpload: DELETE ?uploadId=ID is answered here (204) by removing the
upload's parts from s3rver's data folder, so tests can check that no parts are left behind.
Test hook: UploadPart number 2 of a key containing "inject-part-failure" always fails with 500.

Usage: sigv4_proxy.py --listen PORT --upstream PORT --data DIR --access-key ID --secret-key SECRET
       [--region us-east-1]
"""

import argparse
import http.client
import http.server
import os
import re
import shutil
import socketserver
import sys
import time
from urllib.parse import unquote, urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CHUNK = 256 * 1024
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/s3/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
REQUIRED_SIGNED = {"host", "x-amz-date", "x-amz-content-sha256"}


class ClaimedHeadersAuth(S3SigV4Auth):
    """S3SigV4Auth over exactly the headers the client listed in SignedHeaders."""

    def __init__(self, credentials, region, signed):
        super().__init__(credentials, "s3", region)
        self._signed = signed

    def headers_to_sign(self, request):
        headers = super().headers_to_sign(request)
        for name in list(headers.keys()):
            if name not in self._signed:
                del headers[name]
        return headers


def s3_error(code, message):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sigv4-proxy"

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.server.verbose:
            sys.stderr.write("sigv4-proxy: " + fmt % args + "\n")

    def reply(self, status, body=b"", content_type="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def drain_body(self):
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)

    def verify(self):
        """None when the signature is right, else (status, code, message)."""
        match = AUTH_RE.match(self.headers.get("Authorization") or "")
        if not match:
            return 403, "AccessDenied", "Missing or malformed AWS4-HMAC-SHA256 Authorization header"
        if match["key"] != self.server.access_key:
            return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        signed = set(match["signed"].split(";"))
        missing = REQUIRED_SIGNED - signed
        if missing:
            return 403, "AccessDenied", "Headers not signed: " + ",".join(sorted(missing))
        amz_date = self.headers.get("x-amz-date") or ""
        if amz_date[:8] != match["date"] or match["region"] != self.server.region:
            return 403, "SignatureDoesNotMatch", "Credential scope does not match x-amz-date or region"
        headers = {}
        for name in signed:
            values = self.headers.get_all(name)
            if values is None:
                return 403, "SignatureDoesNotMatch", f"Signed header {name} is missing"
            headers[name] = ",".join(v.strip() for v in values)
        request = AWSRequest(method=self.command, url="http://" + self.headers["Host"] + self.path, headers=headers)
        request.context["timestamp"] = amz_date
        auth = ClaimedHeadersAuth(Credentials(self.server.access_key, self.server.secret_key), self.server.region, signed)
        canonical = auth.canonical_request(request)
        expected = auth.signature(auth.string_to_sign(request, canonical), request)
        if expected != match["signature"]:
            self.log_message("signature mismatch; canonical request:\n%s", canonical)
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        return None

    def abort_multipart(self, bucket, upload_id):
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id) or not re.fullmatch(r"[a-z0-9.-]+", bucket):
            return self.reply(404, s3_error("NoSuchUpload", "The specified upload does not exist."))
        folder = os.path.join(self.server.data_dir, bucket, "._S3rver_uploads", upload_id)
        if not os.path.isdir(folder):
            return self.reply(404, s3_error("NoSuchUpload", "The specified upload does not exist."))
        shutil.rmtree(folder, ignore_errors=True)
        self.server.aborted += 1
        return self.reply(204)

    def handle_any(self):
        failure = self.verify()
        if failure:
            self.drain_body()
            status, code, message = failure
            return self.reply(status, s3_error(code, message))
        parts = urlsplit(self.path)
        query = dict(p.partition("=")[::2] for p in parts.query.split("&") if p)
        if self.command == "PUT" and query.get("partNumber") == "2" and "inject-part-failure" in parts.path:
            # Test hook: part 2 of any object whose key says so always fails, to exercise abort.
            self.drain_body()
            return self.reply(500, s3_error("InternalError", "Injected failure of part 2"))
        hold = self.server.hold_file
        if hold and self.command == "GET" and not query and len([s for s in parts.path.split("/") if s]) >= 2:
            # Test hook: object downloads wait while the hold file exists (a job caught mid-download).
            while os.path.exists(hold):
                time.sleep(0.05)
        if self.command == "DELETE" and "uploadId" in query:
            segments = [unquote(s) for s in parts.path.split("/") if s]
            return self.abort_multipart(segments[0] if segments else "", unquote(query["uploadId"]))
        self.forward()

    def forward(self):
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=120)
        try:
            length = int(self.headers.get("Content-Length") or 0)
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP and name.lower() not in ("authorization", "expect"):
                    upstream.putheader(name, value)
            upstream.endheaders()
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(CHUNK, remaining))
                if not chunk:
                    raise ConnectionError("client closed the connection mid-body")
                upstream.send(chunk)
                remaining -= len(chunk)
            response = upstream.getresponse()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            body_length = response.getheader("Content-Length")
            if body_length is None and self.command != "HEAD":
                # Re-framed by length so the client connection stays reusable.
                data = response.read()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.end_headers()
            if self.command == "HEAD":
                return
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                self.wfile.write(chunk)
        except (ConnectionError, OSError) as error:
            self.log_message("upstream error: %s", error)
            self.close_connection = True
        finally:
            upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--hold-file", default="", help="object GETs wait while this file exists")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.listen), Handler)
    server.upstream_port = args.upstream
    server.data_dir = args.data
    server.access_key = args.access_key
    server.secret_key = args.secret_key
    server.region = args.region
    server.verbose = args.verbose
    server.hold_file = args.hold_file
    server.aborted = 0
    server.serve_forever()


if __name__ == "__main__":
    main()
