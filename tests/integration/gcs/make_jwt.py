#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints the RS256 JWT bearer assertion for a service account, built independently of the C++
code: Python's json and base64 for the encoding, the openssl CLI for the signature.

usage: make_jwt.py KEY.pem KID CLIENT_EMAIL TOKEN_URI IAT
"""
import base64
import json
import subprocess
import sys

SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def canonical(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def main() -> None:
    key, kid, email, token_uri, iat = sys.argv[1:6]
    iat = int(iat)
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    claims = {"iss": email, "scope": SCOPE, "aud": token_uri, "iat": iat, "exp": iat + 3600}
    signing_input = b64url(canonical(header)) + "." + b64url(canonical(claims))
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                               capture_output=True, check=True).stdout
    print(signing_input + "." + b64url(signature))


if __name__ == "__main__":
    main()
