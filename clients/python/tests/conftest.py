"""Fixtures: the real datapipe binary, a throwaway HOME, bridges over stdio and TCP."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent  # clients/python/tests -> repo root
OPENRPC = REPO / "protocol" / "openrpc.json"

# The package is imported from the source tree unless it is installed.
sys.path.insert(0, str(HERE.parent))


def _binary() -> str:
    path = os.environ.get("DATAPIPE_BIN") or str(REPO / ".build" / "debug" / "datapipe")
    return path


@pytest.fixture(scope="session")
def binary() -> str:
    path = _binary()
    assert os.path.isfile(path) and os.access(path, os.X_OK), (
        "datapipe binary not found at {}: build it (`swift build --product datapipe`) or set DATAPIPE_BIN".format(path)
    )
    return path


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch, binary) -> Path:
    """Every test runs with HOME in a temp dir, so the real home is never touched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DATAPIPE_BIN", binary)
    for var in ("DATAPIPE_CONFIG", "DATAPIPE_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def cfg(tmp_path) -> str:
    """A config file path of its own (not yet created)."""
    return str(tmp_path / "cfg" / "cfg.json")


@pytest.fixture
def client(cfg):
    from datapipe_client import Client

    c = Client.stdio(config=cfg)
    yield c
    c.close()


class Bridge:
    """A `datapipe rpc --tcp|--unix` process started by a test."""

    def __init__(self, argv, listening_pattern):
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.log = []
        threading.Thread(target=self._drain, daemon=True).start()
        self.address = None
        while self.address is None:
            try:
                line = self.lines.get(timeout=20)
            except queue.Empty:
                self.stop()
                raise AssertionError("the bridge did not start listening: {}".format(self.log))
            m = re.search(listening_pattern, line)
            if m:
                self.address = m.group(1)

    def _drain(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.log.append(line)
            self.lines.put(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def tcp_bridge(binary, tmp_path, cfg):
    token_file = tmp_path / "rpc-token"
    bridge = Bridge(
        [binary, "rpc", "--tcp", "127.0.0.1:0", "--token-file", str(token_file), "--config", cfg],
        r"listening on (\S+:\d+)",
    )
    host, port = bridge.address.rsplit(":", 1)
    bridge.host, bridge.port, bridge.token_file = host, int(port), str(token_file)
    yield bridge
    bridge.stop()
    assert bridge.proc.returncode == 0, "".join(bridge.log)


@pytest.fixture
def unix_bridge(binary, tmp_path, cfg):
    path = tmp_path / "rpc.sock"
    bridge = Bridge([binary, "rpc", "--unix", str(path), "--config", cfg], r"listening on (\S+)")
    bridge.path = str(path)
    # the log line may name the socket differently; wait until it exists
    for _ in range(200):
        if path.exists():
            break
        threading.Event().wait(0.05)
    yield bridge
    bridge.stop()


@pytest.fixture
def repo_server(binary, tmp_path):
    """`datapipe serve` on a free loopback port, allowed to scan file pipes below tmp_path; its URL."""
    serve = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--db", str(tmp_path / "repo.sqlite"),
         "--scan-file-root", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        line = serve.stdout.readline()
        assert line, "datapipe serve printed no port"
        yield "http://127.0.0.1:{}".format(json.loads(line)["port"])
    finally:
        serve.terminate()
        serve.wait(timeout=60)
