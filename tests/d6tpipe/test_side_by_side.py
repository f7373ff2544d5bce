"""datapipe and the original d6tpipe 1.2.7, side by side on the same moto S3
buckets.

Part 1-3: scenarios where d6tpipe is right (docs/d6tpipe-1.2.7-reference.md);
both must give the same answer. d6tpipe returns some lists in set order
(`_files_new`, exclude filters), so its lists are compared sorted and checked
for duplicates; datapipe's must already be sorted by name.

Part 4 (`test_regression_*`): where the reference documents a d6tpipe bug
(§5 B1-B6 and the push-after-pull quirk), datapipe must do the documented
thing and d6tpipe 1.2.7 is shown still doing the wrong one.
"""

import builtins
import hashlib

import pytest
from d6tpipe.exceptions import PushError

import sbs_harness as h
from sbs_harness import RpcError, d6t_pull_preview, d6t_push, d6t_push_preview, tree

INITIAL = {
    "a.csv": b"id,v\n1,a\n",
    "b.csv": b"id,v\n2,bb\n",
    "sub/c.txt": b"some text\n",
    "sub/deep/d.json": b'{"d": 4}\n',
}


def total(sizes, names):
    return sum(sizes[n] for n in names)


def same_list(d6, dp, expected):
    """d6tpipe's list (any order, no duplicates) and datapipe's (sorted) both equal expected."""
    assert sorted(d6) == expected, f"d6tpipe: {d6}"
    assert len(d6) == len(set(d6)), f"d6tpipe listed a file twice: {d6}"
    assert dp == expected, f"datapipe: {dp}"


def upload(third, prefix, files):
    for name, body in files.items():
        third.put(prefix + name, body)


def make_pair(third, dp, d6t, prefix, name="p", **extra):
    """The same pipe settings (same bucket and prefix) in datapipe and d6tpipe."""
    settings = h.pipe_settings(name, third.bucket, prefix, third.s3.meta.endpoint_url, **extra)
    dp.upsert(settings)
    return d6t.pipe(settings)


def synced_pair(third, dp, d6t, prefix="p/", files=INITIAL):
    """Upload `files`, create the pipe on both sides and pull everything on both."""
    upload(third, prefix, files)
    d6p = make_pair(third, dp, d6t, prefix)
    pulled_d6 = d6p.pull(cached=False)
    pulled_dp = dp.call("pipe.pull", pipe="p", cached=False)["files"]
    same_list(pulled_d6, pulled_dp, sorted(files))
    return d6p


# ==========================================================================
# 1. scan_remote


SCAN_FILES = {
    "a.csv": b"a,b\n1,2\n",
    "b.txt": b"hello",
    "sub/c.csv": b"c\n",
    "sub/deep/d.json": b'{"d": 1}',
    "données/é x.csv": b"unicode name, space",
}


@pytest.fixture(scope="module")
def scan_pair(module_third, module_dp, module_d6t):
    third = module_third
    upload(third, "data/", SCAN_FILES)
    third.put("data/sub/", b"")  # a folder marker: d6tpipe skips keys ending in /
    third.put("other/x.csv", b"outside the prefix")
    third.put("data-sibling/y.csv", b"shares the prefix's first letters")
    d6p = make_pair(third, module_dp, module_d6t, "data/", name="scan")
    return d6p, module_dp, third


def test_scan_remote_names(scan_pair):
    d6p, dp, _ = scan_pair
    d6 = d6p.scan_remote(cached=False)
    dpn = dp.call("pipe.scan_remote", pipe="scan", cached=False)
    assert d6 == sorted(SCAN_FILES)
    assert dpn == d6


def test_scan_remote_attributes(scan_pair):
    d6p, dp, third = scan_pair
    d6 = d6p.scan_remote(attributes=True, cached=False)[1]
    dpa = dp.call("pipe.scan_remote", pipe="scan", attributes=True, cached=False)
    s3 = third.objects("data/")
    assert [f["filename"] for f in dpa] == [f["filename"] for f in d6] == sorted(SCAN_FILES)
    for mine, theirs in zip(dpa, d6):
        name = mine["filename"]
        assert mine["size"] == theirs["size"] == len(SCAN_FILES[name]), name
        assert mine["crc"] == theirs["crc"] == s3[name]["etag"], name
        when = s3[name]["last_modified"]
        assert h.parse_time(mine["modified_at"]) == h.parse_time(theirs["modified_at"]) == when, name


