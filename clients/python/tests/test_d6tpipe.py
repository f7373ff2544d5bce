"""The d6tpipe facade: d6tpipe's names, arguments and return values over the bridge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import datapipe_client.d6tpipe as d6tpipe
from datapipe_client import InvalidSettingsError, NotFoundError, PermissionDeniedError, RemoteError, ServerOnlyError

# A script written the way d6tpipe's docs write them; only the import line differs.
DOC_SCRIPT = textwrap.dedent(
    """
    import datapipe_client.d6tpipe as d6tpipe  # was: import d6tpipe
    import json, sys

    remote, repo1, repo2, extra = sys.argv[1:5]

    # Configuring d6tpipe: custom file repo BEFORE init, a second profile
    d6tpipe.api.ConfigManager().init({'filerepo': repo1})
    d6tpipe.api.ConfigManager(profile='user2').init({'filerepo': repo2})

    # register a pipe and push files
    api = d6tpipe.api.APILocal()
    settings = {'name': 'demo', 'protocol': 'file', 'options': {'remotepath': remote},
                'schema': {'pandas': {'sep': ','}}}
    response, data = d6tpipe.upsert_pipe(api, settings)
    pipe = d6tpipe.Pipe(api, 'demo')
    (pipe.dirpath / 'Advertising.csv').write_text('TV,radio\\n1,2\\n')
    pipe.import_dir(extra)
    preview = pipe.push_preview()
    pushed = pipe.push()

    # the other user pulls
    api2 = d6tpipe.api.APILocal(profile='user2')
    d6tpipe.upsert_pipe(api2, settings)
    pipe2 = d6tpipe.pipe.Pipe(api2, 'demo')
    pipe2.pull_preview()
    pulled = pipe2.pull()
    text = open(pipe2.dirpath / 'Advertising.csv').read()
    print('RESULT ' + json.dumps({
        'status': response.status_code, 'data': data, 'pipes': api.list_pipes(),
        'preview': preview, 'pushed': pushed, 'pulled': pulled,
        'remote': pipe2.scan_remote(), 'files': pipe2.files(),
        'filepaths': [str(p) for p in pipe2.filepaths()],
        'synced': pipe2.is_synced(), 'orphans': pipe2.remove_orphans(dryrun=True),
        'sep': pipe2.schema['pandas']['sep'], 'text': text, 'dir': pipe2.dir,
    }))
    """
)


def test_doc_style_script_runs_unchanged(tmp_path, home):
    script = tmp_path / "script.py"
    script.write_text(DOC_SCRIPT)
    extra = tmp_path / "extra"
    (extra / "more").mkdir(parents=True)
    (extra / "more" / "c.txt").write_text("c\n")
    remote, repo1, repo2 = tmp_path / "remote", tmp_path / "repo1", tmp_path / "repo2"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, str(script), str(remote), str(repo1), str(repo2), str(extra)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")][-1]
    r = json.loads(line[len("RESULT "):])
    assert r["status"] == 201
    assert r["data"]["name"] == "demo"
    assert r["pipes"] == ["demo"]
    assert r["preview"] == r["pushed"] == ["Advertising.csv", "more/c.txt"]
    assert r["pulled"] == ["Advertising.csv", "more/c.txt"]
    assert r["remote"] == ["Advertising.csv", "more/c.txt"]
    assert r["files"] == ["Advertising.csv", "more/c.txt"]
    assert r["filepaths"] == [str(repo2 / "demo" / "Advertising.csv"), str(repo2 / "demo" / "more" / "c.txt")]
    assert r["synced"] is True
    assert r["orphans"] == {"local": [], "remote": []}
    assert r["sep"] == ","
    assert r["text"] == "TV,radio\n1,2\n"
    assert r["dir"] == str(repo2 / "demo") + os.sep
    assert "Successfully connected to pipe demo." in proc.stdout
    assert "pushing: 0.00MB" in proc.stdout
    assert (home / ".datapipe" / "cfg.json").exists()  # the default config, under the temp HOME


@pytest.fixture
def setup(tmp_path):
    """Two profiles over one directory remote, like the d6tpipe docs' two users."""
    remote = tmp_path / "x"
    d6tpipe.api.ConfigManager().init({"filerepo": str(tmp_path / "alice")})
    d6tpipe.api.ConfigManager(profile="bob").init({"filerepo": str(tmp_path / "bob")})
    settings = {"name": "demo", "protocol": "file", "options": {"remotepath": str(remote)}}
    api = d6tpipe.APILocal()
    api2 = d6tpipe.APILocal(profile="bob")
    d6tpipe.upsert_pipe(api, settings)
    d6tpipe.upsert_pipe(api2, settings)
    a = d6tpipe.Pipe(api, "demo")
    b = d6tpipe.Pipe(api2, "demo")
    yield a, b, remote
    api.close()
    api2.close()


