"""Fixtures of the server suite: the real d6tpipe 1.2.7 client against
`datapipe serve`, with S3 on moto. Reuses the side-by-side suite's harness
(tests/d6tpipe/sbs_harness.py), which isolates the process on import (temp
HOME, no AWS_* from outside, no d6tcollect submissions)."""

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "d6tpipe"))
import sbs_harness as h  # noqa: E402  (first: isolates the process before d6tpipe is imported)
from server_harness import DatapipeServer, Client  # noqa: E402
from session_fixtures import moto, pytest_configure, pytest_unconfigure  # noqa: E402,F401  (hooks and fixture)

_buckets = itertools.count(1)


@pytest.fixture
def bucket(moto):
    """A fresh bucket and a third-party boto3 writer on it."""
    third = h.ThirdParty(moto.endpoint, f"srv-{next(_buckets):03d}")
    third.create_bucket()
    return third


@pytest.fixture
def server(tmp_path):
    srv = DatapipeServer(tmp_path / "server")
    yield srv
    srv.stop()
    print("---- datapipe serve log ----\n" + srv.log())  # shown only when the test failed


@pytest.fixture
def client(server, tmp_path):
    """Makes d6tpipe APIClients, each with its own profile, cfg.json and file repo."""
    counter = itertools.count(1)
    return lambda: Client(server.url, tmp_path / f"client-{next(counter)}")
