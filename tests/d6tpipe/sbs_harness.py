"""Harness of the d6tpipe side-by-side suite: one moto S3 server, the original
d6tpipe 1.2.7 (in this process) and datapipe (its JSON-RPC bridge in a child
process), pointed at the same buckets.

Importing this module isolates the process first: HOME goes to a fresh temp
folder (d6tcollect writes ~/.d6tcollect/collect.sqlite on import, d6tpipe its
config), every AWS_* variable is dropped (nothing may reach a real account),
D6TCOLLECT_SVR points at a closed loopback port, and d6tcollect.submit is False
before d6tpipe is imported, so no telemetry can leave the machine.
"""

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SESSION_TMP = Path(tempfile.mkdtemp(prefix="d6tpipe-sbs-"))
UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens there


def _isolate():
    home = SESSION_TMP / "home"
    home.mkdir()
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(
        HOME=str(home),
        D6TCOLLECT_SVR=UNREACHABLE,
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    for key in ("DATAPIPE_CONFIG", "DATAPIPE_PROFILE"):
        os.environ.pop(key, None)


_isolate()

import d6tcollect  # noqa: E402  (after _isolate: it reads HOME and D6TCOLLECT_SVR on import)

d6tcollect.submit = False
d6tcollect.host = UNREACHABLE

import d6tpipe  # noqa: E402
import d6tpipe.api  # noqa: E402
import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402

d6tcollect.submit = False  # d6tpipe sets it too; keep it whatever a later import does

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def datapipe_binary():
    return Path(os.environ.get("DATAPIPE_BIN") or REPO / ".build" / "debug" / "datapipe")


# --------------------------------------------------------------------------
# moto


class MotoServer:
    """scripts/s3-moto-server.py in a child process: loopback, free port,
    stops when its stdin closes."""

    def __init__(self, log_path):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "scripts" / "s3-moto-server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=60)
            self.port = json.loads(line)["port"]
        except (queue.Empty, ValueError, KeyError):
            self.stop()
            raise RuntimeError("moto server did not start:\n" + self.log_path.read_text()) from None
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # our own child, by its handle
                self.proc.wait()
        self._log.close()


class ThirdParty:
    """Someone else writing to the bucket with plain boto3."""

    def __init__(self, endpoint, bucket):
        self.bucket = bucket
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)

    def create_bucket(self):
        self.s3.create_bucket(Bucket=self.bucket)

    def put(self, key, body):
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def put_multipart(self, key, body, part_size):
        import io
        config = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size)
        self.s3.upload_fileobj(io.BytesIO(body), self.bucket, key, Config=config)

    def objects(self, prefix):
        """{key relative to prefix: {etag, size, last_modified, body}}, keys ending in / left out."""
        out = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for o in page.get("Contents", []):
                if o["Key"].endswith("/"):
                    continue
                body = self.s3.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read()
                out[o["Key"][len(prefix):]] = {
                    "etag": o["ETag"].strip('"'), "size": o["Size"], "last_modified": o["LastModified"],
                    "body": body}
        return out


def next_second():
    """Sleep into the next wall-clock second: S3 LastModified has 1 s resolution,
    so objects written after this are strictly newer than those written before."""
    time.sleep(1.0 - (time.time() % 1.0) + 0.05)


# --------------------------------------------------------------------------
# datapipe


class RpcError(Exception):
    def __init__(self, method, error):
        self.method = method
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data") or {}
        self.type = self.data.get("type")
        super().__init__(f"{method}: {self.code} {self.type} {self.message} {json.dumps(self.data)}")