def test_config_manager(tmp_path, home):
    cm = d6tpipe.api.ConfigManager(profile="p1")
    assert cm.init({"filerepo": str(tmp_path / "files"), "username": "ann"}) is None
    with pytest.warns(UserWarning, match="already exists, skipping init"):
        assert cm.init({"filerepo": str(tmp_path / "elsewhere")}) is None
    cfg = cm.load()
    assert cfg["filerepo"] == str(tmp_path / "files")
    assert cfg["username"] == "ann"
    assert cm.update({"token": "t0k"}) is True
    assert cm.load()["token"] == "t0k"  # load() reveals, like d6tpipe
    cm.init({"filerepo": str(tmp_path / "reset")}, reset=True)
    assert cm.load()["filerepo"] == str(tmp_path / "reset")
    # a profile that does not exist yet is created by load(), with the default file repo
    auto = d6tpipe.api.ConfigManager(profile="auto").load()
    assert auto["filerepo"] == str(home / "datapipe" / "files" / "auto")
    assert os.path.isdir(auto["filerepo"])
    assert d6tpipe.list_profiles() == ["auto", "p1"]


def test_filecfg_maps_to_config(tmp_path, home):
    filecfg = tmp_path / "elsewhere" / "cfg.json"
    d6tpipe.api.ConfigManager(filecfg=str(filecfg)).init({"filerepo": str(tmp_path / "f")})
    assert filecfg.exists()
    assert not (home / ".datapipe" / "cfg.json").exists()
    with d6tpipe.APILocal(filecfg=str(filecfg)) as api:
        assert api.filerepo == str(tmp_path / "f")
        assert api.dirpath == tmp_path / "f"
    assert d6tpipe.list_profiles(filecfg=str(filecfg)) == ["default"]


def test_upsert_pipe_returns_response_and_data(tmp_path):
    d6tpipe.api.ConfigManager().init({"filerepo": str(tmp_path / "f")})
    with d6tpipe.APILocal() as api:
        settings = {"name": "demo", "protocol": "file", "options": {"remotepath": str(tmp_path / "x")}}
        response, data = d6tpipe.upsert_pipe(api, settings)
        assert response.status_code == 201 and data == settings
        response, data = d6tpipe.upsert_pipe(api, {"name": "demo", "schema": {"k": 1}})
        assert response.status_code == 200
        assert data["schema"] == {"k": 1} and data["options"]["remotepath"] == str(tmp_path / "x")
        assert api.list_pipes() == ["demo"]
        assert api.list_pipes(names_only=False)[0]["schema"] == {"k": 1}
        with pytest.raises(InvalidSettingsError) as info:
            d6tpipe.upsert_pipe(api, {"name": "w", "protocol": "file", "options": {"remotepath": "/r", "dir": "C:\\x"}})
        assert info.value.field == "options.dir"
        with pytest.raises(ServerOnlyError):
            d6tpipe.upsert_permissions(api, "demo", {"username": "bob", "role": "read"})