def test_scan_remote_applies_pipe_default_filters(scan_pair, module_third, module_d6t):
    _, dp, third = scan_pair
    d6p = make_pair(third, dp, module_d6t, "data/", name="scanf", options={"include": "*.csv", "exclude": "sub/*"})
    d6 = d6p.scan_remote(cached=False)
    dpn = dp.call("pipe.scan_remote", pipe="scanf", cached=False)
    assert d6 == ["a.csv", "données/é x.csv"]
    assert dpn == d6


def test_cli_scan_remote_and_pull_preview_agree(scan_pair, tmp_path):
    d6p, _, third = scan_pair
    cli = h.DataPipe(tmp_path / "cli")  # a session only to set up the config, then the CLI alone
    try:
        cli.upsert(h.pipe_settings("scan", third.bucket, "data/", third.s3.meta.endpoint_url))
    finally:
        cli.close()
    scanned = cli.cli("scan", "remote", "--pipe", "scan", "--no-cache")
    d6 = d6p.scan_remote(attributes=True, cached=False)[1]
    assert [(f["filename"], f["size"], f["crc"]) for f in scanned] == \
        [(f["filename"], f["size"], f["crc"]) for f in d6]
    preview = cli.cli("pull", "--pipe", "scan", "--preview", "--no-cache")
    d6prev = d6p.pull_preview(cached=False)
    same_list(d6prev, preview["files"], sorted(SCAN_FILES))
    assert preview["bytes"] == sum(len(b) for b in SCAN_FILES.values())


def test_multipart_object_scan_and_pull(third, dp, d6t):
    big = bytes(range(256)) * (6 * 4096)  # 6 MiB in two parts: ETag "<md5 of md5s>-2"
    third.put_multipart("m/big.bin", big, part_size=5 * 1024 * 1024)
    third.put("m/small.csv", b"s\n")
    d6p = make_pair(third, dp, d6t, "m/")
    d6 = {f["filename"]: f for f in d6p.scan_remote(attributes=True, cached=False)[1]}
    dpa = {f["filename"]: f for f in dp.call("pipe.scan_remote", pipe="p", attributes=True, cached=False)}
    assert d6["big.bin"]["crc"].endswith("-2")
    assert dpa["big.bin"]["crc"] == d6["big.bin"]["crc"]
    assert dpa["big.bin"]["size"] == d6["big.bin"]["size"] == len(big)
    same_list(d6p.pull(cached=False), dp.call("pipe.pull", pipe="p", cached=False)["files"], ["big.bin", "small.csv"])
    assert tree(d6p.dirpath) == tree(dp.pipe_dir("p")) == {"big.bin": big, "small.csv": b"s\n"}


# ==========================================================================
# 2. pull_preview and pull


def test_fresh_pipe_pull_preview_then_pull(third, dp, d6t):
    upload(third, "p/", INITIAL)
    d6p = make_pair(third, dp, d6t, "p/")
    sizes = {k: len(v) for k, v in INITIAL.items()}

    d6prev = d6p.pull_preview(cached=False)
    dpprev = dp.call("pipe.pull_preview", pipe="p", cached=False)
    same_list(d6prev, dpprev["files"], sorted(INITIAL))
    assert dpprev["bytes"] == total(sizes, INITIAL)
    assert tree(d6p.dirpath) == tree(dp.pipe_dir("p")) == {}, "a preview moved files"

    d6pulled = d6p.pull(cached=False)
    dppulled = dp.call("pipe.pull", pipe="p", cached=False)
    same_list(d6pulled, dppulled["files"], sorted(INITIAL))
    assert dppulled["bytes"] == total(sizes, INITIAL)
    assert tree(d6p.dirpath) == tree(dp.pipe_dir("p")) == INITIAL

    same_list(d6p.pull_preview(cached=False), dp.call("pipe.pull_preview", pipe="p", cached=False)["files"], [])
    assert d6p.is_synced() is True
    assert dp.call("pipe.is_synced", pipe="p", cached=False) == {"synced": True, "pending": []}
    assert sorted(d6p.files()) == dp.call("pipe.files", pipe="p") == sorted(INITIAL)


