"""d6tpipe's ``d6tpipe.pipe.Pipe`` on top of the datapipe bridge.

Return values are d6tpipe's: lists of file names from pull/push and their
previews, ``scan_remote(attributes=True)`` as ``((), [dicts])``,
``scan_local(attributes=True)`` as ``([dicts], [names])``, a bool from
``is_synced``, ``{'local': [...], 'remote': [...]}`` from ``remove_orphans``.
Where d6tpipe returned None (deletes, imports, reset) the facade returns what
the bridge reports instead; scripts that ignore the value are unaffected.
Behaviour follows datapipe where d6tpipe was buggy (docs/d6tpipe-1.2.7-reference.md
lists the bugs): a pull never overwrites local changes silently (PullError),
``mode='mod'`` works, filtered pulls do not mark unpulled files as synced.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from ..errors import ConflictError, NotSyncedError
from .api import Response, _APIBase
from .exceptions import PullError, PushError

__all__ = ["Pipe"]

_MODES = ["default", "new", "mod", "all"]
_NAME = re.compile(r"^[a-zA-Z0-9-]+$")

Patterns = Union[None, str, Iterable[str]]
FileList = Union[None, str, Iterable[Any]]


def _patterns(value: Patterns) -> Optional[str]:
    """d6tpipe's docs pass filters as ``'*.csv|*.txt'`` or as a list; both work."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return "|".join(str(v) for v in value)


def _names(files: FileList) -> Optional[List[str]]:
    if files is None:
        return None
    if isinstance(files, (str, os.PathLike)):
        return [os.fspath(files)]
    return [os.fspath(f) for f in files]


def _megabytes(n: int) -> float:
    return n / 1024.0 / 1024.0