def test_pipe_constructor_checks(tmp_path):
    d6tpipe.api.ConfigManager().init({"filerepo": str(tmp_path / "f")})
    with d6tpipe.APILocal() as api:
        with pytest.raises(ValueError, match="alphanumeric"):
            d6tpipe.Pipe(api, "bad_name")
        with pytest.raises(NotFoundError):
            d6tpipe.Pipe(api, "missing")
        d6tpipe.upsert_pipe(api, {"name": "demo", "protocol": "file", "options": {"remotepath": str(tmp_path / "x")}})
        with pytest.raises(ValueError, match="Invalid mode"):
            d6tpipe.Pipe(api, "demo", mode="fresh")
        pipe = d6tpipe.Pipe(api, "demo", mode="all")
        assert pipe.mode == "all"
        pipe.setmode("new")
        assert pipe.mode == "new"
        with pytest.raises(ValueError):
            pipe.setmode("bogus")


def test_push_pull_scan_and_sync_state(setup):
    a, b, remote = setup
    (a.dirpath / "a.csv").write_text("1\n")
    (a.dirpath / "b.txt").write_text("22\n")
    assert a.scan_local() == ["a.csv", "b.txt"]
    dicts, names = a.scan_local(attributes=True)
    assert names == ["a.csv", "b.txt"] and dicts[0]["size"] == 2
    assert a.push(include="*.csv") == ["a.csv"]
    assert a.push() == ["b.txt"]
    assert a.push() == []
    assert b.pull_preview() == ["a.csv", "b.txt"]
    assert b.pull(dryrun=True) == ["a.csv", "b.txt"]
    assert b.pull() == ["a.csv", "b.txt"]
    assert b.pull() == []
    assert b.scan_remote() == ["a.csv", "b.txt"]
    empty, listing = b.scan_remote(attributes=True, cached=False)
    assert empty == () and [d["filename"] for d in listing] == ["a.csv", "b.txt"]
    assert b.files() == ["a.csv", "b.txt"]
    assert b.files(include="*.txt") == ["b.txt"]
    assert b.files(exclude=["*.txt", "*.md"]) == ["a.csv"]
    assert b.filepaths() == [b.dirpath / "a.csv", b.dirpath / "b.txt"]
    assert b.filepaths(aspathlib=False) == [str(b.dirpath / "a.csv"), str(b.dirpath / "b.txt")]
    assert b.is_synced() is True
    (a.dirpath / "c.csv").write_text("333\n")
    a.push()
    assert b.is_synced() is True  # cached listing, like d6tpipe's 5-minute cache
    b.pull_preview(cached=False)
    assert b.is_synced() is False
    with pytest.raises(d6tpipe.PushError):
        b.is_synced(israise=True)
    assert b.pull() == ["c.csv"]
    assert b.is_synced() is True


def test_pull_conflict_raises_pullerror_with_files(setup):
    a, b, remote = setup
    (a.dirpath / "a.csv").write_text("v1\n")
    a.push()
    b.pull()
    (a.dirpath / "a.csv").write_text("alice v2\n")
    a.push()
    (b.dirpath / "a.csv").write_text("bob edit\n")
    with pytest.raises(d6tpipe.PullError) as info:
        b.pull(cached=False)
    assert info.value.files == ["a.csv"]
    assert "a.csv" in str(info.value)
    assert "merge mode" in str(info.value)
    assert (b.dirpath / "a.csv").read_text() == "bob edit\n"
    with pytest.raises(ValueError, match="invalid merge mode"):
        b.pull(merge_mode="theirs")
    assert b.pull(merge_mode="overwrite") == ["a.csv"]
    assert (b.dirpath / "a.csv").read_text() == "alice v2\n"


def test_push_not_synced_raises_pusherror_before_upload(setup):
    a, b, remote = setup
    (a.dirpath / "a.csv").write_text("v1\n")
    a.push()
    b.pull()
    (a.dirpath / "a.csv").write_text("alice v2\n")
    a.push()
    (b.dirpath / "mine.csv").write_text("bob's\n")
    b.pull_preview(cached=False)  # refresh bob's listing cache
    with pytest.raises(d6tpipe.PushError) as info:
        b.push()
    assert info.value.files == ["a.csv"]
    assert "a.csv" in str(info.value) and "run pull first" in str(info.value)
    assert not (remote / "mine.csv").exists()
    with pytest.raises(d6tpipe.PushError):
        b.push_preview()
    b.setmode("all")
    assert "mine.csv" in b.push()
    assert (remote / "mine.csv").exists()