@pytest.fixture(scope="module")
def changed_pair(module_third, module_dp, module_d6t):
    """Both sides pulled INITIAL; then a third party changed a.csv (a second
    later) and added sub/e.csv (another second later), so the three groups
    have distinct S3 LastModified seconds for nrecent."""
    third = module_third
    d6p = synced_pair(third, module_dp, module_d6t, prefix="c/")
    h.next_second()
    third.put("c/a.csv", b"id,v\n1,a changed by someone else\n")
    h.next_second()
    third.put("c/sub/e.csv", b"id,v\n5,e\n")
    sizes = {k: v["size"] for k, v in third.objects("c/").items()}
    return d6p, module_dp, sizes


ALL_CHANGED = ["a.csv", "b.csv", "sub/c.txt", "sub/deep/d.json", "sub/e.csv"]
PREVIEW_CASES = [
    ("default", {}, ["a.csv", "sub/e.csv"]),
    ("new", {}, ["sub/e.csv"]),
    ("all", {}, ALL_CHANGED),
    ("default", {"include": "sub/*"}, ["sub/e.csv"]),
    ("default", {"exclude": "sub/*"}, ["a.csv"]),
    ("default", {"include": "*.csv|*.json"}, ["a.csv", "sub/e.csv"]),
    ("all", {"include": "*.txt|*.json"}, ["sub/c.txt", "sub/deep/d.json"]),
    ("all", {"include": "*.csv", "exclude": "b*"}, ["a.csv", "sub/e.csv"]),
    ("all", {"exclude": "*.csv|*.txt"}, ["sub/deep/d.json"]),
    ("default", {"nrecent": 1}, ["sub/e.csv"]),
    ("default", {"nrecent": 2}, ["a.csv", "sub/e.csv"]),
    ("new", {"nrecent": 2}, ["sub/e.csv"]),
    ("all", {"nrecent": 2}, ["a.csv", "sub/e.csv"]),
    ("all", {"nrecent": 1}, ["sub/e.csv"]),
]


@pytest.mark.parametrize(
    "mode,kwargs,expected", PREVIEW_CASES,
    ids=[f"{m}-" + ("-".join(f"{k}={v}" for k, v in kw.items()) or "nofilter") for m, kw, _ in PREVIEW_CASES])
def test_pull_preview_after_third_party_changes(changed_pair, mode, kwargs, expected):
    d6p, dp, sizes = changed_pair
    d6 = d6t_pull_preview(d6p, mode=mode, cached=False, **kwargs)
    dpprev = dp.call("pipe.pull_preview", pipe="p", mode=mode, cached=False, **kwargs)
    same_list(d6, dpprev["files"], expected)
    assert dpprev["bytes"] == total(sizes, expected)


def test_pull_preview_mode_mod_datapipe_only(changed_pair):
    """d6tpipe 1.2.7 raises on mode 'mod' (B2, see test_regression_B2_*): only datapipe's answer is checked."""
    d6p, dp, sizes = changed_pair
    mod = dp.call("pipe.pull_preview", pipe="p", mode="mod", cached=False)
    assert mod == {"files": ["a.csv"], "bytes": sizes["a.csv"]}
    assert dp.call("pipe.pull_preview", pipe="p", mode="mod", nrecent=1, cached=False)["files"] == []
    assert dp.call("pipe.pull_preview", pipe="p", mode="mod", include="sub/*", cached=False)["files"] == []


def test_pull_after_third_party_changes(third, dp, d6t):
    d6p = synced_pair(third, dp, d6t)
    third.put("p/a.csv", b"id,v\n1,changed\n")
    third.put("p/sub/e.csv", b"id,v\n5,e\n")
    third.s3.delete_object(Bucket=third.bucket, Key="p/b.csv")  # a pull never deletes local files

    same_list(d6p.pull(cached=False), dp.call("pipe.pull", pipe="p", cached=False)["files"], ["a.csv", "sub/e.csv"])
    expected = dict(INITIAL, **{"a.csv": b"id,v\n1,changed\n", "sub/e.csv": b"id,v\n5,e\n"})
    assert tree(d6p.dirpath) == tree(dp.pipe_dir("p")) == expected
    same_list(d6p.pull_preview(cached=False), dp.call("pipe.pull_preview", pipe="p", cached=False)["files"], [])


