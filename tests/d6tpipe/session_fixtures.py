"""Session hooks and fixtures shared by the side-by-side suite and the server
suite (tests/server): pytest's temp folder inside the harness's session folder,
and one moto server for the session. Import sbs_harness before this module."""

import os

import pytest

import sbs_harness as h


def pytest_configure(config):
    if not config.option.basetemp:
        config.option.basetemp = str(h.SESSION_TMP / "pytest")


def pytest_unconfigure(config):
    h.cleanup_session_tmp()


@pytest.fixture(scope="session")
def moto():
    server = h.MotoServer(h.SESSION_TMP / "moto.log")
    # d6tpipe builds its boto3 clients through luigi's S3Client, which takes no
    # endpoint: boto3 >= 1.28 reads AWS_ENDPOINT_URL.
    os.environ.update(
        AWS_ENDPOINT_URL=server.endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1")
    yield server
    server.stop()