def test_remove_orphans(setup):
    a, b, remote = setup
    (a.dirpath / "a.csv").write_text("1\n")
    a.push()
    (remote / "remote-only.csv").write_text("r\n")
    assert a.scan_remote(cached=False) == ["a.csv", "remote-only.csv"]  # refreshes the cached listing
    (a.dirpath / "local-only.csv").write_text("l\n")
    with pytest.warns(UserWarning, match="dryrun active by default"):
        r = a.remove_orphans(direction="both")
    assert r == {"local": ["local-only.csv"], "remote": ["remote-only.csv"]}
    assert (a.dirpath / "local-only.csv").exists() and (remote / "remote-only.csv").exists()
    assert a.remove_orphans(dryrun=True) == {"local": ["local-only.csv"], "remote": []}
    r = a.remove_orphans("local", dryrun=False)  # the older docs' positional direction
    assert r["local"] == ["local-only.csv"]
    assert not (a.dirpath / "local-only.csv").exists()
    assert (remote / "remote-only.csv").exists()
    r = a.remove_orphans(direction="remote", dryrun=False)
    assert r["remote"] == ["remote-only.csv"]
    assert not (remote / "remote-only.csv").exists()
    assert (remote / "a.csv").exists()


def test_delete_files_prompts_like_d6tpipe(setup, monkeypatch):
    a, b, remote = setup
    (a.dirpath / "a.csv").write_text("1\n")
    (a.dirpath / "b.csv").write_text("2\n")
    a.push()
    prompts = []
    monkeypatch.setattr("builtins.input", lambda text: prompts.append(text) or "n")
    assert a.delete_files_remote(["a.csv"]) is None
    assert (remote / "a.csv").exists()
    assert prompts and "Confirm deleting ['a.csv'] files in" in prompts[0]
    monkeypatch.setattr("builtins.input", lambda text: "y")
    assert a.delete_files_remote(["a.csv"]) == {"local": [], "remote": ["a.csv"]}
    assert not (remote / "a.csv").exists()
    r = a.delete_files_local(["b.csv"], confirm=False)
    assert r["local"] == ["b.csv"]
    assert not (a.dirpath / "b.csv").exists() and (a.dirpath / "a.csv").exists()
    r = a.delete_files(confirm=False)
    assert r["remote"] == ["b.csv"]
    assert not (remote / "b.csv").exists()


def test_import_reset_update_settings(setup, tmp_path):
    a, b, remote = setup
    src = tmp_path / "src"
    (src / "deep").mkdir(parents=True)
    (src / "deep" / "one.csv").write_text("1\n")
    (src / "two.csv").write_text("2\n")
    assert a.import_files([src / "deep" / "one.csv"], subdir="in") == ["in/one.csv"]
    assert (a.dirpath / "in" / "one.csv").read_text() == "1\n"
    assert sorted(a.import_dir(str(src))) == ["deep/one.csv", "two.csv"]
    a.push()
    b.pull()
    (b.dirpath / "two.csv").write_text("scribbled\n")
    b.setmode("new")
    assert sorted(b.reset()) == ["deep/one.csv", "in/one.csv", "two.csv"]
    assert b.mode == "default"
    assert (b.dirpath / "two.csv").read_text() == "2\n"
    response, data = a.update_settings({"schema": {"pandas": {"sep": ";"}}})
    assert response.status_code == 200 and data["schema"] == {"pandas": {"sep": ";"}}
    assert a.schema == {"pandas": {"sep": ";"}}
    assert a.settings["name"] == "demo"


