"""The Client over stdio (and a Unix socket) against the real bridge."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import sys
import socket
import threading
import time
import warnings

import pytest

from datapipe_client import (
    CancelledError,
    Client,
    ConfirmationRequiredError,
    DatapipeError,
    DatapipeWarning,
    InvalidParamsError,
    InvalidSettingsError,
    MethodNotFoundError,
    NotFoundError,
    ServerOnlyError,
    TransportError,
    error_from_reply,
)
from datapipe_client import errors as E
from datapipe_client.client import _SocketTransport


def test_session_info_uses_the_temp_home(client, home):
    info = client.session_info()
    assert info["profile"] == "default"
    assert info["mode"] == "local"
    assert info["filerepo"].startswith(str(home))


def test_binary_from_env_and_profile_argument(cfg):
    with Client.stdio(config=cfg, profile="other") as c:
        assert c.session_info()["profile"] == "other"
        assert c.process is not None
    assert c.process.returncode == 0
    assert c.closed


def test_env_overrides_reach_the_bridge(tmp_path):
    cfgfile = tmp_path / "viaenv" / "cfg.json"
    with Client.stdio(env={"DATAPIPE_CONFIG": str(cfgfile), "DATAPIPE_PROFILE": "envprof"}) as c:
        assert c.session_info()["profile"] == "envprof"
        c.config_init(filerepo=str(tmp_path / "files"))
    assert cfgfile.exists()


def test_missing_binary_is_a_clear_error(monkeypatch, tmp_path):
    with pytest.raises(FileNotFoundError, match="datapipe binary not found"):
        Client.stdio(binary=str(tmp_path / "no-such-datapipe"))
    monkeypatch.delenv("DATAPIPE_BIN")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="DATAPIPE_BIN"):
        Client.stdio()


def test_progress_callback_gets_begin_report_end(client):
    events = []
    result = client.session_ping(delay_ms=350, progress=events.append)
    assert result == {"pong": True, "waited_ms": 350}
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert "report" in kinds
    assert len({e["token"] for e in events}) == 1


def test_progress_token_param_routes_progress(client):
    events = []
    client.call("session.ping", delay_ms=150, progress_token="mine", progress=events.append)
    assert events and all(e["token"] == "mine" for e in events)
    assert events[-1]["kind"] == "end"


def test_progress_true_without_tqdm_is_harmless(client):
    assert client.session_ping(delay_ms=120, progress=True)["pong"] is True


def test_cancel_via_handle_is_fast(client):
    handle = client.call_async("session.ping", delay_ms=30000)
    time.sleep(0.2)
    started = time.monotonic()
    assert handle.cancel() is True
    with pytest.raises(CancelledError) as info:
        handle.result(timeout=10)
    assert time.monotonic() - started < 3
    assert info.value.code == -32800
    assert isinstance(info.value, concurrent.futures.CancelledError)
    assert isinstance(info.value, DatapipeError)
    assert handle.cancel() is False  # already answered
    assert client.session_ping()["pong"] is True  # the connection is still fine


def test_timeout_cancels_the_call(client):
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.session_ping(delay_ms=30000, timeout=0.3)
    assert time.monotonic() - started < 3
    assert client.session_ping()["pong"] is True


def test_many_threads_share_one_client(client):
    def work(i):
        return client.session_ping(delay_ms=(i % 5) * 40)["waited_ms"]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(work, range(48)))
    assert results == [(i % 5) * 40 for i in range(48)]


def test_params_by_position_and_as_dict(client):
    assert client.call("session.ping", [25])["waited_ms"] == 25
    assert client.call("session.ping", {"delay_ms": 30})["waited_ms"] == 30
    with pytest.raises(TypeError):
        client.call("session.ping", {"delay_ms": 1}, delay_ms=2)


def test_not_found_error(client):
    with pytest.raises(NotFoundError) as info:
        client.pipes_get(name="nope")
    assert info.value.code == -32003
    assert info.value.type == "NotFound"
    assert info.value.data["pipe"] == "nope"


def test_invalid_settings_names_the_field(client, tmp_path):
    client.config_init(filerepo=str(tmp_path / "files"))
    bad = {"name": "bad", "protocol": "file", "options": {"remotepath": str(tmp_path / "r"), "dir": "/abs"}}
    with pytest.raises(InvalidSettingsError) as info:
        client.pipes_upsert(settings=bad)
    assert info.value.field == "options.dir"
    assert info.value.code == -32007
    with pytest.raises(InvalidSettingsError) as info:
        client.pipes_upsert(settings={"name": "bad_name", "protocol": "file"})
    assert info.value.field == "name"


def test_standard_errors(client):
    with pytest.raises(InvalidParamsError) as info:
        client.call("session.info", bogus=1)
    assert info.value.path == "bogus"
    with pytest.raises(MethodNotFoundError) as info:
        client.call("no.such_method")
    assert info.value.data.get("method") == "no.such_method"


def test_confirmation_required(client, tmp_path):
    client.config_init(filerepo=str(tmp_path / "files"))
    client.pipes_upsert(settings={"name": "p", "protocol": "file", "options": {"remotepath": str(tmp_path / "r")}})
    with pytest.raises(ConfirmationRequiredError):
        client.pipe_delete_files(pipe="p", scope="local", confirm=False)


def test_server_only_calls_in_local_mode(client):
    client.config_init()
    with pytest.raises(ServerOnlyError) as info:
        client.permissions_set("demo", "read", username="bob")
    assert info.value.code == -32009
    assert info.value.data.get("mode") == "local"


def test_unreachable_server_is_a_remote_error_naming_it(client):
    client.config_update(changes={"mode": "server", "server": "http://127.0.0.1:9"})
    with pytest.raises(E.RemoteError) as info:
        client.pipes_list()
    assert info.value.data.get("server") == "http://127.0.0.1:9"
    assert info.value.data.get("kind") == "unreachable"


def test_server_mode_round_trip(client, repo_server, tmp_path):
    client.config_init(filerepo=str(tmp_path / "files"))
    account = client.account_register("ann", "ann@example.org", "ann-pw-1", server=repo_server)
    assert account == {"username": "ann", "server": repo_server}
    assert client.mode_switch("server")["mode"] == "server"
    remote = tmp_path / "remote"
    remote.mkdir()
    created = client.pipes_upsert({"name": "shared", "protocol": "file", "options": {"remotepath": str(remote)}})
    assert created["created"] is True
    assert client.pipes_list() == ["shared"]
    client.permissions_set("shared", "read", email="ben@example.org")
    grants = client.permissions_list("shared")["permissions"]
    assert [(g.get("email"), g["role"]) for g in grants] == [("ben@example.org", "read")]
    with pytest.raises(ConfirmationRequiredError):
        client.account_unregister("ann", False)
    assert client.account_unregister("ann", True)["username"] == "ann"
    assert client.token_get()["token"] is None
    with pytest.raises(DatapipeError):
        client.account_login("ann", "ann-pw-1")


def test_watch_reports_what_the_server_scans_find(client, repo_server, tmp_path):
    client.config_init(filerepo=str(tmp_path / "files"))
    client.account_register("ann", "ann@example.org", "ann-pw-1", server=repo_server)
    client.mode_switch("server")
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "a.csv").write_text("1\n")
    client.pipes_upsert({"name": "watched", "protocol": "file",
                         "options": {"remotepath": str(remote), "schedule": 0.005}})
    seen = []
    watch = client.call_async("pipe.watch", {"pipe": "watched", "since": 0, "interval_ms": 100},
                              progress=lambda p: seen.extend((c["change"], c["filename"]) for c in p["changes"]))
    deadline = time.monotonic() + 60
    while ("added", "a.csv") not in seen and time.monotonic() < deadline:
        time.sleep(0.1)
    (remote / "b.csv").write_text("2\n")
    while ("added", "b.csv") not in seen and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen == [("added", "a.csv"), ("added", "b.csv")]
    assert watch.cancel() is True
    with pytest.raises(DatapipeError) as cancelled:
        watch.result(timeout=30)
    assert cancelled.value.code == -32800
    # The cached scan answers the server's listing.
    assert client.pipe_scan_remote("watched") == ["a.csv", "b.csv"]


def test_error_mapping_covers_every_type():
    cases = {
        "AuthRequired": E.AuthRequiredError,
        "PermissionDenied": E.PermissionDeniedError,
        "NotFound": E.NotFoundError,
        "Conflict": E.ConflictError,
        "NotSynced": E.NotSyncedError,
        "RemoteError": E.RemoteError,
        "InvalidSettings": E.InvalidSettingsError,
        "ConfirmationRequired": E.ConfirmationRequiredError,
        "ServerOnly": E.ServerOnlyError,
        "LocalError": E.LocalError,
    }
    for kind, cls in cases.items():
        err = error_from_reply({"code": cls.default_code, "message": kind, "data": {"type": kind, "files": ["a"]}})
        assert type(err) is cls and err.code == cls.default_code and err.message == kind
    for code, cls in [(-32700, E.ParseError), (-32600, E.InvalidRequestError), (-32601, E.MethodNotFoundError),
                      (-32602, E.InvalidParamsError), (-32603, E.InternalError), (-32800, E.CancelledError)]:
        assert type(error_from_reply({"code": code, "message": "m"})) is cls
    assert error_from_reply({"code": -32004, "message": "c", "data": {"type": "Conflict", "files": ["x", "y"]}}).files == ["x", "y"]
    assert type(error_from_reply({"code": 1, "message": "odd"})) is DatapipeError
    # an unknown type with a known code still maps by code
    assert type(error_from_reply({"code": -32003, "message": "m", "data": {"type": "Future"}})) is E.NotFoundError


def test_bridge_death_fails_waiting_calls(client):
    handle = client.call_async("session.ping", delay_ms=30000)
    time.sleep(0.2)
    os.kill(client.process.pid, signal.SIGKILL)
    with pytest.raises(TransportError) as info:
        handle.result(timeout=10)
    assert "exited" in str(info.value)
    with pytest.raises(TransportError):
        client.session_info()


def test_close_lets_running_calls_finish(cfg):
    c = Client.stdio(config=cfg)
    handle = c.call_async("session.ping", delay_ms=300)
    c.close()
    assert handle.result(timeout=1) == {"pong": True, "waited_ms": 300}
    assert c.process.returncode == 0
    with pytest.raises(TransportError):
        c.session_info()


def test_unix_socket(unix_bridge):
    with Client.unix(unix_bridge.path) as c:
        assert c.session_info()["mode"] == "local"
        events = []
        c.session_ping(delay_ms=150, progress=events.append)
        assert events[-1]["kind"] == "end"


def test_log_notifications_become_warnings_and_progress_precedes_reply():
    """A scripted peer on a socketpair plays the bridge (no method sends $/log yet)."""
    ours, theirs = socket.socketpair()
    c = Client(_SocketTransport(ours, "pair"))
    try:
        order = []
        pending = c.call_async("x.y", progress=lambda p: order.append(p["kind"]))
        rfile = theirs.makefile("rb")
        request = json.loads(rfile.readline())
        assert request == {"jsonrpc": "2.0", "id": pending.id, "method": "x.y"}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lines = [
                {"jsonrpc": "2.0", "method": "$/log", "params": {"level": "warning", "message": "disk nearly full"}},
                {"jsonrpc": "2.0", "method": "$/progress", "params": {"token": pending.id, "kind": "begin"}},
                {"jsonrpc": "2.0", "method": "$/progress", "params": {"token": pending.id, "kind": "end"}},
                {"jsonrpc": "2.0", "id": pending.id, "result": {"ok": 1}},
            ]
            theirs.sendall(b"".join(json.dumps(m).encode() + b"\n" for m in lines))
            assert pending.result(timeout=5) == {"ok": 1}
        assert order == ["begin", "end"]
        assert any(issubclass(w.category, DatapipeWarning) and "disk nearly full" in str(w.message) for w in caught)
        # a cancel sends $/cancelRequest with the id
        second = c.call_async("x.z")
        json.loads(rfile.readline())
        second.cancel()
        assert json.loads(rfile.readline()) == {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": second.id}}
        theirs.sendall(json.dumps({"jsonrpc": "2.0", "id": second.id, "error": {"code": -32800, "message": "Request cancelled"}}).encode() + b"\n")
        with pytest.raises(CancelledError):
            second.result(timeout=5)
    finally:
        theirs.close()
        c.close(timeout=2)


def test_custom_log_handler():
    ours, theirs = socket.socketpair()
    got = []
    done = threading.Event()

    def on_log(level, message):
        got.append((level, message))
        done.set()

    c = Client(_SocketTransport(ours, "pair"), on_log=on_log)
    try:
        theirs.sendall(b'{"jsonrpc":"2.0","method":"$/log","params":{"level":"info","message":"hello"}}\n')
        assert done.wait(5)
        assert got == [("info", "hello")]
    finally:
        theirs.close()
        c.close(timeout=2)


def test_progress_true_drives_a_tqdm_bar(client, monkeypatch):
    """progress=True uses tqdm.auto.tqdm when tqdm is importable (a stand-in module here)."""
    import types

    bars = []

    class FakeTqdm:
        def __init__(self, total=None, desc=None, unit=None, **kw):
            self.total, self.desc, self.unit, self.n, self.closed, self.postfix = total, desc, unit, 0, False, None
            bars.append(self)

        def update(self, k):
            self.n += k

        def set_postfix_str(self, s, refresh=True):
            self.postfix = s

        def close(self):
            self.closed = True

    fake = types.ModuleType("tqdm")
    fake_auto = types.ModuleType("tqdm.auto")
    fake_auto.tqdm = FakeTqdm
    fake.auto = fake_auto
    monkeypatch.setitem(sys.modules, "tqdm", fake)
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake_auto)
    assert client.session_ping(delay_ms=250, progress=True)["pong"] is True
    assert len(bars) == 1
    assert bars[0].desc == "session.ping" and bars[0].closed
    assert bars[0].n >= 1 and bars[0].postfix == "done"
