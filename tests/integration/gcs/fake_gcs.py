#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A local stand-in for Google's OAuth2 token endpoint and the Cloud Storage JSON API, for the GCS
adapter's integration tests. Python 3 stdlib plus the openssl CLI.

It checks each request the way the documented API expects it and answers 400 (recording a
"violation" the tests assert to be empty) otherwise:
  POST /token                                   JWT bearer grant; the assertion's claims and RS256
                                                signature are verified (openssl dgst -verify)
  GET  /storage/v1/b/B/o/NAME?alt=media         Bearer token; 404 for a missing object. With
                                                "Range: bytes=A-B" (or A-): 206 and Content-Range,
                                                416 when A is past the end (as GCS answers)
  GET  /storage/v1/b/B/o/NAME[?fields=a,b]      the object's metadata (size as a decimal string), or
                                                only the fields listed; 404 for a missing object
  POST /upload/storage/v1/b/B/o?uploadType=resumable&name=NAME   starts a resumable upload
  PUT  <session URI>                            chunks with Content-Range; 308 + Range, then 200
  DELETE /storage/v1/b/B/o/NAME                 204; 404 for a missing object
Test controls (never counted, never failed), JSON bodies:
  POST /_control/fail {"count", "status", "after"}  fail `count` API requests after `after` more
  POST /_control/reject_credentials                 the token endpoint answers 400 invalid_grant
  POST /_control/expires_in {"seconds"}             lifetime of tokens issued from now on
  POST /_control/revoke_tokens                      every token issued so far is refused (401)
  PUT  /_control/object/B/NAME                      stores an object
  GET  /_control/object/B/NAME                      an object's bytes; X-Content-Type, X-Acl headers
  GET  /_control/stats                              counters and violations

usage: fake_gcs.py --port-file F --public-key PUB.pem --client-email E --key-id K
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANULE = 256 * 1024


