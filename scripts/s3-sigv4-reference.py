#!/usr/bin/env python3
"""botocore's S3 SigV4 signature for requests described as JSON lines.

Reads one JSON object per line on stdin:
  {"method", "base" (scheme://host[:port] as configured), "bucket" (path-style
   bucket or null), "key" (raw object key or null), "params" ([[name, value]],
   raw), "headers" ({name: value}, besides host and x-amz-*), "payload_hash",
   "timestamp" (20240102T030405Z), "region", "access_key", "secret_key",
   "token" (or null); null fields may be left out}
and prints one JSON object per line: {"url", "authorization"}, where the URL
is built with botocore's own percent-encoding and the Authorization header
comes from botocore.auth.S3SigV4Auth (the signer boto3 uses for S3).
"""
import datetime
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode, percent_encode_sequence


class FixedPayloadSigner(botocore.auth.S3SigV4Auth):
    """S3SigV4Auth with the payload hash given instead of read from a body."""

    def __init__(self, credentials, region, payload_hash):
        super().__init__(credentials, "s3", region)
        self._payload_hash = payload_hash

    def payload(self, request):
        return self._payload_hash


def sign(spec):
    path = ""
    if spec.get("bucket") is not None:
        path += "/" + percent_encode(spec["bucket"])
    if spec.get("key") is not None:
        path += "/" + percent_encode(spec["key"], safe="/~")
    url = spec["base"] + (path or "/")
    if spec["params"]:
        url += "?" + percent_encode_sequence([tuple(pair) for pair in spec["params"]])
    moment = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda *args, **kwargs: moment
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("token"))
    request = AWSRequest(method=spec["method"], url=url, headers=dict(spec["headers"]), data=b"")
    FixedPayloadSigner(credentials, spec["region"], spec["payload_hash"]).add_auth(request)
    return {"url": url, "authorization": request.headers["Authorization"]}


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(sign(json.loads(line))), flush=False)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
