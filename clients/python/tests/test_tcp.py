"""The Client over TCP with token authentication."""

from __future__ import annotations

import time

import pytest

from datapipe_client import AuthRequiredError, CancelledError, Client


def test_token_file_authenticates(tcp_bridge):
    with Client.tcp(tcp_bridge.host, tcp_bridge.port, token_file=tcp_bridge.token_file) as c:
        info = c.session_info()
        assert info["profile"] == "default"
        events = []
        c.session_ping(delay_ms=150, progress=events.append)
        assert [e["kind"] for e in events][0] == "begin" and events[-1]["kind"] == "end"


def test_token_argument_authenticates(tcp_bridge):
    token = open(tcp_bridge.token_file).read().strip()
    with Client.tcp(tcp_bridge.host, tcp_bridge.port, token=token) as c:
        assert c.session_ping()["pong"] is True


def test_wrong_token_is_refused(tcp_bridge):
    with pytest.raises(AuthRequiredError) as info:
        Client.tcp(tcp_bridge.host, tcp_bridge.port, token="0" * 64)
    assert info.value.code == -32001


def test_calls_before_authentication_fail(tcp_bridge):
    # no token and no default token file in the temp home: the connection stays unauthenticated
    with Client.tcp(tcp_bridge.host, tcp_bridge.port) as c:
        with pytest.raises(AuthRequiredError):
            c.session_info()
        with pytest.raises(AuthRequiredError):
            c.pipes_list()
        token = open(tcp_bridge.token_file).read().strip()
        assert c.session_authenticate(token) == {"ok": True}
        assert c.session_info()["mode"] == "local"


def test_cancel_over_tcp(tcp_bridge):
    with Client.tcp(tcp_bridge.host, tcp_bridge.port, token_file=tcp_bridge.token_file) as c:
        handle = c.call_async("session.ping", delay_ms=30000)
        time.sleep(0.2)
        started = time.monotonic()
        handle.cancel()
        with pytest.raises(CancelledError):
            handle.result(timeout=10)
        assert time.monotonic() - started < 3


def test_two_connections_are_independent(tcp_bridge):
    with Client.tcp(tcp_bridge.host, tcp_bridge.port, token_file=tcp_bridge.token_file) as a, Client.tcp(
        tcp_bridge.host, tcp_bridge.port
    ) as b:
        assert a.session_ping()["pong"] is True
        with pytest.raises(AuthRequiredError):
            b.session_ping()
