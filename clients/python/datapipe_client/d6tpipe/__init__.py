"""d6tpipe 1.2.7's public names, served by datapipe.

Port a d6tpipe script by changing its import line only::

    import datapipe_client.d6tpipe as d6tpipe

    d6tpipe.api.ConfigManager(profile='me').init({'filerepo': '/data/me'})
    api = d6tpipe.APILocal(profile='me')
    d6tpipe.upsert_pipe(api, {'name': 'demo', 'protocol': 'file',
                              'options': {'remotepath': '/srv/shared/demo'}})
    pipe = d6tpipe.Pipe(api, 'demo')
    pipe.pull()

The submodules ``d6tpipe.api``, ``d6tpipe.pipe`` and ``d6tpipe.exceptions``
exist under the same names.  The work is done by a ``datapipe rpc`` process
(``$DATAPIPE_BIN``, else ``datapipe`` on PATH), one per API object.
"""

from . import api, exceptions, pipe
from .api import (
    APIClient,
    APILocal,
    ConfigManager,
    Response,
    list_profiles,
    upsert_permissions,
    upsert_pipe,
    upsert_pipe_json,
)
from .exceptions import PullError, PushError, ResourceExistsError
from .pipe import Pipe

__all__ = [
    "api",
    "pipe",
    "exceptions",
    "ConfigManager",
    "APILocal",
    "APIClient",
    "Response",
    "Pipe",
    "upsert_pipe",
    "upsert_permissions",
    "upsert_pipe_json",
    "list_profiles",
    "PullError",
    "PushError",
    "ResourceExistsError",
]
