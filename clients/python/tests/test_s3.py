"""Local mode over S3 on a real moto server: the Client and the d6tpipe face.

moto runs as scripts/s3-moto-server.py --auth (loopback, free port, every
request's SigV4 signature checked, keys of an IAM user it makes);
the bucket is made and read back with plain boto3, so what datapipe wrote is
checked by a client other than its own. The pipes use whole buckets: moto
5.1 rejects the signature of any ListObjectsV2 whose `prefix` holds a `/`
(boto3's own requests too), so key prefixes are covered by the Swift S3
suite on moto without signature checks.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import uuid

import pytest

import boto3  # installed with moto[server] by scripts/install-deps.sh

import datapipe_client.d6tpipe as d6tpipe
from datapipe_client import Client, ConflictError, RemoteError

from conftest import REPO

@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """One moto S3 server for the module, checking signatures: (endpoint, keys)."""
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    proc = subprocess.Popen([sys.executable, str(REPO / "scripts" / "s3-moto-server.py"), "--auth"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        ready = json.loads(lines.get(timeout=60))
        endpoint = "http://127.0.0.1:{}".format(ready["port"])
        keys = {"aws_access_key_id": ready["access_key"], "aws_secret_access_key": ready["secret_key"]}
    except (queue.Empty, ValueError, KeyError):
        proc.kill()
        raise AssertionError("moto did not start (log: {})".format(log.name))
    yield endpoint, keys
    proc.stdin.close()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture
def bucket(moto):
    """A fresh bucket: (name, boto3 client)."""
    endpoint, keys = moto
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
    name = "dp-" + uuid.uuid4().hex[:16]
    s3.create_bucket(Bucket=name)
    return name, s3


def s3_settings(moto, name, bucket, prefix="", keys=None):
    endpoint, moto_keys = moto
    return {"name": name, "protocol": "s3",
            "options": {"remotepath": "s3://{}/{}".format(bucket, prefix), "endpoint_url": endpoint},
            "credentials": dict(keys or moto_keys)}


def objects(s3, bucket):
    """key -> content of every object in the bucket."""
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_client_push_pull_and_conflict_over_s3(moto, bucket, cfg, tmp_path):
    name, s3 = bucket
    settings = s3_settings(moto, "prices", name)
    alice = Client.stdio(config=cfg, profile="alice")
    bob = Client.stdio(config=cfg, profile="bob")
    try:
        for c, who in ((alice, "alice"), (bob, "bob")):
            c.config_init(filerepo=str(tmp_path / who))
            assert c.pipes_upsert(settings=settings)["created"] is True
        adir, bdir = tmp_path / "alice" / "prices", tmp_path / "bob" / "prices"
        adir.mkdir(parents=True)
        (adir / "a.csv").write_text("day,price\n1,3\n")
        (adir / "sub").mkdir()
        (adir / "sub" / "b.csv").write_text("x\n")
        assert alice.pipe_push(pipe="prices")["files"] == ["a.csv", "sub/b.csv"]
        # boto3 sees exactly the pushed objects under the prefix.
        assert objects(s3, name) == {"a.csv": b"day,price\n1,3\n", "sub/b.csv": b"x\n"}

        listing = bob.pipe_scan_remote(pipe="prices", attributes=True)
        assert [f["filename"] for f in listing] == ["a.csv", "sub/b.csv"]
        assert listing[0]["size"] == 14
        assert bob.pipe_pull(pipe="prices")["files"] == ["a.csv", "sub/b.csv"]
        assert (bdir / "a.csv").read_text() == "day,price\n1,3\n"

        # Someone else changes the object while bob edits his copy: the pull refuses.
        s3.put_object(Bucket=name, Key="a.csv", Body=b"day,price\n1,4\n")
        (bdir / "a.csv").write_text("day,price\n1,5\n")
        with pytest.raises(ConflictError) as conflict:
            bob.pipe_pull(pipe="prices", cached=False)
        assert conflict.value.files == ["a.csv"]
        assert (bdir / "a.csv").read_text() == "day,price\n1,5\n"
        assert bob.pipe_pull(pipe="prices", cached=False, merge_mode="keep")["kept"] == ["a.csv"]
        assert (bdir / "a.csv").read_text() == "day,price\n1,5\n"
    finally:
        alice.close()
        bob.close()


def test_bad_s3_secret_is_a_remote_error_without_the_secret(moto, bucket, cfg, tmp_path):
    name, _ = bucket
    secret = "wrong-secret-" + uuid.uuid4().hex
    key_id = moto[1]["aws_access_key_id"]
    with Client.stdio(config=cfg) as c:
        c.config_init(filerepo=str(tmp_path / "repo"))
        c.pipes_upsert(settings=s3_settings(moto, "p", name, keys={
            "aws_access_key_id": key_id, "aws_secret_access_key": secret}))
        with pytest.raises(RemoteError) as failed:
            c.pipe_scan_remote(pipe="p", cached=False)
        assert failed.value.data["protocol"] == "s3"
        assert name in failed.value.data["location"]
        assert secret not in str(failed.value) + json.dumps(failed.value.data)


def test_d6tpipe_face_over_s3(moto, bucket, tmp_path, home):
    """d6tpipe's documented flow, on S3: upsert, push, the other profile pulls."""
    name, s3 = bucket
    settings = s3_settings(moto, "sales", name)
    d6tpipe.api.ConfigManager().init({"filerepo": str(tmp_path / "repo1")})
    d6tpipe.api.ConfigManager(profile="user2").init({"filerepo": str(tmp_path / "repo2")})
    api = d6tpipe.api.APILocal()
    response, data = d6tpipe.upsert_pipe(api, settings)
    assert response.status_code == 201 and data["name"] == "sales"
    pipe = d6tpipe.Pipe(api, "sales")
    (pipe.dirpath / "q1.csv").write_text("a,b\n1,2\n")
    assert pipe.push_preview() == ["q1.csv"]
    assert pipe.push() == ["q1.csv"]
    assert objects(s3, name) == {"q1.csv": b"a,b\n1,2\n"}

    api2 = d6tpipe.api.APILocal(profile="user2")
    d6tpipe.upsert_pipe(api2, settings)
    pipe2 = d6tpipe.Pipe(api2, "sales")
    assert pipe2.scan_remote() == ["q1.csv"]
    assert pipe2.pull() == ["q1.csv"]
    assert (pipe2.dirpath / "q1.csv").read_text() == "a,b\n1,2\n"
    assert pipe2.is_synced() is True
    # A local edit not pushed: d6tpipe's PullError names the file, and it stays.
    s3.put_object(Bucket=name, Key="q1.csv", Body=b"a,b\n9,9\n")
    (pipe2.dirpath / "q1.csv").write_text("mine\n")
    with pytest.raises(d6tpipe.PullError) as refused:
        pipe2.pull(cached=False)
    assert "q1.csv" in str(refused.value) and refused.value.files == ["q1.csv"]
    assert (pipe2.dirpath / "q1.csv").read_text() == "mine\n"