def test_cached_listing_is_reused(third, dp, d6t):
    """Listings are cached for 5 minutes: a third-party change is invisible with
    cached=True until a cached=False call refreshes the listing."""
    d6p = synced_pair(third, dp, d6t)
    d6p.scan_remote()  # both caches hold the listing taken by the pull
    dp.call("pipe.scan_remote", pipe="p")
    third.put("p/late.csv", b"late\n")
    same_list(d6p.pull_preview(), dp.call("pipe.pull_preview", pipe="p")["files"], [])
    same_list(d6p.pull_preview(cached=False),
              dp.call("pipe.pull_preview", pipe="p", cached=False)["files"], ["late.csv"])
    same_list(d6p.pull_preview(), dp.call("pipe.pull_preview", pipe="p")["files"], ["late.csv"])


# ==========================================================================
# 3. push_preview and push (two prefixes of one bucket, so the two pushes never meet)

LOCAL = {
    "x.csv": b"x\n1\n",
    "y.txt": b"yy",
    "sub/z.csv": b"z\n",
    "sub/deep/w.json": b"{}",
}


def push_pair(third, dp, d6t, **extra):
    settings_d6 = h.pipe_settings("p", third.bucket, "d6/", third.s3.meta.endpoint_url, **extra)
    settings_dp = h.pipe_settings("p", third.bucket, "dp/", third.s3.meta.endpoint_url, **extra)
    dp.upsert(settings_dp)
    return d6t.pipe(settings_d6)


def pushed_pair(third, dp, d6t):
    """Both sides pushed LOCAL to their own prefix."""
    d6p = push_pair(third, dp, d6t)
    h.write_files(d6p.dirpath, LOCAL)
    h.write_files(dp.pipe_dir("p"), LOCAL)
    same_list(d6p.push(cached=False), dp.call("pipe.push", pipe="p", cached=False)["files"], sorted(LOCAL))
    return d6p


def remote_bodies(third, prefix):
    return {k: v["body"] for k, v in third.objects(prefix).items()}


def test_push_new_local_files(third, dp, d6t):
    d6p = push_pair(third, dp, d6t)
    h.write_files(d6p.dirpath, LOCAL)
    h.write_files(dp.pipe_dir("p"), LOCAL)

    d6prev = d6t_push_preview(d6p, cached=False)
    dpprev = dp.call("pipe.push_preview", pipe="p", cached=False)
    same_list(d6prev, dpprev["files"], sorted(LOCAL))
    assert dpprev["bytes"] == sum(len(b) for b in LOCAL.values())
    assert third.objects("d6/") == third.objects("dp/") == {}, "a preview uploaded"

    d6pushed = d6p.push(cached=False)
    dppushed = dp.call("pipe.push", pipe="p", cached=False)
    same_list(d6pushed, dppushed["files"], sorted(LOCAL))
    assert dppushed["bytes"] == sum(len(b) for b in LOCAL.values())
    d6remote, dpremote = third.objects("d6/"), third.objects("dp/")
    assert {k: v["body"] for k, v in d6remote.items()} == {k: v["body"] for k, v in dpremote.items()} == LOCAL
    for name, body in LOCAL.items():
        assert d6remote[name]["etag"] == dpremote[name]["etag"] == hashlib.md5(body).hexdigest(), name

    assert d6p.scan_remote(cached=False) == dp.call("pipe.scan_remote", pipe="p", cached=False) == sorted(LOCAL)
    assert d6p.is_synced() is True
    assert dp.call("pipe.is_synced", pipe="p", cached=False)["synced"] is True

    # nothing changed: both push nothing and the objects stay as they are
    same_list(d6t_push_preview(d6p, cached=False), dp.call("pipe.push_preview", pipe="p", cached=False)["files"], [])
    same_list(d6p.push(cached=False), dp.call("pipe.push", pipe="p", cached=False)["files"], [])
    assert third.objects("d6/") == d6remote
    assert third.objects("dp/") == dpremote


