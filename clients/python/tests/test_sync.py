"""Local mode over a directory remote, through the Client's RPC methods."""

from __future__ import annotations

import os

import pytest

from datapipe_client import Client, ConflictError, NotSyncedError


@pytest.fixture
def two(tmp_path, cfg):
    """alice and bob: two profiles of one config, each with its own file repo, one shared remote."""
    remote = tmp_path / "remote"
    settings = {"name": "demo", "protocol": "file", "options": {"remotepath": str(remote)}}
    alice = Client.stdio(config=cfg, profile="alice")
    bob = Client.stdio(config=cfg, profile="bob")
    for c, who in ((alice, "alice"), (bob, "bob")):
        r = c.config_init(filerepo=str(tmp_path / who))
        assert r["created"] is True and r["profile"] == who
        up = c.pipes_upsert(settings=settings)
        assert up["created"] is True
    yield alice, bob, tmp_path / "alice" / "demo", tmp_path / "bob" / "demo", remote
    alice.close()
    bob.close()


def test_push_then_pull_into_second_profile(two):
    alice, bob, adir, bdir, remote = two
    adir.mkdir(parents=True, exist_ok=True)
    (adir / "a.csv").write_text("1,2\n")
    (adir / "sub").mkdir()
    (adir / "sub" / "b.txt").write_text("hello\n")
    assert alice.pipe_push_preview(pipe="demo")["files"] == ["a.csv", "sub/b.txt"]
    events = []
    pushed = alice.pipe_push(pipe="demo", progress=events.append)
    assert pushed["files"] == ["a.csv", "sub/b.txt"]
    assert pushed["bytes"] == 4 + 6
    assert events[0]["kind"] == "begin" and events[-1]["kind"] == "end"
    assert events[-1]["files_done"] == 2
    assert sorted(os.listdir(remote)) == ["a.csv", "sub"]

    assert bob.pipe_pull_preview(pipe="demo")["files"] == ["a.csv", "sub/b.txt"]
    pulled = bob.pipe_pull(pipe="demo")
    assert pulled["files"] == ["a.csv", "sub/b.txt"]
    assert (bdir / "sub" / "b.txt").read_text() == "hello\n"
    assert bob.pipe_is_synced(pipe="demo") == {"synced": True, "pending": []}
    assert bob.pipe_files(pipe="demo") == ["a.csv", "sub/b.txt"]
    assert bob.pipe_filepaths(pipe="demo") == [str(bdir / "a.csv"), str(bdir / "sub" / "b.txt")]
    listing = bob.pipe_scan_remote(pipe="demo", attributes=True)
    assert [d["filename"] for d in listing] == ["a.csv", "sub/b.txt"]
    assert listing[0]["size"] == 4 and len(listing[0]["crc"]) == 32


def test_conflict_then_merge_modes(two):
    alice, bob, adir, bdir, remote = two
    adir.mkdir(parents=True, exist_ok=True)
    (adir / "a.csv").write_text("v1\n")
    alice.pipe_push(pipe="demo")
    bob.pipe_pull(pipe="demo")
    (adir / "a.csv").write_text("alice v2\n")
    alice.pipe_push(pipe="demo")
    (bdir / "a.csv").write_text("bob's own\n")
    with pytest.raises(ConflictError) as info:
        bob.pipe_pull(pipe="demo", cached=False)
    assert info.value.files == ["a.csv"]
    assert (bdir / "a.csv").read_text() == "bob's own\n"
    kept = bob.pipe_pull(pipe="demo", cached=False, merge_mode="keep")
    assert kept["kept"] == ["a.csv"]
    assert (bdir / "a.csv").read_text() == "bob's own\n"
    # the next remote change conflicts again; overwrite takes the remote's version
    (adir / "a.csv").write_text("alice v3\n")
    alice.pipe_push(pipe="demo")
    with pytest.raises(ConflictError):
        bob.pipe_pull(pipe="demo", cached=False)
    over = bob.pipe_pull(pipe="demo", cached=False, merge_mode="overwrite")
    assert over["files"] == ["a.csv"]
    assert (bdir / "a.csv").read_text() == "alice v3\n"


def test_not_synced_push_uploads_nothing(two):
    alice, bob, adir, bdir, remote = two
    adir.mkdir(parents=True, exist_ok=True)
    (adir / "a.csv").write_text("v1\n")
    alice.pipe_push(pipe="demo")
    bob.pipe_pull(pipe="demo")
    (adir / "a.csv").write_text("alice v2\n")
    alice.pipe_push(pipe="demo")
    (bdir / "new.csv").write_text("from bob\n")
    with pytest.raises(NotSyncedError) as info:
        bob.pipe_push(pipe="demo", cached=False)
    assert info.value.files == ["a.csv"]
    assert not (remote / "new.csv").exists()
    assert (remote / "a.csv").read_text() == "alice v2\n"
    assert bob.pipe_is_synced(pipe="demo", cached=False) == {"synced": False, "pending": ["a.csv"]}


def test_pipes_crud_and_schema(client, tmp_path):
    client.config_init(filerepo=str(tmp_path / "files"))
    s = {"name": "p1", "protocol": "file", "options": {"remotepath": str(tmp_path / "r")}, "schema": {"pandas": {"sep": ";"}}}
    assert client.pipes_upsert(settings=s)["created"] is True
    again = client.pipes_upsert(settings={"name": "p1", "options": {"include": "*.csv"}})
    assert again["created"] is False
    assert again["settings"]["options"] == {"remotepath": str(tmp_path / "r"), "include": "*.csv"}
    assert client.pipes_list() == ["p1"]
    assert client.pipes_list(names_only=False)[0]["name"] == "p1"
    assert client.pipe_schema(pipe="p1") == {"pandas": {"sep": ";"}}
    assert client.pipes_delete(name="p1") == {"deleted": True}
    assert client.pipes_list() == []
