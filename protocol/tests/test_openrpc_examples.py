"""protocol/openrpc.json is executable: every example pairing is run against
the built binary and must give its documented result, and every result must
validate against the method's result schema.

Examples use placeholder paths (/home/me, /mnt/share, /data, /tmp/export,
/tmp/new.csv). Each example runs in a world of its own: a temp dir that those
paths are moved under, HOME=<tmp>/home/me, a fresh config, and the state the
example needs (a profile, the pipe `demo` on a directory remote, files) set up
through the bridge itself or written to disk.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from bridge import OPENRPC, Bridge, binary

DOCUMENT = json.loads(OPENRPC.read_text())
METHODS = {m["name"]: m for m in DOCUMENT["methods"]}
NOTIFICATIONS = {n["name"]: n for n in DOCUMENT["x-notifications"]}
PLACEHOLDER_ROOTS = ("/home/me", "/mnt/share", "/data", "/tmp/export", "/tmp/new.csv")
VALIDATOR = jsonschema.Draft7Validator
# Server-mode examples name this server; it stands for a `datapipe serve` the
# world starts on a free loopback port.
SERVER_PLACEHOLDER = "http://repo.example.org"

# Results compared as "the example's members are there with these values"
# rather than equal: rpc.discover's example shows one member of the document.
PARTIAL_RESULTS = {"rpc.discover"}


class World:
    """A temp dir standing in for the placeholder paths, and a bridge in it."""

    def __init__(self, root: Path):
        self.root = root
        self.home = self.place("/home/me")
        self.home.mkdir(parents=True)
        self.config = self.home / ".datapipe" / "cfg.json"
        self.bridge = Bridge(self.home, self.config)
        self.serve: subprocess.Popen | None = None
        self.server_url = SERVER_PLACEHOLDER

    def server(self) -> str:
        """Starts `datapipe serve` on a free loopback port (once); its URL."""
        if self.serve is None:
            self.serve = subprocess.Popen(
                [binary(), "serve", "--listen", "127.0.0.1:0", "--db", str(self.root / "repo.sqlite")],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            line = self.serve.stdout.readline()
            assert line, "datapipe serve printed no port"
            self.server_url = "http://127.0.0.1:{}".format(json.loads(line)["port"])
        return self.server_url

    def close(self) -> None:
        self.bridge.close()
        if self.serve is not None:
            self.serve.terminate()
            self.serve.wait(timeout=60)

    def place(self, placeholder: str) -> Path:
        """Where a placeholder path lives in this world."""
        return self.root / placeholder.lstrip("/")

    def localize(self, value):
        """The value with every placeholder path moved under the world's root."""
        if isinstance(value, str):
            if value == SERVER_PLACEHOLDER:
                return self.server_url
            if any(value == p or value.startswith(p + "/") for p in PLACEHOLDER_ROOTS):
                return str(self.place(value))
            return value
        if isinstance(value, list):
            return [self.localize(v) for v in value]
        if isinstance(value, dict):
            return {k: self.localize(v) for k, v in value.items()}
        return value

    def write(self, placeholder: str, text: str) -> None:
        path = self.place(placeholder)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    # The states examples start from.

    def profile(self) -> None:
        self.bridge.call("config.init", {})

    def demo(self, **settings) -> None:
        self.profile()
        pipe = {"name": "demo", "protocol": "file", "options": {"remotepath": str(self.place("/mnt/share/demo"))}}
        pipe.update(settings)
        self.bridge.call("pipes.upsert", {"settings": pipe})

    def account(self) -> None:
        """A profile registered as `me` on the world's server (still in local mode)."""
        self.profile()
        self.bridge.call(
            "account.register",
            {"username": "me", "email": "me@example.org", "password": "correct horse battery", "server": self.server()},
        )

    def server_demo(self) -> None:
        """`me` in server mode, owning the pipe `demo` on the server."""
        self.account()
        self.bridge.call("mode.switch", {"mode": "server"})
        pipe = {"name": "demo", "protocol": "file", "options": {"remotepath": str(self.place("/mnt/share/demo"))}}
        self.bridge.call("pipes.upsert", {"settings": pipe})

    def local(self, name: str, text: str = "1,2,3\n") -> None:
        self.write("/home/me/datapipe/files/default/demo/" + name, text)

    def remote(self, name: str, text: str = "1,2,3\n") -> None:
        self.write("/mnt/share/demo/" + name, text)


def setup_synced(w: World) -> None:
    w.demo()
    w.remote("a.csv")
    w.bridge.call("pipe.pull", {"pipe": "demo"})


def setup_orphan(w: World) -> None:
    setup_synced(w)
    w.local("scratch.csv")


def setup_two_profiles(w: World) -> None:
    w.profile()
    w.bridge.call("session.configure", {"profile": "work"})
    w.bridge.call("config.init", {})