def test_push_local_changes(third, dp, d6t):
    d6p = pushed_pair(third, dp, d6t)
    changes = {"x.csv": b"x\n1\n2 edited\n", "sub/v.csv": b"v\n"}
    h.write_files(d6p.dirpath, changes)
    h.write_files(dp.pipe_dir("p"), changes)

    cases = [("default", ["sub/v.csv", "x.csv"]), ("new", ["sub/v.csv"]),
             ("all", sorted(["sub/v.csv", *LOCAL]))]
    for mode, expected in cases:
        d6 = d6t_push_preview(d6p, mode=mode, cached=False)
        dpprev = dp.call("pipe.push_preview", pipe="p", mode=mode, cached=False)["files"]
        assert sorted(d6) == dpprev == expected, (mode, d6, dpprev)
    same_list(d6t_push_preview(d6p, include="sub/*", cached=False),
              dp.call("pipe.push_preview", pipe="p", include="sub/*", cached=False)["files"], ["sub/v.csv"])

    same_list(d6p.push(cached=False), dp.call("pipe.push", pipe="p", cached=False)["files"], ["sub/v.csv", "x.csv"])
    expected = dict(LOCAL, **changes)
    assert remote_bodies(third, "d6/") == remote_bodies(third, "dp/") == expected
    same_list(d6t_push_preview(d6p, cached=False), dp.call("pipe.push_preview", pipe="p", cached=False)["files"], [])


def test_push_mode_all_resends_everything(third, dp, d6t):
    d6p = pushed_pair(third, dp, d6t)
    same_list(d6t_push(d6p, mode="all", cached=False),
              dp.call("pipe.push", pipe="p", mode="all", cached=False)["files"], sorted(LOCAL))
    assert remote_bodies(third, "d6/") == remote_bodies(third, "dp/") == LOCAL


def test_push_refused_while_remote_changes_are_not_pulled(third, dp, d6t):
    d6p = pushed_pair(third, dp, d6t)
    third.put("d6/remote-only.csv", b"r\n")
    third.put("dp/remote-only.csv", b"r\n")
    h.write_files(d6p.dirpath, {"local-new.csv": b"l\n"})
    h.write_files(dp.pipe_dir("p"), {"local-new.csv": b"l\n"})

    with pytest.raises(PushError, match="remote-only.csv"):
        d6p.push(cached=False)
    with pytest.raises(RpcError) as refused:
        dp.call("pipe.push", pipe="p", cached=False)
    assert refused.value.type == "NotSynced"
    assert refused.value.data.get("files") == ["remote-only.csv"]
    assert "local-new.csv" not in third.objects("d6/")
    assert "local-new.csv" not in third.objects("dp/")


def test_push_refused_for_read_only_role(third, dp, d6t):
    d6p = push_pair(third, dp, d6t, role="read")
    h.write_files(d6p.dirpath, LOCAL)
    h.write_files(dp.pipe_dir("p"), LOCAL)
    for call in (d6p.push_preview, d6p.push):
        with pytest.raises(ValueError, match="Read-only"):
            call(cached=False)
    for method in ("pipe.push_preview", "pipe.push"):
        with pytest.raises(RpcError) as refused:
            dp.call(method, pipe="p", cached=False)
        assert refused.value.type == "PermissionDenied", method
    assert third.objects("d6/") == third.objects("dp/") == {}


# ==========================================================================
# 4. Regression checks: d6tpipe 1.2.7 is documented wrong here (reference §5);
#    datapipe does the documented thing, d6tpipe is shown still doing the wrong one.


def _conflict_setup(third, dp, d6t):
    d6p = synced_pair(third, dp, d6t)
    mine = b"id,v\n1,my local edit\n"
    h.write_files(d6p.dirpath, {"a.csv": mine})
    h.write_files(dp.pipe_dir("p"), {"a.csv": mine})
    theirs = {"a.csv": b"id,v\n1,their remote edit\n", "b.csv": b"id,v\n2,their b\n"}
    upload(third, "p/", theirs)
    return d6p, mine, theirs


