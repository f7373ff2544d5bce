"""The errors openrpc.json documents are the errors the binary returns.

Each case provokes an application error through the real binary and checks
that the method lists the error's code, that `data.type` matches it, that
every fact in `data` is one openrpc.json documents for that type, and that
the facts the case expects are there.
"""

from __future__ import annotations

import json

import pytest

from bridge import OPENRPC, Bridge
from test_openrpc_examples import World

DOCUMENT = json.loads(OPENRPC.read_text())
METHODS = {m["name"]: m for m in DOCUMENT["methods"]}
ERRORS = DOCUMENT["components"]["errors"]

# The smallest valid params of each method that takes a pipe, besides `pipe`.
PIPE_PARAMS = {
    "pipe.delete_files": {"scope": "local", "confirm": True},
    "pipe.import_dir": {"path": "/tmp/export"},
    "pipe.import_files": {"paths": []},
    "pipe.reset": {"confirm": True},
    "pipe.update_settings": {"settings": {}},
}
# Calls that only a repo server answers (ServerOnly in local mode).
SERVER_ONLY = {"permissions.set", "permissions.list", "account.unregister", "pipe.watch", "pipe.credentials_reset"}
PIPE_METHODS = sorted(
    n for n, m in METHODS.items() if m["params"] and m["params"][0]["name"] == "pipe" and n not in SERVER_ONLY
)
REPO_METHODS = {
    "pipes.list": {},
    "pipes.get": {"name": "demo"},
    "pipes.delete": {"name": "demo"},
    "pipes.upsert": {"settings": {"name": "x", "protocol": "file", "options": {"remotepath": "/mnt/share/x"}}},
}


def check_error(method_name: str, reply: dict, expected_type: str, facts: dict) -> None:
    assert "error" in reply, "{} did not fail: {}".format(method_name, reply)
    error = reply["error"]
    documented = {e["code"]: e for e in METHODS[method_name]["errors"]}
    assert error["code"] in documented, "{} returned {}, which openrpc.json does not list for it".format(
        method_name, error
    )
    data = error.get("data", {})
    assert data.get("type") == expected_type, error
    assert documented[error["code"]]["data"]["type"] == expected_type
    allowed = set(ERRORS[expected_type].get("data", {}))
    assert set(data) <= allowed, "undocumented facts in {}: {}".format(error, set(data) - allowed)
    for key, value in facts.items():
        assert data.get(key) == value, error


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.bridge.close()


@pytest.mark.parametrize("method_name", PIPE_METHODS)
def test_unknown_pipe_is_not_found(world: World, method_name: str):
    world.profile()
    params = dict(world.localize(PIPE_PARAMS.get(method_name, {})), pipe="nope")
    reply, _ = world.bridge.exchange(method_name, params)
    check_error(method_name, reply, "NotFound", {"pipe": "nope"})


@pytest.mark.parametrize("method_name", PIPE_METHODS + sorted(REPO_METHODS))
def test_server_mode_without_server_names_the_field(world: World, method_name: str):
    world.demo()
    world.bridge.call("config.update", {"changes": {"mode": "server"}})
    params = dict(world.localize(REPO_METHODS.get(method_name, PIPE_PARAMS.get(method_name, {}))))
    if method_name in PIPE_METHODS:
        params["pipe"] = "demo"
    reply, _ = world.bridge.exchange(method_name, params)
    check_error(method_name, reply, "InvalidSettings", {"field": "server"})


@pytest.mark.parametrize("method_name", sorted(SERVER_ONLY))
def test_server_only_calls_in_local_mode(world: World, method_name: str):
    world.demo()
    reply, _ = world.bridge.exchange(method_name, ACCOUNT_PARAMS[method_name])
    check_error(method_name, reply, "ServerOnly", {"mode": "local"})


def test_unreachable_server_is_remote_error_naming_it(world: World):
    world.profile()
    reply, _ = world.bridge.exchange("mode.switch", {"mode": "server", "server": "http://127.0.0.1:9"})
    check_error("mode.switch", reply, "RemoteError", {"server": "http://127.0.0.1:9", "kind": "unreachable"})


@pytest.mark.parametrize("name", ["pipes.get", "pipes.delete"])
def test_unknown_pipe_name_is_not_found(world: World, name: str):
    world.profile()
    reply, _ = world.bridge.exchange(name, {"name": "nope"})
    check_error(name, reply, "NotFound", {"pipe": "nope"})


@pytest.mark.parametrize("method_name", ["pipe.reset", "pipe.delete_files"])
def test_destructive_calls_need_confirm(world: World, method_name: str):
    world.demo()
    params = dict(PIPE_PARAMS[method_name], pipe="demo", confirm=False)
    reply, _ = world.bridge.exchange(method_name, params)
    check_error(method_name, reply, "ConfirmationRequired", {})