SETUPS = {
    "config.load": lambda w: (w.profile(), w.bridge.call("config.update", {"changes": {"token": "s3cret"}})),
    "config.update": World.profile,
    "pipes.upsert": World.profile,
    "pipes.get": World.demo,
    "pipes.delete": World.demo,
    "pipes.list": lambda w: (w.demo(), w.bridge.call("pipes.upsert", {"settings": {"name": "vendor-data", "protocol": "file", "options": {"remotepath": str(w.place("/mnt/share/vendor"))}}})),
    "profiles.list": setup_two_profiles,
    "pipe.update_settings": World.demo,
    "pipe.schema": lambda w: w.demo(schema={"columns": ["date", "price"]}),
    "pipe.files": setup_synced,
    "pipe.filepaths": setup_synced,
    "pipe.scan_local": lambda w: (w.demo(), w.local("a.csv"), w.local("sub/b.txt")),
    "pipe.scan_remote": lambda w: (w.demo(), w.remote("a.csv"), w.remote("sub/b.txt")),
    "pipe.pull": lambda w: (w.demo(), w.remote("a.csv")),
    "pipe.pull_preview": lambda w: (w.demo(), w.remote("a.csv")),
    "pipe.push": lambda w: (w.demo(), w.local("a.csv")),
    "pipe.push_preview": lambda w: (w.demo(), w.local("a.csv")),
    "pipe.is_synced": setup_synced,
    "pipe.remove_orphans": setup_orphan,
    "pipe.reset": lambda w: (w.demo(), w.remote("a.csv")),
    "pipe.delete_files": lambda w: (w.demo(), w.local("a.csv")),
    "pipe.import_files": lambda w: (w.demo(), w.write("/tmp/new.csv", "x\n")),
    "mode.switch": World.account,
    "account.register": lambda w: (w.profile(), w.server()),
    "account.login": World.account,
    "token.get": lambda w: (w.profile(), w.bridge.call("config.update", {"changes": {"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}})),
    "token.set": World.profile,
    "permissions.set": World.server_demo,
    "pipe.watch": World.server_demo,
    "pipe.credentials_reset": World.server_demo,
    "permissions.list": lambda w: (
        w.server_demo(),
        w.bridge.call("permissions.set", {"pipe": "demo", "email": "bob@example.org", "role": "read"}),
    ),
    "account.unregister": World.server_demo,
    "pipe.import_dir": lambda w: (w.demo(), w.write("/tmp/export/2026/a.csv", "a\n"), w.write("/tmp/export/2026/b.csv", "b\n")),
}


def contains(actual, expected) -> bool:
    """Whether every member of `expected` is in `actual` with an equal value."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and contains(actual[k], v) for k, v in expected.items())
    return actual == expected


def example_cases():
    for method in DOCUMENT["methods"]:
        for example in method["examples"]:
            yield pytest.param(method["name"], example, id="{}: {}".format(method["name"], example["name"]))


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.close()


@pytest.mark.parametrize("method_name, example", list(example_cases()))
def test_example(world: World, method_name: str, example: dict):
    method = METHODS[method_name]
    params = {p["name"]: p["value"] for p in example["params"]}
    declared = {p["name"]: p for p in method["params"]}
    for name, value in params.items():
        assert name in declared, "the example passes {}, which {} does not declare".format(name, method_name)
        VALIDATOR(declared[name]["schema"]).validate(value)
    for name, param in declared.items():
        if param.get("required"):
            assert name in params, "the example leaves out the required param {}".format(name)

    SETUPS.get(method_name, lambda w: None)(world)
    reply, notifications = world.bridge.exchange(method_name, world.localize(params))

    assert "error" not in reply, "the example failed: {}".format(reply["error"])
    result = reply["result"]
    VALIDATOR(method["result"]["schema"]).validate(result)
    expected = world.localize(example["result"]["value"])
    if method_name in PARTIAL_RESULTS:
        assert contains(result, expected), result
    else:
        assert result == expected
    for note in notifications:
        VALIDATOR(NOTIFICATIONS[note["method"]]["params"]).validate(note["params"])


def test_every_method_has_an_example():
    assert all(m["examples"] for m in DOCUMENT["methods"])


@pytest.mark.parametrize("method_name", sorted(METHODS))
def test_schemas_are_valid_json_schema(method_name: str):
    method = METHODS[method_name]
    VALIDATOR.check_schema(method["result"]["schema"])
    for param in method["params"]:
        VALIDATOR.check_schema(param["schema"])
    for error in method["errors"]:
        assert error["code"] in {e["code"] for e in DOCUMENT["components"]["errors"].values()}, error


def test_discover_serves_this_document(tmp_path):
    w = World(tmp_path)
    try:
        assert w.bridge.call("rpc.discover") == DOCUMENT
    finally:
        w.bridge.close()
