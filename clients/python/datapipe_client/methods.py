"""One Python method per bridge method, written out (not generated at run time).

The names are the snake_case of the method names (``pipe.pull`` ->
``pipe_pull``).  Parameters: the method's required params first, then its
optional ones with default ``None``, each group in the order
protocol/openrpc.json lists them.  A param left at ``None`` is not sent, so
the bridge applies its own default.  Every wrapper also takes keyword-only
``progress_token`` (the token of its ``$/progress`` notifications),
``progress`` (a callback or True for a tqdm bar) and ``timeout`` (seconds;
the call is cancelled when it expires).

tests/test_methods.py checks this class against openrpc.json, so the two
cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Union

ProgressArg = Union[None, bool, Callable[[Dict[str, Any]], Any]]

__all__ = ["RPCMethods", "METHOD_NAMES"]


class RPCMethods:
    """Mixin of :class:`~datapipe_client.Client`: a method per RPC method."""

    def _invoke(self, method: str, params: Dict[str, Any], progress: ProgressArg, timeout: Optional[float]) -> Any:
        raise NotImplementedError

    def account_login(
        self,
        username: str,
        password: str,
        server: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Retrieves the account's existing token from the repo server (d6tpipe's login/forgotToken)
        and stores it in the profile.

        Params:
        - ``username`` (str, required): The account.
        - ``password`` (str, required): Never logged nor echoed.
        - ``server`` (str): The repo server's base URL; stored in the profile. Default: the profile's
          `server`.

        Calls ``account.login``; errors: -32001, -32007, -32006.
        """
        params = {
            "username": username,
            "password": password,
            "server": server,
            "progress_token": progress_token,
        }
        return self._invoke("account.login", params, progress, timeout)

    def account_register(
        self,
        username: str,
        email: str,
        password: str,
        server: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Registers an account on the repo server and stores its token and username in the profile.
        The answer does not carry the token.

        Params:
        - ``username`` (str, required): Letters, digits and @.+-_; not `public`.
        - ``email`` (str, required): The account's email address (unique).
        - ``password`` (str, required): Never logged nor echoed.
        - ``server`` (str): The repo server's base URL; stored in the profile. Default: the profile's
          `server`.

        Calls ``account.register``; errors: -32001, -32007, -32006.
        """
        params = {
            "username": username,
            "email": email,
            "password": password,
            "server": server,
            "progress_token": progress_token,
        }
        return self._invoke("account.register", params, progress, timeout)

    def account_unregister(
        self,
        username: str,
        confirm: bool,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Deletes the profile's own account on the repo server (d6tpipe's `unregister`), then
        removes its token from the profile. Server mode only; needs `confirm: true`.

        Params:
        - ``username`` (str, required): The profile's own username (the server refuses anyone else's).
        - ``confirm`` (bool, required): Must be true: the account, its pipes' ownership and its grants
          go.

        Calls ``account.unregister``; errors: -32001, -32002, -32007, -32006, -32009, -32008.
        """
        params = {
            "username": username,
            "confirm": confirm,
            "progress_token": progress_token,
        }
        return self._invoke("account.unregister", params, progress, timeout)

    def config_init(
        self,
        filerepo: Optional[str] = None,
        server: Optional[str] = None,
        reset: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Creates the session's profile (d6tpipe's ConfigManager.init). An existing profile is left alone
        unless reset.

        Params:
        - ``filerepo`` (str): Folder holding the profile's pipes (default ~/datapipe/files/<profile>),
          used as given.
        - ``server`` (str): Repo API server URL (server mode).
        - ``reset`` (bool, default false): Overwrite an existing profile.

        Calls ``config.init``; errors: -32001, -32007.
        """
        params = {
            "filerepo": filerepo,
            "server": server,
            "reset": reset,
            "progress_token": progress_token,
        }
        return self._invoke("config.init", params, progress, timeout)

    def config_load(
        self,
        reveal: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The session's profile as stored; token, key and password show as *** unless reveal.

        Params:
        - ``reveal`` (bool, default false): Show secrets.

        Calls ``config.load``; errors: -32001, -32007.
        """
        params = {
            "reveal": reveal,
            "progress_token": progress_token,
        }
        return self._invoke("config.load", params, progress, timeout)

    def config_update(
        self,
        changes: Dict[str, Any],
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Merges changes into the session's profile (null removes a key); returns it with secrets hidden.

        Params:
        - ``changes`` (dict, required): Keys to set: filerepo, server, token, mode (local|server),
          username, or any other.

        Calls ``config.update``; errors: -32001, -32007.
        """
        params = {
            "changes": changes,
            "progress_token": progress_token,
        }
        return self._invoke("config.update", params, progress, timeout)

    def mode_get(
        self,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The repo mode of the session's profile.

        Calls ``mode.get``; errors: -32001, -32007.
        """
        return self._invoke("mode.get", {"progress_token": progress_token}, progress, timeout)

    def mode_switch(
        self,
        mode: str,
        server: Optional[str] = None,
        migrate: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Moves the session's profile between local and server mode (stored as `mode` and
        `server`). Server mode needs a server URL that answers; the sync state stays local. With
        migrate, the local pipe definitions are created on the server first (the result lists
        ``migrated`` and ``skipped``).

        Params:
        - ``mode`` (str, required): The mode to switch to.
        - ``server`` (str): The repo server's base URL; stored in the profile. Default: the profile's
          `server`.
        - ``migrate`` (bool): Switching to server: create the local pipes on the server first.

        Calls ``mode.switch``; errors: -32001, -32007, -32006.
        """
        params = {
            "mode": mode,
            "server": server,
            "migrate": migrate,
            "progress_token": progress_token,
        }
        return self._invoke("mode.switch", params, progress, timeout)

    def permissions_list(
        self,
        pipe: str,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """A pipe's own grants (by username, email or `public`) with their expiry. Server mode only;
        owners and admins.

        Params:
        - ``pipe`` (str, required): The pipe.

        Calls ``permissions.list``; errors: -32001, -32002, -32003, -32007, -32006, -32009.
        """
        params = {
            "pipe": pipe,
            "progress_token": progress_token,
        }
        return self._invoke("permissions.list", params, progress, timeout)

    def permissions_set(
        self,
        pipe: str,
        role: str,
        username: Optional[str] = None,
        email: Optional[str] = None,
        expiration_date: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Grants read, write or admin on a pipe to a username or an email address (people who
        register later included), or revokes it. Server mode only; owners and admins.

        Params:
        - ``pipe`` (str, required): The pipe.
        - ``username`` (str): The grantee (`public` for everyone, read only). Give username or email.
        - ``email`` (str): The grantee's email address.
        - ``role`` (str, required): The access to give; `revoke` removes it.
        - ``expiration_date`` (str): `YYYY-MM-DD` or an ISO 8601 date-time when the grant ends. Default:
          never.

        Calls ``permissions.set``; errors: -32001, -32002, -32003, -32007, -32006, -32009.
        """
        params = {
            "pipe": pipe,
            "username": username,
            "email": email,
            "role": role,
            "expiration_date": expiration_date,
            "progress_token": progress_token,
        }
        return self._invoke("permissions.set", params, progress, timeout)

    def pipe_credentials_reset(
        self,
        pipe: str,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Asks the repo server for new keys for the pipe, read and (for writers) write. A managed
        pipe's temporary keys are rotated; other pipes keep their owner's stored keys (renewed
        false). The keys never appear in the answer. Server mode only.

        Params:
        - ``pipe`` (str, required): The pipe.

        Calls ``pipe.credentials_reset``; errors: -32001, -32002, -32003, -32007, -32006, -32009.
        """
        params = {
            "pipe": pipe,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.credentials_reset", params, progress, timeout)

    def pipe_delete_files(
        self,
        pipe: str,
        scope: str,
        confirm: bool,
        files: Optional[List[str]] = None,
        all_local: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Deletes files locally, remotely or both. Local: the named files, else the files of the last
        sync, or with all_local everything in the pipe folder. Remote: the named files, else every
        remote file. Needs confirm: true (ConfirmationRequired otherwise, nothing deleted).

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``scope`` ("local" | "remote" | "both", required): Where to delete.
        - ``files`` (list of str): Names to delete.
        - ``all_local`` (bool, default false): Every local file, synced or not.
        - ``confirm`` (bool, required): Must be true.

        Calls ``pipe.delete_files``; errors: -32001, -32003, -32008, -32002, -32006, -32010.
        """
        params = {
            "pipe": pipe,
            "scope": scope,
            "files": files,
            "all_local": all_local,
            "confirm": confirm,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.delete_files", params, progress, timeout)

    def pipe_filepaths(
        self,
        pipe: str,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        sortby: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """As pipe.files, with absolute paths.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``sortby`` ("name" | "filename" | "mod" | "modified_at" | "size" | "crc", default "name"):
          Order of the list.

        Calls ``pipe.filepaths``; errors: -32001, -32003.
        """
        params = {
            "pipe": pipe,
            "include": include,
            "exclude": exclude,
            "sortby": sortby,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.filepaths", params, progress, timeout)

    def pipe_files(
        self,
        pipe: str,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        sortby: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The pipe's local files as recorded at the last sync (names).

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``sortby`` ("name" | "filename" | "mod" | "modified_at" | "size" | "crc", default "name"):
          Order of the list.

        Calls ``pipe.files``; errors: -32001, -32003.
        """
        params = {
            "pipe": pipe,
            "include": include,
            "exclude": exclude,
            "sortby": sortby,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.files", params, progress, timeout)

    def pipe_import_dir(
        self,
        pipe: str,
        path: str,
        subdir: Optional[str] = None,
        move: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Copies (or moves) a folder's files, keeping their relative paths, into the pipe folder
        (optionally below subdir); existing folders merge.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``path`` (str, required): Folder to import.
        - ``subdir`` (str): Relative folder inside the pipe.
        - ``move`` (bool, default false): Move instead of copy.

        Calls ``pipe.import_dir``; errors: -32001, -32003, -32007, -32010.
        """
        params = {
            "pipe": pipe,
            "path": path,
            "subdir": subdir,
            "move": move,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.import_dir", params, progress, timeout)

    def pipe_import_files(
        self,
        pipe: str,
        paths: List[str],
        subdir: Optional[str] = None,
        move: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Copies (or moves) files into the pipe folder, optionally below subdir; each keeps its own name.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``paths`` (list of str, required): Files to import.
        - ``subdir`` (str): Relative folder inside the pipe.
        - ``move`` (bool, default false): Move instead of copy.

        Calls ``pipe.import_files``; errors: -32001, -32003, -32007, -32010.
        """
        params = {
            "pipe": pipe,
            "paths": paths,
            "subdir": subdir,
            "move": move,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.import_files", params, progress, timeout)

    def pipe_is_synced(
        self,
        pipe: str,
        cached: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Whether the remote has changes not pulled yet, and which.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``cached`` (bool, default true): Use a listing cached in the last 5 minutes.

        Calls ``pipe.is_synced``; errors: -32001, -32003, -32006.
        """
        params = {
            "pipe": pipe,
            "cached": cached,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.is_synced", params, progress, timeout)

    def pipe_pull(
        self,
        pipe: str,
        files: Optional[List[str]] = None,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        nrecent: Optional[int] = None,
        mode: Optional[str] = None,
        cached: Optional[bool] = None,
        merge_mode: Optional[str] = None,
        concurrency: Optional[int] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Brings what changed remotely. Local files changed since the last sync are never overwritten
        without merge_mode (keep: keep yours, the remote change counts as seen; overwrite: take the
        remote's): Conflict lists them. Downloads land in .partial files renamed after their size and
        md5 check out. README.md / LICENSE.md text is returned when pulled. Sends $/progress.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``files`` (list of str): Explicit file names; mode, filters and nrecent are then not applied.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``nrecent`` (int, default 0): Only the n newest files (negative: the n oldest); 0: all.
          Applied after include/exclude.
        - ``mode`` ("default" | "new" | "mod" | "all", default "default"): default: new and modified;
          new: not seen at the last sync; mod: changed since; all: every file.
        - ``cached`` (bool, default true): Use the remote listing cached in the last 5 minutes.
        - ``merge_mode`` ("keep" | "overwrite"): What to do with locally modified files.
        - ``concurrency`` (int, default 8): Transfers at once.

        Calls ``pipe.pull``; errors: -32001, -32003, -32004, -32006, -32010.
        """
        params = {
            "pipe": pipe,
            "files": files,
            "include": include,
            "exclude": exclude,
            "nrecent": nrecent,
            "mode": mode,
            "cached": cached,
            "merge_mode": merge_mode,
            "concurrency": concurrency,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.pull", params, progress, timeout)

    def pipe_pull_preview(
        self,
        pipe: str,
        files: Optional[List[str]] = None,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        nrecent: Optional[int] = None,
        mode: Optional[str] = None,
        cached: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The files a pull would bring and their total size; nothing moves.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``files`` (list of str): Explicit file names; mode, filters and nrecent are then not applied.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``nrecent`` (int, default 0): Only the n newest files (negative: the n oldest); 0: all.
          Applied after include/exclude.
        - ``mode`` ("default" | "new" | "mod" | "all", default "default"): default: new and modified;
          new: not seen at the last sync; mod: changed since; all: every file.
        - ``cached`` (bool, default true): Use the remote listing cached in the last 5 minutes.

        Calls ``pipe.pull_preview``; errors: -32001, -32003, -32006.
        """
        params = {
            "pipe": pipe,
            "files": files,
            "include": include,
            "exclude": exclude,
            "nrecent": nrecent,
            "mode": mode,
            "cached": cached,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.pull_preview", params, progress, timeout)

    def pipe_push(
        self,
        pipe: str,
        files: Optional[List[str]] = None,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        nrecent: Optional[int] = None,
        mode: Optional[str] = None,
        cached: Optional[bool] = None,
        fromdb: Optional[bool] = None,
        concurrency: Optional[int] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Sends what changed locally since the last sync. Needs write access (refused before any transfer)
        and, unless mode all, no remote changes left to pull (NotSynced lists them). Sends $/progress.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``files`` (list of str): Explicit file names; mode, filters and nrecent are then not applied.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``nrecent`` (int, default 0): Only the n newest files (negative: the n oldest); 0: all.
          Applied after include/exclude.
        - ``mode`` ("default" | "new" | "mod" | "all", default "default"): default: new and modified;
          new: not seen at the last sync; mod: changed since; all: every file.
        - ``cached`` (bool, default true): Use the remote listing cached in the last 5 minutes.
        - ``fromdb`` (bool, default false): Only files recorded at the last sync.
        - ``concurrency`` (int, default 8): Transfers at once.

        Calls ``pipe.push``; errors: -32001, -32003, -32002, -32005, -32006, -32010.
        """
        params = {
            "pipe": pipe,
            "files": files,
            "include": include,
            "exclude": exclude,
            "nrecent": nrecent,
            "mode": mode,
            "cached": cached,
            "fromdb": fromdb,
            "concurrency": concurrency,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.push", params, progress, timeout)

    def pipe_push_preview(
        self,
        pipe: str,
        files: Optional[List[str]] = None,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        nrecent: Optional[int] = None,
        mode: Optional[str] = None,
        cached: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The files a push would send and their total size; refused like the push (read-only role, remote
        changes not pulled).

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``files`` (list of str): Explicit file names; mode, filters and nrecent are then not applied.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``nrecent`` (int, default 0): Only the n newest files (negative: the n oldest); 0: all.
          Applied after include/exclude.
        - ``mode`` ("default" | "new" | "mod" | "all", default "default"): default: new and modified;
          new: not seen at the last sync; mod: changed since; all: every file.
        - ``cached`` (bool, default true): Use the remote listing cached in the last 5 minutes.

        Calls ``pipe.push_preview``; errors: -32001, -32003, -32002, -32005, -32006.
        """
        params = {
            "pipe": pipe,
            "files": files,
            "include": include,
            "exclude": exclude,
            "nrecent": nrecent,
            "mode": mode,
            "cached": cached,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.push_preview", params, progress, timeout)

    def pipe_remove_orphans(
        self,
        pipe: str,
        direction: Optional[str] = None,
        dryrun: Optional[bool] = None,
        files: Optional[List[str]] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Files present on one side only: local orphans are missing remotely, remote orphans missing
        locally. A dry run unless dryrun is false; write access is checked before anything is deleted.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``direction`` ("local" | "remote" | "both", default "local"): Which side's orphans.
        - ``dryrun`` (bool, default true): Only list them.
        - ``files`` (list of str): Limit to these names.

        Calls ``pipe.remove_orphans``; errors: -32001, -32003, -32002, -32006, -32010.
        """
        params = {
            "pipe": pipe,
            "direction": direction,
            "dryrun": dryrun,
            "files": files,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.remove_orphans", params, progress, timeout)

    def pipe_reset(
        self,
        pipe: str,
        confirm: bool,
        delete: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Forgets the sync state and pulls every remote file again, replacing local copies; delete empties
        the pipe folder first. Needs confirm: true.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``delete`` (bool, default false): Empty the pipe folder first.
        - ``confirm`` (bool, required): Must be true.

        Calls ``pipe.reset``; errors: -32001, -32003, -32008, -32006, -32010.
        """
        params = {
            "pipe": pipe,
            "delete": delete,
            "confirm": confirm,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.reset", params, progress, timeout)

    def pipe_scan_local(
        self,
        pipe: str,
        include: Optional[str] = None,
        exclude: Optional[str] = None,
        attributes: Optional[bool] = None,
        sortby: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The files in the pipe's local folder (crc = md5).

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``include`` (str): fnmatch patterns joined by |, e.g. *.csv|*.txt (* also matches /).
        - ``exclude`` (str): fnmatch patterns joined by |; matching files are left out.
        - ``attributes`` (bool, default false): Objects instead of names.
        - ``sortby`` ("name" | "filename" | "mod" | "modified_at" | "size" | "crc", default "name"):
          Order of the list.

        Calls ``pipe.scan_local``; errors: -32001, -32003, -32010, -32007.
        """
        params = {
            "pipe": pipe,
            "include": include,
            "exclude": exclude,
            "attributes": attributes,
            "sortby": sortby,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.scan_local", params, progress, timeout)

    def pipe_scan_remote(
        self,
        pipe: str,
        attributes: Optional[bool] = None,
        cached: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The remote files, pipe filters applied, sorted by name; the listing is cached for 5 minutes
        unless cached is false.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``attributes`` (bool, default false): Objects {filename, modified_at, size, crc} instead of
          names.
        - ``cached`` (bool, default true): Use a listing cached in the last 5 minutes.

        Calls ``pipe.scan_remote``; errors: -32001, -32003, -32006, -32007.
        """
        params = {
            "pipe": pipe,
            "attributes": attributes,
            "cached": cached,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.scan_remote", params, progress, timeout)

    def pipe_schema(
        self,
        pipe: str,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The pipe's schema setting, handed back untouched ({} when unset).

        Params:
        - ``pipe`` (str, required): The pipe's name.

        Calls ``pipe.schema``; errors: -32001, -32003.
        """
        params = {
            "pipe": pipe,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.schema", params, progress, timeout)

    def pipe_update_settings(
        self,
        pipe: str,
        settings: Dict[str, Any],
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Merges settings into an existing pipe (it cannot be renamed); returns them with credentials
        hidden.

        Params:
        - ``pipe`` (str, required): The pipe's name.
        - ``settings`` (dict, required): Settings to merge.

        Calls ``pipe.update_settings``; errors: -32001, -32003, -32007.
        """
        params = {
            "pipe": pipe,
            "settings": settings,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.update_settings", params, progress, timeout)

    def pipe_watch(
        self,
        pipe: str,
        since: Optional[int] = None,
        interval_ms: Optional[int] = None,
        duration_ms: Optional[int] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Follows what the repo server's scans record of the pipe's remote, sending a pipe/changed
        notification for each batch of changes, until the call is cancelled or duration_ms passes.
        Server mode only. ``progress`` (a callable) receives each ``pipe/changed`` params dict
        (``pipe``, ``changes``, ``cursor``); cancel with ``call_async(...).cancel()``.

        Params:
        - ``pipe`` (str, required): The pipe.
        - ``since`` (int): Report changes after this cursor (0: every change the server recorded).
        - ``interval_ms`` (int): How often to ask the server, at least 100.
        - ``duration_ms`` (int): End the watch after this long. Default: until cancelled.

        Calls ``pipe.watch``; errors: -32001, -32002, -32003, -32007, -32006, -32009.
        """
        params = {
            "pipe": pipe,
            "since": since,
            "interval_ms": interval_ms,
            "duration_ms": duration_ms,
            "progress_token": progress_token,
        }
        return self._invoke("pipe.watch", params, progress, timeout)

    def pipes_delete(
        self,
        name: str,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Removes a pipe's settings and sync state; its local files stay.

        Params:
        - ``name`` (str, required): The pipe's name.

        Calls ``pipes.delete``; errors: -32001, -32003, -32009.
        """
        params = {
            "name": name,
            "progress_token": progress_token,
        }
        return self._invoke("pipes.delete", params, progress, timeout)

    def pipes_get(
        self,
        name: str,
        reveal: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """One pipe's settings; credentials show as *** unless reveal.

        Params:
        - ``name`` (str, required): The pipe's name.
        - ``reveal`` (bool, default false): Show credentials.

        Calls ``pipes.get``; errors: -32001, -32003, -32009.
        """
        params = {
            "name": name,
            "reveal": reveal,
            "progress_token": progress_token,
        }
        return self._invoke("pipes.get", params, progress, timeout)

    def pipes_list(
        self,
        names_only: Optional[bool] = None,
        parent_only: Optional[bool] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The pipes of the repo: names (default) or settings with credentials hidden.

        Params:
        - ``names_only`` (bool, default true): Names instead of settings.
        - ``parent_only`` (bool, default false): Only pipes without a parent.

        Calls ``pipes.list``; errors: -32001, -32009, -32007.
        """
        params = {
            "names_only": names_only,
            "parent_only": parent_only,
            "progress_token": progress_token,
        }
        return self._invoke("pipes.list", params, progress, timeout)

    def pipes_upsert(
        self,
        settings: Dict[str, Any],
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Creates a pipe, or merges settings into an existing one (options merge key by key; null
        removes). Settings: name (^[a-zA-Z0-9-]+$), protocol (file|s3|sftp|ftp), location, credentials
        (flat or {read, write}), options {remotepath, dir, include, exclude, endpoint_url, region,
        concurrency (1-64, transfers at once; default 8)}, schema, parent, any other keys.

        Params:
        - ``settings`` (dict, required): The pipe's settings (name required).

        Calls ``pipes.upsert``; errors: -32001, -32007, -32009.
        """
        params = {
            "settings": settings,
            "progress_token": progress_token,
        }
        return self._invoke("pipes.upsert", params, progress, timeout)

    def profiles_list(
        self,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The profile names in the session's config file.

        Calls ``profiles.list``; errors: -32001, -32007.
        """
        return self._invoke("profiles.list", {"progress_token": progress_token}, progress, timeout)

    def rpc_discover(
        self,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """This document: every method the bridge serves, with params, results and errors.

        Calls ``rpc.discover``; errors: -32001.
        """
        return self._invoke("rpc.discover", {"progress_token": progress_token}, progress, timeout)

    def session_authenticate(
        self,
        token: str,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Proves a TCP connection holds the bridge's token (the content of its token file). Until then
        every other call on that connection fails with AuthRequired. Stdio, Unix-socket and --no-auth
        connections need not call it; there it answers ok.

        Params:
        - ``token`` (str, required): The token the bridge wrote to its token file (0600) at start.

        Calls ``session.authenticate``; errors: -32001.
        """
        params = {
            "token": token,
            "progress_token": progress_token,
        }
        return self._invoke("session.authenticate", params, progress, timeout)

    def session_configure(
        self,
        profile: Optional[str] = None,
        config_file: Optional[str] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Points this session at another profile and/or config file; later calls use them.

        Params:
        - ``profile`` (str): Profile name.
        - ``config_file`` (str): Path of the config file.

        Calls ``session.configure``; errors: -32001, -32007.
        """
        params = {
            "profile": profile,
            "config_file": config_file,
            "progress_token": progress_token,
        }
        return self._invoke("session.configure", params, progress, timeout)

    def session_info(
        self,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Who and where this session is: version, profile, repo mode, repo server, user, local file repo.

        Calls ``session.info``; errors: -32001, -32007.
        """
        return self._invoke("session.info", {"progress_token": progress_token}, progress, timeout)

    def session_ping(
        self,
        delay_ms: Optional[int] = None,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Liveness check. With delay_ms it waits that long, sending $/progress every 100 ms, and can be
        cancelled with $/cancelRequest: a way for clients to test keep-alive, progress and cancellation
        handling.

        Params:
        - ``delay_ms`` (int, default 0): Milliseconds to wait before answering, 0 to 60000.

        Calls ``session.ping``; errors: -32001, -32602, -32800.
        """
        params = {
            "delay_ms": delay_ms,
            "progress_token": progress_token,
        }
        return self._invoke("session.ping", params, progress, timeout)


#: every bridge method and its Python name, as written above

    def token_get(
        self,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The profile's repo server token (null when none); `config.load` shows it as "***" unless
        asked to reveal.

        Calls ``token.get``; errors: -32001, -32007.
        """
        params = {
            "progress_token": progress_token,
        }
        return self._invoke("token.get", params, progress, timeout)

    def token_set(
        self,
        token: str,
        *,
        progress_token: Any = None,
        progress: ProgressArg = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Stores a repo server token in the profile (d6tpipe's setToken); null removes it.

        Params:
        - ``token`` (str, required): The token, or null.

        Calls ``token.set``; errors: -32001, -32007.
        """
        params = {
            "token": token,
            "progress_token": progress_token,
        }
        return self._invoke("token.set", params, progress, timeout)


METHOD_NAMES = {
    "account.login": "account_login",
    "account.register": "account_register",
    "account.unregister": "account_unregister",
    "config.init": "config_init",
    "config.load": "config_load",
    "config.update": "config_update",
    "mode.get": "mode_get",
    "mode.switch": "mode_switch",
    "permissions.list": "permissions_list",
    "permissions.set": "permissions_set",
    "pipe.credentials_reset": "pipe_credentials_reset",
    "pipe.delete_files": "pipe_delete_files",
    "pipe.filepaths": "pipe_filepaths",
    "pipe.files": "pipe_files",
    "pipe.import_dir": "pipe_import_dir",
    "pipe.import_files": "pipe_import_files",
    "pipe.is_synced": "pipe_is_synced",
    "pipe.pull": "pipe_pull",
    "pipe.pull_preview": "pipe_pull_preview",
    "pipe.push": "pipe_push",
    "pipe.push_preview": "pipe_push_preview",
    "pipe.remove_orphans": "pipe_remove_orphans",
    "pipe.reset": "pipe_reset",
    "pipe.scan_local": "pipe_scan_local",
    "pipe.scan_remote": "pipe_scan_remote",
    "pipe.schema": "pipe_schema",
    "pipe.update_settings": "pipe_update_settings",
    "pipe.watch": "pipe_watch",
    "pipes.delete": "pipes_delete",
    "pipes.get": "pipes_get",
    "pipes.list": "pipes_list",
    "pipes.upsert": "pipes_upsert",
    "profiles.list": "profiles_list",
    "rpc.discover": "rpc_discover",
    "session.authenticate": "session_authenticate",
    "session.configure": "session_configure",
    "session.info": "session_info",
    "session.ping": "session_ping",
    "token.get": "token_get",
    "token.set": "token_set",
}
