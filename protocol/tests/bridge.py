"""A `datapipe rpc` child over stdio, spoken to in NDJSON, one call at a time.

Calls wait for their own reply and keep the notifications that came before it,
so a test sees the `$/progress` messages of each call.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OPENRPC = REPO / "protocol" / "openrpc.json"
REPLY_TIMEOUT = 60  # seconds; generous for a loaded CI machine


def binary() -> str:
    """The datapipe binary under test: $DATAPIPE_BIN or the debug build."""
    return os.environ.get("DATAPIPE_BIN") or str(REPO / ".build" / "debug" / "datapipe")


class RPCError(Exception):
    """An error reply: `error` is its error object."""

    def __init__(self, method: str, error: dict):
        super().__init__("{} failed: {}".format(method, json.dumps(error)))
        self.error = error


class Bridge:
    """`datapipe rpc` with a config file and HOME of its own."""

    def __init__(self, home: Path, config: Path, profile: str = "default"):
        env = dict(os.environ, HOME=str(home))
        for var in ("DATAPIPE_CONFIG", "DATAPIPE_PROFILE"):
            env.pop(var, None)
        self.proc = subprocess.Popen(
            [binary(), "rpc", "--config", str(config), "--profile", profile],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(home),
        )
        self.messages: "queue.Queue[dict | None]" = queue.Queue()
        self.stderr: list[str] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def exchange(self, method: str, params=None) -> tuple[dict, list[dict]]:
        """Sends one request; returns its reply and the notifications before it."""
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            request["params"] = params
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        notifications = []
        while True:
            try:
                message = self.messages.get(timeout=REPLY_TIMEOUT)
            except queue.Empty:
                raise AssertionError("no reply to {} within {} s; stderr: {}".format(method, REPLY_TIMEOUT, self.stderr))
            assert message is not None, "the bridge ended before answering {}; stderr: {}".format(method, self.stderr)
            if "id" in message and "method" not in message:
                assert message["id"] == self.next_id, "reply to another request: {}".format(message)
                return message, notifications
            notifications.append(message)

    def call(self, method: str, params=None):
        """The result of a call; raises RPCError on an error reply."""
        reply, _ = self.exchange(method, params)
        if "error" in reply:
            raise RPCError(method, reply["error"])
        return reply["result"]

    def close(self) -> None:
        """Ends stdin and waits for the bridge's clean exit (status 0)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            status = self.proc.wait(timeout=REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the bridge did not exit after end of input")
        assert status == 0, "the bridge exited with {}; stderr: {}".format(status, "".join(self.stderr))
