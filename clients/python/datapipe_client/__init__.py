"""Python client of datapipe's JSON-RPC 2.0 bridge.

>>> from datapipe_client import Client
>>> with Client.stdio() as client:          # spawns `datapipe rpc`
...     client.session_info()["profile"]
'default'

:class:`Client` speaks to the bridge (stdio, TCP or Unix socket); the errors
it raises live in :mod:`datapipe_client.errors`; :mod:`datapipe_client.d6tpipe`
offers d6tpipe's public names on top of it.
"""

from .client import Client, DatapipeWarning, PendingCall, default_token_file, find_binary
from . import errors as _errors
from .errors import *  # noqa: F401,F403 -- the error classes, listed once in errors.__all__
from .methods import METHOD_NAMES

__version__ = "0.1.0"

__all__ = [
    "Client",
    "PendingCall",
    "DatapipeWarning",
    "METHOD_NAMES",
    "find_binary",
    "default_token_file",
] + _errors.__all__