def test_regression_B1_conflict_is_refused_not_overwritten(third, dp, d6t):
    d6p, mine, theirs = _conflict_setup(third, dp, d6t)

    # d6tpipe 1.2.7 (B1): the conflict check never fires; the local edit is lost silently
    assert sorted(d6p.pull(cached=False)) == ["a.csv", "b.csv"]
    assert (d6p.dirpath / "a.csv").read_bytes() == theirs["a.csv"]

    # datapipe: Conflict listing the file, the local edit untouched
    with pytest.raises(RpcError) as conflict:
        dp.call("pipe.pull", pipe="p", cached=False)
    assert conflict.value.type == "Conflict"
    assert conflict.value.data.get("files") == ["a.csv"]
    assert (dp.pipe_dir("p") / "a.csv").read_bytes() == mine

    # ... and merge_mode='overwrite' takes the remote's version
    pulled = dp.call("pipe.pull", pipe="p", merge_mode="overwrite", cached=False)
    assert pulled["files"] == ["a.csv", "b.csv"]
    assert tree(dp.pipe_dir("p")) == dict(INITIAL, **theirs)


def test_regression_B1_merge_mode_keep_keeps_the_local_edit(third, dp, d6t):
    d6p, mine, theirs = _conflict_setup(third, dp, d6t)

    # d6tpipe 1.2.7 (B1): merge_mode is never consulted, 'keep' overwrites too
    d6p.pull(merge_mode="keep", cached=False)
    assert (d6p.dirpath / "a.csv").read_bytes() == theirs["a.csv"]

    # datapipe: keep the local a.csv, take the remote b.csv; the remote change counts as seen
    dp.call("pipe.pull", pipe="p", merge_mode="keep", cached=False)
    assert (dp.pipe_dir("p") / "a.csv").read_bytes() == mine
    assert (dp.pipe_dir("p") / "b.csv").read_bytes() == theirs["b.csv"]
    assert dp.call("pipe.pull_preview", pipe="p", cached=False)["files"] == []


def test_regression_B2_mode_mod(third, dp, d6t):
    d6p = synced_pair(third, dp, d6t)
    third.put("p/a.csv", b"id,v\n1,changed\n")
    third.put("p/new.csv", b"n\n")

    # d6tpipe 1.2.7 (B2): 'mod' is a valid mode but _files_diff only knows 'modified'
    with pytest.raises(ValueError, match="Invalid pipe mode"):
        d6t_pull_preview(d6p, mode="mod", cached=False)

    # datapipe: the modified file only, not the new one
    assert dp.call("pipe.pull_preview", pipe="p", mode="mod", cached=False)["files"] == ["a.csv"]
    assert dp.call("pipe.pull", pipe="p", mode="mod", cached=False)["files"] == ["a.csv"]
    assert not (dp.pipe_dir("p") / "new.csv").exists()


def test_regression_B3_negative_nrecent_keeps_the_oldest(third, dp, d6t):
    upload(third, "p/", {"f0.csv": b"0", "f1.csv": b"1"})
    h.next_second()
    upload(third, "p/", {"f2.csv": b"2", "f3.csv": b"3", "f4.csv": b"4"})
    d6p = make_pair(third, dp, d6t, "p/")

    # positive nrecent: both agree
    same_list(d6p.pull_preview(nrecent=2, cached=False),
              dp.call("pipe.pull_preview", pipe="p", nrecent=2, cached=False)["files"], ["f3.csv", "f4.csv"])
    # d6tpipe 1.2.7 (B3): [:nrecent] drops the 2 newest instead of keeping the 2 oldest
    assert d6p.pull_preview(nrecent=-2, cached=False) == ["f0.csv", "f1.csv", "f2.csv"]
    # datapipe: the 2 oldest
    assert dp.call("pipe.pull_preview", pipe="p", nrecent=-2, cached=False)["files"] == ["f0.csv", "f1.csv"]