class Violation(Exception):
    pass


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.objects = {}  # (bucket, name) -> (bytes, content type, acl)
        self.sessions = {}  # id -> dict
        self.tokens = {}  # token -> expiry (time.time())
        self.revoked = set()
        self.next_id = 0
        self.expires_in = 3600
        self.reject_credentials = False
        self.fail = {"count": 0, "status": 503, "after": 0}
        self.stats = {"token_requests": 0, "api_requests": 0, "chunk_puts": 0, "status_queries": 0,
                      "metadata_gets": 0, "media_gets": 0, "ranged_gets": 0,
                      "failed_injected": 0, "unauthorized": 0, "connections": 0, "deletes": 0, "violations": []}
        self.token_uri = ""


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_signature(signing_input, signature, public_key):
    with tempfile.TemporaryDirectory() as d:
        data, sig = os.path.join(d, "data"), os.path.join(d, "sig")
        with open(data, "wb") as f:
            f.write(signing_input)
        with open(sig, "wb") as f:
            f.write(signature)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", public_key, "-signature", sig, data],
                           capture_output=True)
        return r.returncode == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection reuse is observable
    state = None

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_gcs: " + (fmt % args) + "\n")

    def setup(self):
        super().setup()
        with self.state.lock:
            self.state.stats["connections"] += 1

    def reply(self, status, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def api_error(self, status, message):
        self.reply(status, {"error": {"code": status, "message": message}})

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            raise Violation("chunked transfer encoding where Content-Length is expected")
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        st = self.state
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = self.read_body()  # always, so a keep-alive connection stays in step
        parts = url.path.split("/")
        try:
            if url.path.startswith("/_control/"):
                return self.control(method, parts[2:], body)
            if url.path == "/token" and method == "POST":
                return self.token(body)
            with st.lock:
                st.stats["api_requests"] += 1
                f = st.fail
                inject = None
                if f["count"] > 0:
                    if f["after"] > 0:
                        f["after"] -= 1
                    else:
                        f["count"] -= 1
                        st.stats["failed_injected"] += 1
                        inject = f["status"]
            if inject:
                return self.api_error(inject, "injected failure")
            if not self.authorized():
                return
            if method == "GET" and len(parts) == 7 and parts[1:4] == ["storage", "v1", "b"] and parts[5] == "o":
                return self.get_object(parts[4], urllib.parse.unquote(parts[6]), query)
            if method == "DELETE" and len(parts) == 7 and parts[1:4] == ["storage", "v1", "b"] and parts[5] == "o":
                return self.delete_object(parts[4], urllib.parse.unquote(parts[6]))
            if method == "POST" and parts[1:4] == ["upload", "storage", "v1"] and len(parts) == 7 and parts[6] == "o":
                if "upload_id" in query:
                    raise Violation("POST to a session URI")
                return self.start_upload(parts[5], query, body)
            if method == "PUT" and parts[1:4] == ["upload", "storage", "v1"] and "upload_id" in query:
                return self.put_chunk(query["upload_id"][0], body)
            raise Violation(f"no such API: {method} {url.path}")
        except Violation as v:
            with st.lock:
                st.stats["violations"].append(f"{method} {self.path}: {v}")
            return self.api_error(400, str(v))

    def authorized(self):
        st = self.state
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with st.lock:
            ok = token in st.tokens and st.tokens[token] > time.time() and token not in st.revoked
            if not ok:
                st.stats["unauthorized"] += 1
        if not ok:
            self.api_error(401, "Invalid Credentials")
        return ok

    def token(self, body):
        st, args = self.state, self.state.args
        with st.lock:
            st.stats["token_requests"] += 1
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            raise Violation("token request is not form-encoded")
        form = urllib.parse.parse_qs(body.decode(), strict_parsing=True)
        if form.get("grant_type") != [GRANT]:
            raise Violation(f"grant_type is {form.get('grant_type')}")
        assertion = form.get("assertion", [""])[0]
        pieces = assertion.split(".")
        if len(pieces) != 3:
            raise Violation("assertion is not a JWS compact serialization")
        header, claims = json.loads(b64url_decode(pieces[0])), json.loads(b64url_decode(pieces[1]))
        if header != {"alg": "RS256", "typ": "JWT", "kid": args.key_id}:
            raise Violation(f"unexpected JWT header {header}")
        now = time.time()
        expected = {"iss": args.client_email, "scope": SCOPE, "aud": st.token_uri}
        for k, v in expected.items():
            if claims.get(k) != v:
                raise Violation(f"claim {k} is {claims.get(k)!r}, expected {v!r}")
        if not isinstance(claims.get("iat"), int) or abs(claims["iat"] - now) > 300 or claims.get("exp") != claims["iat"] + 3600:
            raise Violation(f"bad iat/exp {claims.get('iat')}/{claims.get('exp')}")
        if any("=" in p for p in pieces):
            raise Violation("base64url with padding")
        if not verify_signature((pieces[0] + "." + pieces[1]).encode(), b64url_decode(pieces[2]), args.public_key):
            raise Violation("assertion signature does not verify with the public key")
        with st.lock:
            if st.reject_credentials:
                reject = True
            else:
                reject = False
                st.next_id += 1
                token = f"ya29.fake-{st.next_id}"
                st.tokens[token] = now + st.expires_in
                expires_in = st.expires_in
        if reject:
            return self.reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        self.reply(200, {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})

    def get_object(self, bucket, name, query):
        alt = query.get("alt", ["json"])
        if alt not in (["media"], ["json"]):
            raise Violation(f"object GET with alt={alt}")
        if alt == ["media"] and "fields" in query:
            raise Violation("fields with alt=media")
        with self.state.lock:
            obj = self.state.objects.get((bucket, name))
            if obj is not None:
                self.state.stats["metadata_gets" if alt == ["json"] else "media_gets"] += 1
        if obj is None:
            return self.api_error(404, f"No such object: {bucket}/{name}")
        if alt == ["media"]:
            return self.media(obj)
        # objects.get metadata: the JSON API writes uint64 values such as size as strings.
        meta = {"kind": "storage#object", "id": f"{bucket}/{name}/1", "bucket": bucket, "name": name,
                "size": str(len(obj[0])), "contentType": obj[1], "generation": "1"}
        if "fields" in query:
            wanted = query["fields"][0].split(",")
            if not all(f in meta for f in wanted):
                raise Violation(f"fields={query['fields'][0]} names unknown fields")
            meta = {f: meta[f] for f in wanted}
        self.reply(200, meta)

    def media(self, obj):
        data, content_type = obj[0], obj[1]
        wanted = self.headers.get("Range")
        if wanted is None:
            return self.reply(200, data, content_type=content_type)
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted)
        if not m:
            raise Violation(f"Range {wanted!r}")
        first = int(m.group(1))
        last = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
        if m.group(2) and int(m.group(2)) < first:
            raise Violation(f"Range {wanted!r} ends before it begins")
        with self.state.lock:
            self.state.stats["ranged_gets"] += 1
        if first >= len(data):
            return self.reply(416, headers={"Content-Range": f"bytes */{len(data)}"})
        return self.reply(206, data[first:last + 1], content_type=content_type,
                          headers={"Content-Range": f"bytes {first}-{last}/{len(data)}"})

    def delete_object(self, bucket, name):
        with self.state.lock:
            existed = self.state.objects.pop((bucket, name), None) is not None
            if existed:
                self.state.stats["deletes"] += 1
        if not existed:
            return self.api_error(404, f"No such object: {bucket}/{name}")
        self.reply(204)

    def start_upload(self, bucket, query, body):
        if query.get("uploadType") != ["resumable"]:
            raise Violation(f"uploadType is {query.get('uploadType')}")
        name = query.get("name", [""])[0]
        if not name:
            raise Violation("no name parameter")
        acl = query.get("predefinedAcl", [None])[0]
        if acl not in (None, "publicRead"):
            raise Violation(f"predefinedAcl {acl}")
        ctype = self.headers.get("X-Upload-Content-Type")
        length = self.headers.get("X-Upload-Content-Length")
        if not ctype or length is None or not length.isdigit():
            raise Violation("missing X-Upload-Content-Type or X-Upload-Content-Length")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            raise Violation("metadata is not application/json")
        meta = json.loads(body)
        if meta.get("name") != name or meta.get("contentType") != ctype:
            raise Violation(f"metadata {meta} disagrees with name={name} X-Upload-Content-Type={ctype}")
        with self.state.lock:
            self.state.next_id += 1
            sid = f"session-{self.state.next_id}"
            self.state.sessions[sid] = {"bucket": bucket, "name": name, "type": ctype, "acl": acl,
                                        "total": int(length), "data": bytearray(), "done": False}
        port = self.server.server_address[1]
        location = (f"http://127.0.0.1:{port}/upload/storage/v1/b/{bucket}/o?uploadType=resumable"
                    f"&upload_id={sid}")
        self.reply(200, headers={"Location": location})

    def put_chunk(self, sid, body):
        st = self.state
        crange = self.headers.get("Content-Range", "")
        if not crange.startswith("bytes "):
            raise Violation(f"Content-Range {crange!r}")
        spec, _, total = crange[len("bytes "):].partition("/")
        with st.lock:
            s = st.sessions.get(sid)
            if s is None:
                return self.api_error(404, "no such upload session")
            if total != str(s["total"]):
                raise Violation(f"Content-Range total {total}, upload declared {s['total']}")
            if spec == "*":
                if body:
                    raise Violation("status query with a body")
                st.stats["status_queries"] += 1
                if s["total"] == 0 and not s["done"]:
                    self.finish(s)
            else:
                first, _, last = spec.partition("-")
                first, last = int(first), int(last)
                if first != len(s["data"]) or last - first + 1 != len(body):
                    raise Violation(f"chunk {spec} does not follow the {len(s['data'])} bytes received "
                                    f"or has {len(body)} bytes")
                if last + 1 < s["total"] and len(body) % GRANULE:
                    raise Violation(f"non-final chunk of {len(body)} bytes, not a multiple of 256 KiB")
                st.stats["chunk_puts"] += 1
                s["data"] += body
                if len(s["data"]) == s["total"]:
                    self.finish(s)
            done, received = s["done"], len(s["data"])
        if done:
            return self.reply(200, {"kind": "storage#object", "bucket": s["bucket"], "name": s["name"],
                                    "size": str(s["total"]), "contentType": s["type"]})
        self.reply(308, headers={"Range": f"bytes=0-{received - 1}"} if received else {})

    def finish(self, s):
        s["done"] = True
        self.state.objects[(s["bucket"], s["name"])] = (bytes(s["data"]), s["type"], s["acl"])

    def control(self, method, parts, body):
        st = self.state
        args = json.loads(body) if body and parts[0] != "object" else {}
        with st.lock:
            if parts[0] == "fail":
                st.fail = {"count": args["count"], "status": args.get("status", 503), "after": args.get("after", 0)}
            elif parts[0] == "reject_credentials":
                st.reject_credentials = True
            elif parts[0] == "expires_in":
                st.expires_in = args["seconds"]
            elif parts[0] == "revoke_tokens":
                st.revoked.update(st.tokens)
            elif parts[0] == "object" and method == "PUT":
                st.objects[(parts[1], urllib.parse.unquote("/".join(parts[2:])))] = (
                    body, "application/octet-stream", None)
            elif parts[0] == "object":
                obj = st.objects.get((parts[1], urllib.parse.unquote("/".join(parts[2:]))))
                if obj is None:
                    return self.reply(404)
                return self.reply(200, obj[0], {"X-Content-Type": obj[1], "X-Acl": obj[2] or "none"},
                                  "application/octet-stream")
            elif parts[0] == "stats":
                return self.reply(200, st.stats)
            else:
                return self.reply(404)
        self.reply(204)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--public-key", required=True)
    p.add_argument("--client-email", required=True)
    p.add_argument("--key-id", required=True)
    args = p.parse_args()
    Handler.state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    Handler.state.token_uri = f"http://127.0.0.1:{port}/token"
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(args.port_file + ".tmp", args.port_file)  # the fixture never reads half a number
    server.serve_forever()


if __name__ == "__main__":
    main()
