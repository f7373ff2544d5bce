"""d6tpipe's ``d6tpipe.api`` on top of the datapipe bridge.

``ConfigManager``, ``APILocal``, ``APIClient``, ``upsert_pipe``,
``upsert_permissions``, ``upsert_pipe_json`` and ``list_profiles`` keep
d6tpipe 1.2.7's names, arguments and return values; the work is done by a
``datapipe rpc`` process (found through ``$DATAPIPE_BIN`` or ``datapipe`` on
PATH).  Differences from d6tpipe are written in each docstring and in
clients/python/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..client import Client
from ..errors import ServerOnlyError

__all__ = [
    "ConfigManager",
    "APILocal",
    "APIClient",
    "Response",
    "upsert_pipe",
    "upsert_permissions",
    "upsert_pipe_json",
    "list_profiles",
]


def _config_path(filecfg: Optional[str]) -> str:
    """The config file a bridge started with ``--config filecfg`` (or without) uses."""
    if filecfg:
        return os.path.expanduser(os.fspath(filecfg))
    return os.path.expanduser(os.environ.get("DATAPIPE_CONFIG") or "~/.datapipe/cfg.json")


def _spawn(filecfg: Optional[str], profile: Optional[str], binary: Optional[str] = None) -> Client:
    return Client.stdio(
        binary=binary,
        config=os.path.expanduser(os.fspath(filecfg)) if filecfg else None,
        profile=profile,
    )


class Response:
    """Stands in for the HTTP response d6tpipe returns first in its
    ``(response, data)`` tuples: ``status_code`` (201 created, 200 updated),
    ``body`` (the data as JSON bytes), ``headers`` (empty), ``to_dict``."""

    def __init__(self, status_code: int, data: Any = None):
        self.status_code = status_code
        self._data = data
        self.headers: Dict[str, str] = {}

    @property
    def body(self) -> bytes:
        return json.dumps(self._data).encode("utf-8")

    @property
    def to_dict(self) -> Any:
        return self._data

    def json(self) -> Any:
        return self._data

    def __repr__(self) -> str:
        return "Response(status_code={})".format(self.status_code)


# --------------------------------------------------------------------------------------
# ConfigManager


class ConfigManager:
    """A profile of the config file (d6tpipe's ``ConfigManager``).

    ``profile`` defaults to ``'default'``.  ``filecfg`` is the config file,
    passed to the bridge as ``--config``; by default the bridge's own
    (``$DATAPIPE_CONFIG``, else ``~/.datapipe/cfg.json``; d6tpipe's was
    ``~/d6tpipe/cfg.json``).  Each call runs a short bridge session.
    """

    def __init__(self, profile: Optional[str] = None, filecfg: Optional[str] = None, *, binary: Optional[str] = None):
        self.profile = profile or "default"
        self.filecfg = _config_path(filecfg)
        self._filecfg_arg = filecfg  # None: the bridge picks its default
        self._binary = binary

    def _client(self) -> Client:
        return _spawn(self._filecfg_arg, self.profile, self._binary)

    def init(self, config: Optional[Dict[str, Any]] = None, server: Optional[str] = None, reset: bool = False) -> None:
        """Create the profile (once).  Returns None, like d6tpipe.

        ``config`` may carry ``filerepo`` (where the pipes' folders live:
        ``<filerepo>/<pipe>``), ``server`` and any other keys (``token``,
        ``username``, ...), which are stored as given.  An existing profile is
        left alone with d6tpipe's warning unless ``reset=True``.

        Differences: datapipe keeps ``filerepo`` as given (d6tpipe appended
        ``files/<profile>``); without ``server`` the profile has none (d6tpipe
        defaulted to its cloud server); the caller's dict is not modified.
        """
        config = dict(config or {})
        filerepo = config.pop("filerepo", None)
        server = config.pop("server", server)
        with self._client() as client:
            result = client.config_init(
                filerepo=os.fspath(filerepo) if filerepo is not None else None,
                server=server,
                reset=True if reset else None,
            )
            if not result.get("created") and not reset:
                warnings.warn(
                    "Config for profile {} in {} already exists, skipping init. Use reset=True to reset config.".format(
                        self.profile, self.filecfg
                    ),
                    stacklevel=2,
                )
                return None
            if config:
                client.config_update(changes=config)
        return None

    def update(self, config: Dict[str, Any]) -> bool:
        """Merge ``config`` into the profile (a ``None`` value removes a key).
        Returns True, like d6tpipe."""
        with self._client() as client:
            client.config_update(changes=dict(config))
        return True

    def load(self) -> Dict[str, Any]:
        """The profile as a dict (secrets included), ``filerepo`` with ``~``
        expanded; creates the profile (and its file repo folder) when missing,
        like d6tpipe."""
        with self._client() as client:
            cfg = client.config_load(reveal=True)
            if not cfg:
                client.config_init()
                print('auto created profile "{}", see docs how to customize profile'.format(self.profile))
                cfg = client.config_load(reveal=True)
            info = client.session_info()
        cfg = dict(cfg)
        cfg["filerepo"] = info.get("filerepo") or os.path.expanduser(cfg.get("filerepo", ""))
        os.makedirs(cfg["filerepo"], exist_ok=True)
        return cfg


def list_profiles(filecfg: Optional[str] = None) -> List[str]:
    """Print the profile names of the config file, one a line, and return them.

    d6tpipe printed the raw config file (tokens included) and returned None;
    this prints the names only.
    """
    with _spawn(filecfg, None) as client:
        names = client.profiles_list()
    for name in names:
        print(name)
    return names


# --------------------------------------------------------------------------------------
# the APIs


def _shutdown(client: Client, tmpdir: Optional[str]) -> None:
    try:
        client.close()
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


class _APIBase:
    """What APILocal and APIClient share: one bridge process per API object,
    shared by its Pipes.  Close it with :meth:`close` or a ``with`` block; it
    is also closed when the object is garbage collected or Python exits."""

    mode = "local"

    def __init__(
        self,
        config: Optional[Dict[str, Any]] = None,
        profile: Optional[str] = None,
        filecfg: Optional[str] = None,
        *,
        binary: Optional[str] = None,
    ):
        self.profile = profile or "default"
        self.filecfg = _config_path(filecfg)
        tmpdir = None
        if config is not None:
            warnings.warn("Using manual config override, some api functions might not work", stacklevel=2)
            tmpdir = tempfile.mkdtemp(prefix="datapipe-cfg-")
            self.filecfg = filecfg = os.path.join(tmpdir, "cfg.json")
            with open(self.filecfg, "w", encoding="utf-8") as f:
                json.dump({self.profile: dict(config)}, f)
        self._filecfg_arg = filecfg  # None: the bridge picks its default
        self.client = _spawn(filecfg, self.profile, binary)
        self._finalizer = weakref.finalize(self, _shutdown, self.client, tmpdir)
        try:
            info = self.client.session_info()
            self.cfg = dict(self.client.config_load(reveal=True))
        except BaseException:
            self.close()
            raise
        self.info = info
        self.repo_mode = info.get("mode")
        self.username = info.get("username")
        self.filerepo = self.dir = info["filerepo"]
        self.cfg["filerepo"] = self.filerepo
        self.dirpath = Path(self.filerepo)
        os.makedirs(self.filerepo, exist_ok=True)

    # -- plumbing --------------------------------------------------------------------

    def _call(self, method: str, progress: Any = None, **params: Any) -> Any:
        return self.client._invoke(method, params, progress, None)

    def close(self) -> None:
        """Stop this API's bridge process."""
        self._finalizer()

    def __enter__(self) -> "_APIBase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- d6tpipe's API methods -------------------------------------------------------

    def list_pipes(self, names_only: bool = True, parent_only: bool = False) -> List[Any]:
        """The pipes of the repo: sorted names, or (``names_only=False``) their
        settings with credentials hidden."""
        return self._call("pipes.list", names_only=names_only, parent_only=parent_only)

    def list_local_pipes(self) -> List[str]:
        """The non-empty folders of the file repo (d6tpipe's definition)."""
        root = Path(self.filerepo)
        if not root.is_dir():
            return []
        return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.iterdir()))

    def list_profiles(self) -> List[str]:
        """:func:`list_profiles` of this API's config file."""
        return list_profiles(self._filecfg_arg)

    def _server_only(self, what: str) -> None:
        raise ServerOnlyError(
            "{} needs a repo server: use APIClient on a profile with a server "
            "(ConfigManager(profile=...).init({{'server': URL}}))".format(what),
            data={"type": "ServerOnly", "call": what},
        )

    def setToken(self, token: str) -> None:
        """Server mode only (:class:`APIClient`): raises ServerOnlyError here."""
        self._server_only("setToken")

    def register(self, username: str, email: str, password: str) -> None:
        """Server mode only (:class:`APIClient`): raises ServerOnlyError here."""
        self._server_only("register")

    def login(self, username: str, password: str) -> None:
        """Server mode only (:class:`APIClient`): raises ServerOnlyError here."""
        self._server_only("login")

    forgotToken = login