def test_regression_B4_overlapping_include_patterns_list_a_file_once(third, dp, d6t):
    files = {"a.csv": b"a", "b.csv": b"b", "a.txt": b"t", "c.txt": b"c"}
    upload(third, "p/", files)
    d6p = make_pair(third, dp, d6t, "p/")

    # d6tpipe 1.2.7 (B4): one entry per matching pattern, so a.csv twice (and pulled twice)
    assert d6p.pull_preview(include="*.csv|a*", cached=False) == ["a.csv", "b.csv", "a.csv", "a.txt"]
    assert sorted(d6p.pull(include="*.csv|a*", cached=False)) == ["a.csv", "a.csv", "a.txt", "b.csv"]

    # datapipe: each file once
    assert dp.call("pipe.pull_preview", pipe="p", include="*.csv|a*", cached=False) == \
        {"files": ["a.csv", "a.txt", "b.csv"], "bytes": 3}
    assert dp.call("pipe.pull", pipe="p", include="*.csv|a*", cached=False)["files"] == ["a.csv", "a.txt", "b.csv"]
    assert tree(dp.pipe_dir("p")) == tree(d6p.dirpath) == {k: files[k] for k in ("a.csv", "a.txt", "b.csv")}


def test_regression_B5_filtered_pull_leaves_the_rest_pending(third, dp, d6t):
    d6p = synced_pair(third, dp, d6t)
    upload(third, "p/", {"b.csv": b"id,v\n2,changed\n", "sub/c.txt": b"changed text\n", "sub/new.txt": b"new\n"})

    same_list(d6p.pull(include="*.csv", cached=False),
              dp.call("pipe.pull", pipe="p", include="*.csv", cached=False)["files"], ["b.csv"])

    # d6tpipe 1.2.7 (B5): the whole listing was saved, so the .txt changes are lost
    assert d6p.pull_preview(cached=False) == []
    # datapipe: what the filter left out is still pending
    assert dp.call("pipe.pull_preview", pipe="p", cached=False)["files"] == ["sub/c.txt", "sub/new.txt"]


def test_regression_B6_delete_one_local_file_deletes_only_it(third, dp, d6t, monkeypatch):
    d6p = synced_pair(third, dp, d6t)
    monkeypatch.setattr(builtins, "input", lambda prompt="": "y")  # d6tpipe's confirmation prompt

    # d6tpipe 1.2.7 (B6): `files` is only used in the prompt; every synced file goes
    d6p.delete_files_local(files=["a.csv"])
    assert tree(d6p.dirpath) == {}

    # datapipe: only a.csv
    deleted = dp.call("pipe.delete_files", pipe="p", scope="local", files=["a.csv"], confirm=True)
    assert deleted["local"] == ["a.csv"]
    assert tree(dp.pipe_dir("p")) == {k: v for k, v in INITIAL.items() if k != "a.csv"}
    assert sorted(third.objects("p/")) == sorted(INITIAL), "a local delete touched the remote"


def test_regression_push_after_a_pull_with_nothing_to_do(third, dp, d6t):
    d6p = synced_pair(third, dp, d6t)
    same_list(d6p.pull(cached=False), dp.call("pipe.pull", pipe="p", cached=False)["files"], [])

    # d6tpipe 1.2.7 (§5, consequence of the pull quirk): the empty pull recorded an
    # empty local listing, so every unchanged local file would be pushed again
    assert sorted(d6t_push_preview(d6p, cached=False)) == sorted(INITIAL)
    # datapipe: nothing changed locally, nothing to push
    assert dp.call("pipe.push_preview", pipe="p", cached=False) == {"files": [], "bytes": 0}


# ==========================================================================
# The harness itself: d6tpipe's telemetry never got anything to send.


def test_harness_d6tcollect_recorded_and_sent_nothing():
    import sqlite3

    import d6tcollect

    assert d6tcollect.submit is False
    assert d6tcollect.host == h.UNREACHABLE
    with sqlite3.connect(d6tcollect.DB_PATH) as db:
        assert str(h.SESSION_TMP) in d6tcollect.DB_PATH
        assert db.execute("select count(*) from events").fetchone() == (0,)
        assert db.execute("select count(*) from events_submitted").fetchone() == (0,)