class Pipe:
    """A pipe (d6tpipe's ``Pipe(api, name, mode='default', sortby='filename', credentials=None)``).

    ``api`` is an :class:`~datapipe_client.d6tpipe.APILocal` (or APIClient, whose
    calls raise ServerOnlyError in this build); the pipe shares its bridge
    process.  ``mode`` is the sync mode (``default``: new and modified,
    ``new``, ``mod``, ``all``), ``sortby`` the order of file lists
    (``filename``/``name``, ``modified_at``/``mod``, ``size``, ``crc``).
    ``credentials`` is ignored, as in d6tpipe.

    Attributes: ``name``, ``settings`` (credentials hidden), ``schema``,
    ``role``, ``remote_prefix``, ``dirpath`` (Path of the pipe folder),
    ``dir`` (the same as str, ending in a separator), ``mode``, ``sortby``,
    ``progress`` (True: a tqdm bar during transfers when tqdm is installed;
    or a callback receiving ``$/progress`` dicts; or False).
    """

    def __init__(
        self,
        api: _APIBase,
        name: str,
        mode: str = "default",
        sortby: str = "filename",
        credentials: Optional[Dict[str, Any]] = None,
    ):
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError("Invalid pipe name, needs to be alphanumeric [a-zA-Z0-9-]")
        if mode not in _MODES:
            raise ValueError("Invalid mode, needs to be {}".format(_MODES))
        self.api = api
        self.name = name
        self.mode = mode
        self.sortby = sortby
        self.credentials_override = credentials
        self.api_islocal = getattr(api, "mode", None) == "local"
        self.progress: Any = True
        self._load_settings(api._call("pipes.get", name=name))
        self.dirpath.mkdir(parents=True, exist_ok=True)
        print("Successfully connected to pipe {}. ".format(name) + (" Read only access" if self.role == "read" else ""))

    def _load_settings(self, settings: Dict[str, Any]) -> None:
        self.settings = settings
        options = settings.get("options") or {}
        self.schema = settings.get("schema", {})
        self.role = settings.get("role")
        self.remote_prefix = options.get("remotepath")
        self.dirpath = Path(self.api.filerepo) / (options.get("dir") or self.name)
        self.dir = str(self.dirpath) + os.sep

    def _call(self, method: str, progress: Any = None, **params: Any) -> Any:
        return self.api._call(method, progress=progress, pipe=self.name, **params)

    def __repr__(self) -> str:
        return "Pipe({!r}, mode={!r})".format(self.name, self.mode)

    # ---- settings and mode ---------------------------------------------------------

    def setmode(self, mode: str) -> None:
        """Set the sync mode: ``default``, ``new``, ``mod`` or ``all``."""
        if mode not in _MODES:
            raise ValueError("Invalid mode, needs to be {}".format(_MODES))
        self.mode = mode

    def update_settings(self, settings: Dict[str, Any]) -> Tuple[Response, Dict[str, Any]]:
        """Merge ``settings`` into the pipe's; returns d6tpipe's ``(response, data)``
        with the stored settings (d6tpipe's server-mode bug B9, an empty PATCH,
        is not reproduced)."""
        data = self._call("pipe.update_settings", settings=dict(settings))
        self._load_settings(data)
        return Response(200, data), data

    # ---- listings ------------------------------------------------------------------

    def scan_remote(self, attributes: bool = False, cached: bool = True) -> Any:
        """The remote files (pipe filters applied, sorted by name): names, or
        with ``attributes=True`` d6tpipe's tuple ``((), [{filename,
        modified_at, size, crc}])`` (``modified_at`` is an ISO 8601 UTC string)."""
        result = self._call("pipe.scan_remote", attributes=bool(attributes), cached=bool(cached))
        return ((), result) if attributes else result

    def scan_local(
        self,
        include: Patterns = None,
        exclude: Patterns = None,
        attributes: bool = False,
        sortby: Optional[str] = None,
        files: FileList = None,
        fromdb: bool = False,
        on_not_exist: str = "warn",
    ) -> Any:
        """The files in the pipe folder: names, or with ``attributes=True``
        d6tpipe's tuple ``([dicts], [names])`` (crc is the md5).  ``files``
        restricts the scan to those names (no filters then), ``fromdb`` to the
        files of the last sync; a listed file that is missing warns (or with
        ``on_not_exist`` other than ``'warn'`` raises FileNotFoundError)."""
        wanted = _names(files)
        if wanted is None and fromdb:
            wanted = self.files(include=include, exclude=exclude)
        params: Dict[str, Any] = {"attributes": True, "sortby": sortby or self.sortby}
        if files is None:
            params["include"] = _patterns(include)
            params["exclude"] = _patterns(exclude)
        listing = self._call("pipe.scan_local", **params)
        if wanted is not None:
            present = {d["filename"]: d for d in listing}
            for name in wanted:
                if name not in present:
                    if on_not_exist == "warn":
                        warnings.warn("Local file {} does not exist".format(name), stacklevel=2)
                    else:
                        raise FileNotFoundError(str(self.dirpath / name))
            keep = set(wanted)
            listing = [d for d in listing if d["filename"] in keep]
        names = [d["filename"] for d in listing]
        if attributes:
            return listing, (list(wanted) if wanted is not None else names)
        return names

    def files(
        self,
        include: Patterns = None,
        exclude: Patterns = None,
        sortby: Optional[str] = None,
        check_exists: bool = True,
        fromdb: bool = True,
    ) -> List[str]:
        """Names of the pipe's local files as of the last sync (``fromdb=False``:
        as found in the folder now)."""
        if not fromdb:
            return self.scan_local(include=include, exclude=exclude, sortby=sortby)
        return self._call(
            "pipe.files", include=_patterns(include), exclude=_patterns(exclude), sortby=sortby or self.sortby
        )

    def filepaths(
        self,
        include: Patterns = None,
        exclude: Patterns = None,
        sortby: Optional[str] = None,
        check_exists: bool = True,
        aspathlib: bool = True,
        aspath: bool = True,
        fromdb: bool = True,
    ) -> List[Any]:
        """Like :meth:`files`, as paths: ``pathlib.Path`` objects (``aspathlib=False``:
        str; ``aspath=False``: names)."""
        names = self.files(include=include, exclude=exclude, sortby=sortby, fromdb=fromdb)
        if not aspath:
            return names
        paths = [self.dirpath / name for name in names]
        return paths if aspathlib else [str(p) for p in paths]

    # ---- pull and push -------------------------------------------------------------

    def pull_preview(
        self,
        files: FileList = None,
        include: Patterns = None,
        exclude: Patterns = None,
        nrecent: int = 0,
        cached: bool = True,
    ) -> List[str]:
        """The names a pull would bring (prints their size like d6tpipe); nothing moves."""
        result = self._call(
            "pipe.pull_preview",
            files=_names(files),
            include=_patterns(include),
            exclude=_patterns(exclude),
            nrecent=nrecent or None,
            mode=self.mode,
            cached=bool(cached),
        )
        print("pulling: {:.2f}MB".format(_megabytes(result.get("bytes", 0))))
        return result["files"]

    def pull(
        self,
        files: FileList = None,
        dryrun: bool = False,
        include: Patterns = None,
        exclude: Patterns = None,
        nrecent: int = 0,
        merge_mode: Optional[str] = None,
        cached: bool = True,
    ) -> List[str]:
        """Bring what changed remotely; returns the names pulled.

        Files changed locally since the last sync are never overwritten
        silently: without ``merge_mode`` (``'keep'`` or ``'overwrite'``) the
        pull raises :class:`PullError` naming them, before anything is
        downloaded.  A pulled README.md / LICENSE.md is printed, like d6tpipe.
        """
        if dryrun:
            return self.pull_preview(files=files, include=include, exclude=exclude, nrecent=nrecent, cached=cached)
        if merge_mode not in (None, "keep", "overwrite"):
            raise ValueError("invalid merge mode")
        try:
            result = self._call(
                "pipe.pull",
                progress=self.progress,
                files=_names(files),
                include=_patterns(include),
                exclude=_patterns(exclude),
                nrecent=nrecent or None,
                mode=self.mode,
                cached=bool(cached),
                merge_mode=merge_mode,
            )
        except ConflictError as e:
            raise PullError.from_conflict(e) from e
        for key, title in (("readme", "README"), ("license", "LICENSE")):
            text = result.get(key)
            if text:
                banner = "############### {} ###############".format(title)
                print(banner)
                print(text)
                print(banner)
        return result["files"]

    def push_preview(
        self,
        files: FileList = None,
        include: Patterns = None,
        exclude: Patterns = None,
        nrecent: int = 0,
        cached: bool = True,
    ) -> List[str]:
        """The names a push would send (prints their size like d6tpipe); raises
        like the push (PushError when the remote has changes not pulled)."""
        try:
            result = self._call(
                "pipe.push_preview",
                files=_names(files),
                include=_patterns(include),
                exclude=_patterns(exclude),
                nrecent=nrecent or None,
                mode=self.mode,
                cached=bool(cached),
            )
        except NotSyncedError as e:
            raise PushError.from_not_synced(e) from e
        print("pushing: {:.2f}MB".format(_megabytes(result.get("bytes", 0))))
        return result["files"]

    def push(
        self,
        files: FileList = None,
        dryrun: bool = False,
        fromdb: bool = False,
        include: Patterns = None,
        exclude: Patterns = None,
        nrecent: int = 0,
        cached: bool = True,
    ) -> List[str]:
        """Send what changed locally since the last sync; returns the names pushed.

        Unless the mode is ``all``, a remote with changes not pulled yet makes
        it raise :class:`PushError` (naming them) before anything is uploaded;
        a read-only pipe raises PermissionDeniedError, also before any transfer.
        """
        if dryrun:
            return self.push_preview(files=files, include=include, exclude=exclude, nrecent=nrecent, cached=cached)
        try:
            result = self._call(
                "pipe.push",
                progress=self.progress,
                files=_names(files),
                include=_patterns(include),
                exclude=_patterns(exclude),
                nrecent=nrecent or None,
                mode=self.mode,
                cached=bool(cached),
                fromdb=True if fromdb else None,
            )
        except NotSyncedError as e:
            raise PushError.from_not_synced(e) from e
        return result["files"]

    def is_synced(self, israise: bool = False) -> bool:
        """True when the remote has nothing left to pull; ``israise=True``
        raises PushError (naming the pending files) instead of returning False."""
        result = self._call("pipe.is_synced")
        if not result["synced"] and israise:
            raise PushError.pending(result.get("pending", []))
        return bool(result["synced"])

    # ---- housekeeping --------------------------------------------------------------

    def remove_orphans(self, files: FileList = None, direction: str = "local", dryrun: Optional[bool] = None) -> Dict[str, List[str]]:
        """Files on one side only: ``{'local': [...], 'remote': [...]}`` (local
        orphans are missing remotely).  A dry run unless ``dryrun=False``
        (``None`` warns like d6tpipe).  d6tpipe's older docs call
        ``remove_orphans('both')``; a direction passed first is accepted."""
        if isinstance(files, str) and files in ("local", "remote", "both") and direction == "local":
            direction, files = files, None
        if direction not in ("both", "local", "remote"):
            raise ValueError("direction needs to be 'local', 'remote' or 'both'")
        if dryrun is None:
            warnings.warn("dryrun active by default, to execute explicitly pass dryrun=False", stacklevel=2)
            dryrun = True
        result = self._call("pipe.remove_orphans", direction=direction, dryrun=bool(dryrun), files=_names(files))
        return {"local": result.get("local", []), "remote": result.get("remote", [])}

    def _confirmed(self, files: FileList, where: str, confirm: bool) -> bool:
        if not confirm:
            return True
        shown = "all" if files is None else _names(files)
        answer = input("Confirm deleting {} files in {} (y/n)".format(shown, where))
        return answer.strip() == "y"

    def _delete(self, scope: str, files: FileList, all_local: Optional[bool]) -> Dict[str, List[str]]:
        names = None if files in (None, "all") else _names(files)
        return self._call(
            "pipe.delete_files", scope=scope, files=names, all_local=True if all_local else None, confirm=True
        )

    def delete_files(self, files: FileList = None, confirm: bool = True, all_local: Optional[bool] = None) -> Optional[Dict[str, List[str]]]:
        """Delete files remotely and locally (all of them when ``files`` is None).

        ``confirm=True`` asks on the terminal like d6tpipe (``y`` goes ahead,
        anything else returns None); ``confirm=False`` deletes without asking.
        Locally, without ``files``, the files of the last sync are deleted
        (``all_local=True``: everything in the pipe folder).  Returns
        ``{'local': [...], 'remote': [...]}`` (d6tpipe returned None).
        """
        if not self._confirmed(files, "{} and {}".format(self.remote_prefix, self.dir), confirm):
            return None
        return self._delete("both", files, all_local)

    def delete_files_remote(self, files: FileList = None, confirm: bool = True) -> Optional[Dict[str, List[str]]]:
        """Delete remote files (all of them when ``files`` is None); ``confirm``
        as in :meth:`delete_files`."""
        if not self._confirmed(files, self.remote_prefix, confirm):
            return None
        return self._delete("remote", files, None)

    def delete_files_local(
        self,
        files: FileList = None,
        confirm: bool = True,
        delete_all: Optional[bool] = None,
        ignore_errors: bool = False,
    ) -> Optional[Dict[str, List[str]]]:
        """Delete local files: the named ones, else the files of the last sync,
        or with ``delete_all=True`` everything in the pipe folder.  ``confirm``
        as in :meth:`delete_files`; d6tpipe's second prompt (all or downloaded
        files) is replaced by ``delete_all``.  Only the named files are
        deleted (d6tpipe bug B6 is not reproduced)."""
        if not self._confirmed(files, self.dir, confirm):
            return None
        return self._delete("local", files, delete_all)

    def import_files(self, files: Iterable[Any], subdir: Optional[str] = None, move: bool = False) -> List[str]:
        """Copy (``move=True``: move) files into the pipe folder (below
        ``subdir``), each under its own name; returns the imported names."""
        paths = [os.path.abspath(os.fspath(f)) for f in ([files] if isinstance(files, (str, os.PathLike)) else files)]
        result = self._call("pipe.import_files", paths=paths, subdir=subdir, move=True if move else None)
        return result["files"]

    def import_file(self, file: Any, subdir: Optional[str] = None, move: bool = False) -> List[str]:
        """:meth:`import_files` of one file."""
        return self.import_files([file], subdir=subdir, move=move)

    def import_dir(self, dir: Any, move: bool = False) -> List[str]:
        """Copy (or move) a folder's files, keeping their relative paths, into
        the pipe folder; existing folders merge.  Returns the imported names."""
        result = self._call("pipe.import_dir", path=os.path.abspath(os.fspath(dir)), move=True if move else None)
        return result["files"]

    def reset(self, delete: bool = False) -> Optional[List[str]]:
        """Forget the sync state and pull every remote file again; ``delete=True``
        empties the pipe folder first (after asking, like d6tpipe).  The mode is
        ``default`` afterwards.  Returns the names pulled."""
        if delete and not self._confirmed(None, self.dir, True):
            return None
        result = self._call("pipe.reset", progress=self.progress, delete=True if delete else None, confirm=True)
        self.mode = "default"
        return result["files"]
