"""d6tpipe 1.2.7 and datapipe side by side over SFTP, on one real sshd
(sftp_harness: the sshd, and the harness patches d6tpipe's SFTP path needs).
The same remote folders, the same settings, the answers compared."""

import os
import shutil

import pytest

import sbs_harness as h
import sftp_harness as s


@pytest.fixture(scope="module")
def sshd():
    server = s.SSHServer()
    yield server
    server.stop()


_folders = iter(range(1, 10_000))


@pytest.fixture
def remote(sshd):
    return sshd.remote_folder(f"remote-{next(_folders):03d}")


def seed(folder, files):
    """Files written into the remote folder as the SFTP user would have them."""
    h.write_files(folder, files)
    for path in folder.rglob("*"):
        shutil.chown(path, s.USER)


FILES = {"a.csv": b"day,price\n1,3\n", "sub/b.csv": b"x\n", "notes.txt": b"not data\n"}


def test_scan_remote_names_sizes_and_crc_agree(sshd, remote, dp, d6t):
    seed(remote, FILES)
    settings = sshd.settings("scan", remote)
    _, theirs = d6t.pipe(settings).scan_remote(attributes=True)
    dp.upsert(settings)
    ours = dp.call("pipe.scan_remote", pipe="scan", attributes=True)
    assert sorted(f["filename"] for f in ours) == sorted(f["filename"] for f in theirs) == sorted(FILES)
    theirs_by_name = {f["filename"]: f for f in theirs}
    for mine in ours:
        other = theirs_by_name[mine["filename"]]
        assert mine["size"] == other["size"]
        assert mine["crc"] == other["crc"], "both use mtime-size over SFTP"


def test_d6tpipe_pushes_datapipe_pulls_the_same(sshd, remote, dp, d6t):
    settings = sshd.settings("up", remote)
    pipe = d6t.pipe(settings)
    h.write_files(pipe.dirpath, FILES)
    assert sorted(pipe.push()) == sorted(FILES)
    dp.upsert(settings)
    assert dp.call("pipe.pull_preview", pipe="up")["files"] == sorted(FILES)
    assert dp.call("pipe.pull", pipe="up")["files"] == sorted(FILES)
    assert h.tree(dp.pipe_dir("up")) == FILES
    assert dp.call("pipe.is_synced", pipe="up")["synced"] is True


def test_datapipe_pushes_d6tpipe_pulls_the_same(sshd, remote, dp, d6t):
    settings = sshd.settings("down", remote)
    dp.upsert(settings)
    h.write_files(dp.pipe_dir("down"), FILES)
    assert dp.call("pipe.push_preview", pipe="down")["files"] == sorted(FILES)
    assert dp.call("pipe.push", pipe="down")["files"] == sorted(FILES)
    pipe = d6t.pipe(settings)
    assert sorted(pipe.pull_preview()) == sorted(FILES)
    assert sorted(pipe.pull()) == sorted(FILES)
    assert h.tree(pipe.dirpath) == FILES
    assert sorted(os.listdir(remote)) == ["a.csv", "notes.txt", "sub"], "no temporary names left on the server"


def test_include_filter_and_a_remote_change_agree(sshd, remote, dp, d6t):
    seed(remote, FILES)
    settings = sshd.settings("filtered", remote, options={"include": "*.csv"})
    pipe = d6t.pipe(settings)
    dp.upsert(settings)
    assert sorted(pipe.pull()) == dp.call("pipe.pull", pipe="filtered")["files"] == ["a.csv", "sub/b.csv"]
    # A newer a.csv on the server (another size, so mtime-size changes even within the second).
    seed(remote, {"a.csv": b"day,price\n1,3\n2,4\n"})
    assert pipe.pull_preview(cached=False) == dp.call("pipe.pull_preview", pipe="filtered", cached=False)["files"] == [
        "a.csv"]
