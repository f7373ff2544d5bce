"""The original d6tpipe 1.2.7 client, unchanged, against `datapipe serve`."""

import sqlite3

import d6tpipe
import d6tpipe.api
import pytest
from d6tpipe.http_client.client import APIError
from server_harness import Client, DatapipeServer

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing-secret-value"}


def registered(client, username, password="pw-" + "x" * 8):
    c = client()
    token = c.api.register(username, f"{username}@example.org", password)
    assert token and len(token) == 64
    c.reload()
    assert c.api.username == username
    return c


def parent_settings(bucket, name="parent"):
    return {"name": name, "protocol": "s3", "location": bucket.bucket, "credentials": dict(CREDENTIALS)}


def test_register_login_forgot_set_token(client, server):
    alice = registered(client, "alice", password="s3cret-pw")
    token = alice.api.token

    other = client()
    assert other.api.login("alice", "s3cret-pw") == token
    assert other.reload().username == "alice"
    assert other.api.forgotToken("alice", "s3cret-pw") == token
    with pytest.raises(APIError, match="Unable to log in"):
        other.api.forgotToken("alice", "wrong")

    third = client()
    third.api.setToken(token)
    assert third.reload().username == "alice"

    # a taken username: d6tpipe recognises "This field must be unique" and warns instead of raising
    with pytest.warns(UserWarning, match="already registered"):
        assert client().api.register("alice", "new@example.org", "pw") is None
    with pytest.raises(APIError, match=r"username .{1,4}public.{1,4} is reserved"):
        client().api.register("public", "p@example.org", "pw")
    assert "s3cret-pw" not in server.log() and token not in server.log()


def test_upsert_and_list_pipes_with_inheritance(client, bucket):
    alice = registered(client, "alice")
    _, parent = d6tpipe.upsert_pipe(alice.api, parent_settings(bucket))
    assert parent["options"]["remotepath"] == f"s3://{bucket.bucket}/"
    assert "credentials" not in parent
    _, child = d6tpipe.upsert_pipe(
        alice.api, {"name": "child", "parent": "parent", "options": {"dir": "team", "include": "*.csv"}})
    assert child["protocol"] == "s3" and child["parent-ultimate"] == "parent"
    assert child["options"]["remotepath"] == f"s3://{bucket.bucket}/team/"
    assert child["role"] == "write"
    # the second upsert of an existing pipe goes through PATCH
    _, child = d6tpipe.upsert_pipe(alice.api, {"name": "child", "options": {"include": "*.txt"}})
    assert child["options"]["include"] == "*.txt" and child["options"]["dir"] == "team"
    assert alice.api.list_pipes() == ["child", "parent"]
    assert alice.api.list_pipes(parent_only=True) == ["parent"]

    with pytest.raises(APIError, match="alphanumeric"):
        d6tpipe.upsert_pipe(alice.api, {"name": "bad.name!", "protocol": "s3", "location": "b"})
    with pytest.raises(APIError, match="Paths"):
        d6tpipe.upsert_pipe(alice.api, {"name": "bad", "parent": "parent", "options": {"dir": "../up"}})
    with pytest.raises(APIError, match="does not exist"):
        d6tpipe.upsert_pipe(alice.api, {"name": "orphan", "parent": "nope"})
    with pytest.raises(APIError, match="unique"):
        alice.api.cnxn.pipes.post(request_body=parent_settings(bucket))


def test_pull_and_push_through_a_child(client, bucket):
    alice = registered(client, "alice")
    d6tpipe.upsert_pipe(alice.api, parent_settings(bucket))
    d6tpipe.upsert_pipe(alice.api, {"name": "child", "parent": "parent", "options": {"dir": "team", "include": "*.csv"}})
    bucket.put("team/a.csv", b"a,b\n1,2\n")
    bucket.put("team/notes.txt", b"not included")
    bucket.put("elsewhere/x.csv", b"outside the child")

    pipe = alice.pipe("child")
    pulled = pipe.pull(cached=False)
    assert sorted(pulled) == ["a.csv"]
    assert (alice.folder("child") / "a.csv").read_bytes() == b"a,b\n1,2\n"
    assert not (alice.folder("child") / "notes.txt").exists()

    (alice.folder("child") / "new.csv").write_bytes(b"x\n9\n")
    pushed = pipe.push(cached=False)
    assert sorted(pushed) == ["new.csv"]
    assert bucket.objects("team/")["new.csv"]["body"] == b"x\n9\n"


def test_sharing_read_only_and_revoke(client, bucket, server):
    alice = registered(client, "alice")
    bob = registered(client, "bob")
    d6tpipe.upsert_pipe(alice.api, parent_settings(bucket))
    d6tpipe.upsert_pipe(alice.api, {"name": "child", "parent": "parent", "options": {"dir": "team"}})
    bucket.put("team/shared.csv", b"shared\n")

    with pytest.raises(APIError, match="403"):
        bob.pipe("child")
    assert bob.api.list_pipes() == []

    d6tpipe.upsert_permissions(alice.api, "parent", {"username": "bob", "role": "read"})
    assert bob.api.list_pipes() == ["child", "parent"]
    pipe = bob.pipe("child")
    assert pipe.role == "read"
    assert sorted(pipe.pull(cached=False)) == ["shared.csv"]
    (bob.folder("child") / "mine.csv").write_bytes(b"bob\n")
    with pytest.raises(ValueError, match="Read-only"):
        pipe.push(cached=False)
    with pytest.raises(APIError, match="403"):
        bob.api.cnxn.pipes._("child").credentials.get(query_params={"role": "write"})
    with pytest.raises(APIError, match="403"):
        d6tpipe.upsert_permissions(bob.api, "child", {"username": "bob", "role": "write"})

    d6tpipe.upsert_permissions(alice.api, "parent", {"username": "bob", "role": "revoke"})
    with pytest.raises(APIError, match="403"):
        bob.pipe("child")

    # an email invite for someone not registered yet applies when they register
    d6tpipe.upsert_permissions(alice.api, "child", {"email": "carol@example.org", "role": "write"})
    carol = registered(client, "carol")
    assert carol.pipe("child").role == "write"

    # the stored credentials are sealed: the secret is nowhere in the database files
    stored = b"".join(p.read_bytes() for p in server.db.parent.glob("server.sqlite*"))
    assert b"testing-secret-value" not in stored and alice.api.token.encode() not in stored


def test_unregister_only_yourself(client):
    alice = registered(client, "alice")
    bob = registered(client, "bob")
    with pytest.raises(APIError, match="can only unregister yourself"):
        bob.api._unregister("alice")
    bob.api._unregister("bob")
    with pytest.raises(APIError, match="401"):
        bob.api.cnxn.pipes.get()
    assert alice.api.list_pipes() == []


def test_restart_keeps_accounts_pipes_and_credentials(client, server, bucket):
    alice = registered(client, "alice", password="restart-pw")
    d6tpipe.upsert_pipe(alice.api, parent_settings(bucket))
    server.stop()
    assert server.exit_code == 0, server.log()
    with sqlite3.connect(server.db) as db:
        assert [r[0] for r in db.execute("SELECT name FROM pipes")] == ["parent"]

    again = DatapipeServer(server.root)
    try:
        c = Client(again.url, server.root.parent / "after-restart")
        assert c.api.login("alice", "restart-pw") == alice.api.token
        creds = c.reload().cnxn.pipes._("parent").credentials.get(query_params={"role": "read"})[1]
        assert creds == CREDENTIALS
    finally:
        again.stop()
