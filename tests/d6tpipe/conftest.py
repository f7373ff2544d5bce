"""Fixtures of the d6tpipe side-by-side suite (see sbs_harness for the isolation
done on import: temp HOME, no AWS_* from outside, no d6tcollect submissions)."""

import itertools

import pytest

import sbs_harness as h  # first: isolates the process before d6tpipe is imported
from session_fixtures import moto, pytest_configure, pytest_unconfigure  # noqa: F401  (hooks and fixture)

_buckets = itertools.count(1)


def _new_bucket(moto):
    third = h.ThirdParty(moto.endpoint, f"sbs-{next(_buckets):03d}")
    third.create_bucket()
    return third


@pytest.fixture
def third(moto):
    """A fresh bucket and a third-party boto3 writer on it."""
    return _new_bucket(moto)


@pytest.fixture(scope="module")
def module_third(moto):
    return _new_bucket(moto)


def _datapipe(root):
    dp = h.DataPipe(root)
    yield dp
    dp.close()
    print("---- datapipe rpc log ----\n" + dp.log())  # shown only when the test failed


@pytest.fixture
def dp(tmp_path, moto):
    yield from _datapipe(tmp_path / "datapipe")


@pytest.fixture(scope="module")
def module_dp(tmp_path_factory, moto):
    yield from _datapipe(tmp_path_factory.mktemp("datapipe"))


@pytest.fixture
def d6t(tmp_path, moto):
    return h.D6t(tmp_path / "d6tpipe")


@pytest.fixture(scope="module")
def module_d6t(tmp_path_factory, moto):
    return h.D6t(tmp_path_factory.mktemp("d6tpipe"))