def test_api_local_attributes(setup):
    a, b, remote = setup
    api = a.api
    assert api.mode == "local"
    assert a.api_islocal is True
    assert api.dirpath == Path(api.filerepo)
    assert a.dirpath == api.dirpath / "demo"
    (a.dirpath / "f.csv").write_text("x\n")
    assert "demo" in api.list_local_pipes()
    assert api.list_pipes() == ["demo"]


def test_api_client_needs_a_server(tmp_path):
    d6tpipe.api.ConfigManager().init({"filerepo": str(tmp_path / "f")})
    # a profile without a server: repo calls are refused, pointing at APILocal
    with d6tpipe.APIClient() as api:
        with pytest.raises(ServerOnlyError, match="APILocal"):
            api.list_pipes()
        with pytest.raises(ServerOnlyError):
            d6tpipe.Pipe(api, "demo")
        with pytest.raises(InvalidSettingsError):
            api.setToken("abc")  # stored, but there is no server to use it on
    # a profile whose server cannot be reached: the error names it
    d6tpipe.api.ConfigManager(profile="cloud").init({"server": "http://127.0.0.1:9", "token": "t"})
    with pytest.raises(RemoteError) as info:
        d6tpipe.APIClient(profile="cloud")
    assert info.value.data.get("server") == "http://127.0.0.1:9"


def test_api_client_against_datapipe_serve(tmp_path, repo_server):
    """d6tpipe's documented server workflow, with only the import line changed."""
    remote = tmp_path / "remote"
    remote.mkdir()
    d6tpipe.api.ConfigManager(profile="ann").init({"server": repo_server, "filerepo": str(tmp_path / "ann")})
    d6tpipe.api.ConfigManager(profile="ben").init({"server": repo_server, "filerepo": str(tmp_path / "ben")})
    with d6tpipe.APIClient(profile="ann") as api, d6tpipe.APIClient(profile="ben") as api2:
        assert api.token is None
        api.register("ann", "ann@example.org", "ann-pw-1")
        api2.register("ben", "ben@example.org", "ben-pw-1")
        assert len(api.token) == 64 and api.username == "ann"
        response, data = d6tpipe.upsert_pipe(
            api, {"name": "vendor", "protocol": "file", "options": {"remotepath": str(remote)}})
        assert response.status_code == 201 and data["owner"] == "ann"
        pipe = d6tpipe.Pipe(api, "vendor")
        (pipe.dirpath / "a.csv").write_text("1,2\n")
        assert pipe.push() == ["a.csv"]
        assert (remote / "a.csv").read_text() == "1,2\n"

        assert api2.list_pipes() == []
        response, grant = d6tpipe.upsert_permissions(api, "vendor", {"username": "ben", "role": "read"})
        assert response.status_code == 201 and grant["role"] == "read"
        assert api2.list_pipes() == ["vendor"]
        pipe2 = d6tpipe.Pipe(api2, "vendor")
        assert pipe2.pull() == ["a.csv"]
        assert (pipe2.dirpath / "a.csv").read_text() == "1,2\n"
        (pipe2.dirpath / "b.csv").write_text("ben's\n")
        with pytest.raises(PermissionDeniedError):
            pipe2.push()
        assert not (remote / "b.csv").exists()

    # a new APIClient on the profile uses its stored token; login retrieves the same one
    with d6tpipe.APIClient(profile="ann") as again:
        assert again.repo_mode == "server" and again.list_pipes() == ["vendor"]
        token = again.token
        again.login("ann", "ann-pw-1")
        assert again.token == token


def test_manual_config_override_warns(tmp_path):
    with pytest.warns(UserWarning, match="manual config override"):
        api = d6tpipe.APILocal(config={"filerepo": str(tmp_path / "manual")})
    try:
        assert api.filerepo == str(tmp_path / "manual")
        assert api.list_pipes() == []
    finally:
        api.close()


def test_one_bridge_per_api_shared_by_pipes(setup):
    a, b, remote = setup
    c = d6tpipe.Pipe(a.api, "demo")
    assert c.api.client is a.api.client
    assert a.api.client is not b.api.client
    proc = a.api.client.process
    a.api.close()
    assert proc.returncode == 0