class APILocal(_APIBase):
    """The embedded local repo (d6tpipe's ``APILocal``): pipes are kept in a
    SQLite file beside the config, files under the profile's ``filerepo``.

    ``APILocal(config=None, profile=None, filecfg=None)``: ``profile`` and
    ``filecfg`` pick the profile and config file; a ``config`` dict overrides
    the profile for this object only (it runs on a throwaway copy of the
    config, so pipes defined through it are not kept, and d6tpipe's warning is
    issued).  Attributes: ``filerepo``/``dir`` (str), ``dirpath`` (Path),
    ``cfg`` (the profile), ``client`` (the :class:`~datapipe_client.Client`).
    """

    mode = "local"


class APIClient(_APIBase):
    """d6tpipe's ``APIClient``: the pipes live on the repo server named by the
    profile's ``server`` (``datapipe serve``, or any server speaking d6tpipe's
    REST API), reached as the profile's user.

    ``APIClient(token='config', config=None, profile=None, filecfg=None)``:
    with a token (the profile's, or one given here, which is stored) the
    bridge switches the profile to server mode at once, checking the token
    with the server.  Without one, call ``register``, ``login`` (alias
    ``forgotToken``) or ``setToken`` first, as with d6tpipe.  Repo calls on a
    profile that is not in server mode raise
    :class:`~datapipe_client.errors.ServerOnlyError` (for the embedded repo,
    use :class:`APILocal`).
    """

    mode = "server"

    def __init__(
        self,
        token: Optional[str] = "config",
        config: Optional[Dict[str, Any]] = None,
        profile: Optional[str] = None,
        filecfg: Optional[str] = None,
        *,
        binary: Optional[str] = None,
    ):
        super().__init__(config=config, profile=profile, filecfg=filecfg, binary=binary)
        try:
            if token not in ("config", None):
                self.client.token_set(token)
            self.token = self.cfg.get("token") if token == "config" else token
            if self.token and self.cfg.get("server"):
                self._use_server()
        except BaseException:
            self.close()
            raise

    def _use_server(self) -> None:
        """Switches the profile to server mode (the bridge checks the token) and reloads it."""
        switched = self.client.mode_switch("server")
        self.repo_mode = switched.get("mode")
        self.username = switched.get("username")
        self.cfg = dict(self.client.config_load(reveal=True))
        self.cfg["filerepo"] = self.filerepo
        self.token = self.cfg.get("token")

    def register(self, username: str, email: str, password: str) -> None:
        """Registers the account on the profile's server, stores its token and switches to it."""
        self.client.account_register(username, email, password)
        self._use_server()

    def login(self, username: str, password: str) -> None:
        """Retrieves the account's token from the server (d6tpipe's ``login`` and ``forgotToken``)."""
        self.client.account_login(username, password)
        self._use_server()

    forgotToken = login

    def setToken(self, token: str) -> None:
        """Stores ``token`` in the profile and switches to the server with it."""
        self.client.token_set(token)
        self._use_server()

    def _call(self, method: str, progress: Any = None, **params: Any) -> Any:
        if self.repo_mode != "server" and method.split(".")[0] in ("pipes", "pipe", "permissions"):
            raise ServerOnlyError(
                "APIClient works on a repo server and profile {} is not connected to one: give it a server "
                "(ConfigManager.init({{'server': URL}})) and register, login or setToken; or use APILocal".format(
                    self.profile
                ),
                data={"type": "ServerOnly", "mode": self.repo_mode},
            )
        return super()._call(method, progress=progress, **params)


