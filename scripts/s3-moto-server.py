#!/usr/bin/env python3
"""A moto S3 server on a free loopback port, for the S3 remote's tests.

Prints one JSON line once the server is ready: {"port": N} and, with --auth,
"access_key"/"secret_key" of an IAM user allowed everything: with --auth moto
checks SigV4 signatures (INITIAL_NO_AUTH_ACTION_COUNT is spent on creating
that user). Runs until stdin closes, so it never outlives the test process.
"""
import json
import os
import sys

AUTH = "--auth" in sys.argv[1:]
if AUTH:
    # Read by moto.settings at import: the 3 IAM calls below go unchecked, then every request is.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"

from moto.server import ThreadedMotoServer  # noqa: E402


def create_user(endpoint):
    import boto3

    iam = boto3.client(
        "iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap")
    iam.create_user(UserName="datapipe-test")
    key = iam.create_access_key(UserName="datapipe-test")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="datapipe-test", PolicyName="all", PolicyDocument=json.dumps(policy))
    return key["AccessKeyId"], key["SecretAccessKey"]


def main():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    ready = {"port": port}
    if AUTH:
        ready["access_key"], ready["secret_key"] = create_user(f"http://127.0.0.1:{port}")
    print(json.dumps(ready), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