class DataPipe:
    """One `datapipe rpc` session (NDJSON over stdin/stdout) with its own
    config file, profile database and file repo under `root`."""

    TIMEOUT = 60

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.config = self.root / "cfg.json"
        binary = datapipe_binary()
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `swift build --product datapipe` in {REPO}")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DATAPIPE_"))}
        self.env.update(HOME=str(self.root / "home"), DATAPIPE_CONFIG=str(self.config))
        self._stderr = open(self.root / "datapipe-rpc.log", "w")
        self.proc = subprocess.Popen(
            [str(binary), "rpc", "--config", str(self.config)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=self.env)
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._id = 0
        self.filerepo = Path(self.call("config.init", filerepo=str(self.root / "repo"))["filerepo"])

    def _read(self):
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def call(self, method, **params):
        self._id += 1
        request = {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + self.TIMEOUT
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"datapipe gave no answer to {method} in {self.TIMEOUT} s") from None
            if line is None:
                raise RuntimeError(f"datapipe rpc exited during {method}:\n" + self.log())
            reply = json.loads(line)
            if reply.get("id") != self._id:
                continue  # $/progress, $/log notifications
            if "error" in reply:
                raise RpcError(method, reply["error"])
            return reply["result"]

    def log(self):
        if not self._stderr.closed:
            self._stderr.flush()
        return (self.root / "datapipe-rpc.log").read_text()

    def cli(self, *args):
        """The d6tpipe-style CLI on the same config; returns its parsed JSON output."""
        done = subprocess.run(
            [str(datapipe_binary()), *args, "--config", str(self.config)], env=self.env,
            capture_output=True, text=True, timeout=self.TIMEOUT)
        assert done.returncode == 0, f"datapipe {' '.join(args)} failed: {done.stderr}"
        return json.loads(done.stdout)

    def upsert(self, settings):
        return self.call("pipes.upsert", settings=settings)

    def pipe_dir(self, name):
        return self.filerepo / name

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # our own child, by its handle
                self.proc.wait()
        self._stderr.close()


# --------------------------------------------------------------------------
# d6tpipe


class D6t:
    """d6tpipe 1.2.7 in local mode (APILocal, TinyDB) with its own cfg.json and
    file repo under `root`; boto3 reaches moto through AWS_ENDPOINT_URL."""

    def __init__(self, root, profile="sbs"):
        self.root = Path(root)
        self.cfg = str(self.root / "d6tcfg.json")
        d6tpipe.api.ConfigManager(profile=profile, filecfg=self.cfg).init({"filerepo": str(self.root)})
        self.api = d6tpipe.APILocal(profile=profile, filecfg=self.cfg)

    def pipe(self, settings):
        d6tpipe.upsert_pipe(self.api, settings)
        return d6tpipe.Pipe(self.api, settings["name"])


def d6t_pull_preview(pipe, mode="default", **kwargs):
    """d6tpipe's pull_preview has no mode argument: the Pipe's mode is used."""
    pipe.setmode(mode)
    try:
        return pipe.pull_preview(**kwargs)
    finally:
        pipe.setmode("default")


def d6t_push_preview(pipe, mode="default", **kwargs):
    pipe.setmode(mode)
    try:
        return pipe.push_preview(**kwargs)
    finally:
        pipe.setmode("default")


def d6t_push(pipe, mode="default", **kwargs):
    pipe.setmode(mode)
    try:
        return pipe.push(**kwargs)
    finally:
        pipe.setmode("default")


# --------------------------------------------------------------------------
# helpers


def pipe_settings(name, bucket, prefix, endpoint, **extra):
    """The same settings dict serves both: d6tpipe ignores options.endpoint_url
    (it reaches moto through AWS_ENDPOINT_URL), datapipe needs it."""
    settings = {
        "name": name, "protocol": "s3",
        "options": {"remotepath": f"s3://{bucket}/{prefix}", "endpoint_url": endpoint},
        "credentials": dict(CREDENTIALS)}
    options = extra.pop("options", {})
    settings["options"].update(options)
    settings.update(extra)
    return settings


def tree(folder):
    """{relative posix path: bytes} of every file under folder."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_files(folder, files):
    for name, body in files.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def parse_time(text):
    """d6tpipe: '2026-11-27 19:20:31+00:00'; datapipe: '2026-11-27T19:20:31.000Z'."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def cleanup_session_tmp():
    if os.environ.get("DATAPIPE_SBS_KEEP"):
        print(f"\nkept {SESSION_TMP}")
        return
    shutil.rmtree(SESSION_TMP, ignore_errors=True)