# --------------------------------------------------------------------------------------
# module functions


def upsert_pipe(api: _APIBase, settings: Dict[str, Any]) -> Tuple[Response, Dict[str, Any]]:
    """Create a pipe, or merge ``settings`` into an existing one.

    Returns d6tpipe's ``(response, data)`` tuple: ``response.status_code`` is
    201 when the pipe was created and 200 when it was updated, ``data`` the
    stored settings (credentials hidden).  d6tpipe's users either ignore the
    value or unpack it as ``response, data = upsert_pipe(api, settings)``; both
    work.  Bad settings raise InvalidSettingsError naming the field.
    """
    result = api._call("pipes.upsert", settings=dict(settings))
    data = result.get("settings", {})
    return Response(201 if result.get("created") else 200, data), data


def upsert_permissions(api: _APIBase, pipe_name: str, settings: Dict[str, Any]) -> Tuple[Response, Dict[str, Any]]:
    """Grant (or with role ``revoke`` remove) access to a pipe on the repo
    server: ``settings`` holds ``username`` or ``email``, ``role`` (read,
    write, admin, revoke) and optionally ``expiration_date``.  Returns
    ``(response, data)`` like d6tpipe, status 201.  Needs an
    :class:`APIClient` in server mode (ServerOnlyError otherwise; d6tpipe
    stored the grant in local mode without effect)."""
    if not isinstance(api, APIClient):
        raise ServerOnlyError(
            "permissions need a repo server: use APIClient (pipe {})".format(pipe_name),
            data={"type": "ServerOnly", "pipe": pipe_name},
        )
    data = api._call("permissions.set", pipe=pipe_name, **dict(settings))
    return Response(201, data), data


def upsert_pipe_json(api: _APIBase, path_json: str, name: str) -> Tuple[Response, Dict[str, Any]]:
    """``upsert_pipe(api, data[name])`` with ``data`` read from a JSON file
    (or YAML, when PyYAML is installed and the file is not JSON)."""
    with open(os.path.expanduser(os.fspath(path_json)), "r", encoding="utf-8") as f:
        text = f.read()
    try:
        data = json.loads(text)
    except ValueError:
        try:
            import yaml  # type: ignore
        except ImportError:
            raise
        data = yaml.safe_load(text)
    return upsert_pipe(api, data[name])