@pytest.mark.parametrize(
    "method_name, params, field",
    [
        ("pipe.files", {"pipe": "demo", "sortby": "color"}, "sortby"),
        ("pipe.scan_local", {"pipe": "demo", "sortby": "color"}, "sortby"),
        ("pipe.update_settings", {"pipe": "demo", "settings": {"name": "other"}}, "name"),
        ("pipes.upsert", {"settings": {"name": "x", "protocol": "gopher"}}, "protocol"),
        ("session.configure", {"profile": ""}, "profile"),
    ],
)
def test_invalid_settings_name_the_field(world: World, method_name: str, params: dict, field: str):
    world.demo()
    reply, _ = world.bridge.exchange(method_name, params)
    check_error(method_name, reply, "InvalidSettings", {"field": field})


# The smallest valid params of the account, token, mode and permission calls.
ACCOUNT_PARAMS = {
    "account.register": {"username": "me", "email": "me@example.org", "password": "pw", "server": "http://127.0.0.1:9"},
    "account.login": {"username": "me", "password": "pw", "server": "http://127.0.0.1:9"},
    "token.set": {"token": "t"},
    "mode.switch": {"mode": "local"},
    "permissions.set": {"pipe": "demo", "username": "bob", "role": "read"},
    "permissions.list": {"pipe": "demo"},
    "pipe.watch": {"pipe": "demo", "duration_ms": 0},
    "pipe.credentials_reset": {"pipe": "demo"},
    "account.unregister": {"username": "me", "confirm": True},
}
CONFIG_FREE = {"rpc.discover", "session.ping", "session.authenticate", "session.configure"}


@pytest.mark.parametrize("method_name", sorted(set(METHODS) - CONFIG_FREE))
def test_unreadable_config_names_the_file(world: World, method_name: str):
    world.config.parent.mkdir(parents=True)
    world.config.write_text("{not json")
    params = dict(world.localize(REPO_METHODS.get(method_name, PIPE_PARAMS.get(method_name, {}))))
    params.update(ACCOUNT_PARAMS.get(method_name, {}))
    if method_name in PIPE_METHODS:
        params["pipe"] = "demo"
    if method_name == "config.update":
        params = {"changes": {}}
    reply, _ = world.bridge.exchange(method_name, params)
    check_error(method_name, reply, "InvalidSettings", {"config_file": str(world.config)})


def test_import_of_missing_files_is_not_found(world: World):
    world.demo()
    missing = str(world.place("/tmp/new.csv"))
    reply, _ = world.bridge.exchange("pipe.import_files", {"pipe": "demo", "paths": [missing]})
    check_error("pipe.import_files", reply, "NotFound", {"files": [missing]})


@pytest.mark.parametrize("method_name", ["pipe.scan_remote", "pipe.pull", "pipe.pull_preview", "pipe.is_synced"])
def test_broken_remote_is_remote_error(world: World, method_name: str):
    world.profile()
    remote = world.place("/mnt/share/not-a-folder")
    remote.parent.mkdir(parents=True)
    remote.write_text("a file where the remote folder should be")
    settings = {"name": "demo", "protocol": "file", "options": {"remotepath": str(remote)}}
    world.bridge.call("pipes.upsert", {"settings": settings})
    reply, _ = world.bridge.exchange(method_name, {"pipe": "demo"})
    check_error(method_name, reply, "RemoteError", {"protocol": "file", "location": str(remote)})


def test_pull_over_local_changes_is_conflict(world: World):
    world.demo()
    world.remote("a.csv", "1\n")
    world.bridge.call("pipe.pull", {"pipe": "demo"})
    world.local("a.csv", "mine\n")
    world.remote("a.csv", "theirs, longer\n")
    reply, _ = world.bridge.exchange("pipe.pull", {"pipe": "demo", "cached": False})
    check_error("pipe.pull", reply, "Conflict", {"files": ["a.csv"]})
    assert world.place("/home/me/datapipe/files/default/demo/a.csv").read_text() == "mine\n"


@pytest.mark.parametrize("method_name", ["pipe.push", "pipe.push_preview"])
def test_push_before_pulling_remote_changes_is_not_synced(world: World, method_name: str):
    world.demo()
    world.remote("a.csv", "1\n")
    world.bridge.call("pipe.pull", {"pipe": "demo"})
    world.remote("b.csv", "new remotely\n")
    world.local("c.csv", "new locally\n")
    reply, _ = world.bridge.exchange(method_name, {"pipe": "demo", "cached": False})
    check_error(method_name, reply, "NotSynced", {"files": ["b.csv"]})
