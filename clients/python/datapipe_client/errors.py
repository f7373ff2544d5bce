"""Typed exceptions for datapipe bridge errors.

Every error reply of the bridge is ``{"code": C, "message": M, "data": D}``
(protocol/errors.md).  Application errors carry ``data.type``; this module maps
that name (or, for the JSON-RPC standard errors, the code) to an exception
class.  All of them derive from :class:`DatapipeError`, which keeps ``.code``,
``.message`` and ``.data``.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, Dict, List, Optional, Type

__all__ = [
    "DatapipeError",
    "TransportError",
    # application errors (data.type)
    "AuthRequiredError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "NotSyncedError",
    "RemoteError",
    "InvalidSettingsError",
    "ConfirmationRequiredError",
    "ServerOnlyError",
    "LocalError",
    # JSON-RPC standard errors (code)
    "ParseError",
    "InvalidRequestError",
    "MethodNotFoundError",
    "InvalidParamsError",
    "InternalError",
    "CancelledError",
    "error_from_reply",
]


class DatapipeError(Exception):
    """Base class of every error the bridge (or the connection to it) reports.

    ``code`` is the JSON-RPC error code (``None`` for :class:`TransportError`),
    ``message`` the bridge's text for people, ``data`` the error's ``data``
    member (a dict, possibly empty).
    """

    #: the code this class stands for (informative; the instance keeps the real one)
    default_code: Optional[int] = None

    def __init__(self, message: str, code: Optional[int] = None, data: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code
        self.data: Dict[str, Any] = dict(data) if isinstance(data, dict) else ({} if data is None else {"value": data})

    @property
    def type(self) -> Optional[str]:
        """``data.type`` of an application error, else ``None``."""
        t = self.data.get("type")
        return t if isinstance(t, str) else None

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return "{}(code={!r}, message={!r}, data={!r})".format(type(self).__name__, self.code, self.message, self.data)


class TransportError(DatapipeError):
    """The connection to the bridge failed or closed (the process died, the
    socket was reset, the client was closed) while a call was waiting."""


class _FilesMixin:
    data: Dict[str, Any]

    @property
    def files(self) -> List[str]:
        """The file names the error is about (``data.files``)."""
        files = self.data.get("files")
        return list(files) if isinstance(files, list) else []


# --- application errors: data.type -------------------------------------------------


class AuthRequiredError(DatapipeError):
    """-32001: a TCP connection called before ``session.authenticate`` or gave a wrong token."""

    default_code = -32001


class PermissionDeniedError(DatapipeError):
    """-32002: the caller's role does not allow the call (e.g. a push on a read-only pipe)."""

    default_code = -32002


class NotFoundError(_FilesMixin, DatapipeError):
    """-32003: a pipe, profile or file that does not exist (``.files`` when files are missing)."""

    default_code = -32003


class ConflictError(_FilesMixin, DatapipeError):
    """-32004: a pull would overwrite local changes; ``.files`` names them."""

    default_code = -32004


class NotSyncedError(_FilesMixin, DatapipeError):
    """-32005: a push while remote changes are not pulled; ``.files`` names them."""

    default_code = -32005


class RemoteError(_FilesMixin, DatapipeError):
    """-32006: the remote store failed (``.data`` has ``protocol``, ``location``, ``reason``; ``.files`` the failed transfers)."""

    default_code = -32006


class InvalidSettingsError(DatapipeError):
    """-32007: settings or config that cannot be used; ``.field`` names the setting at fault."""

    default_code = -32007

    @property
    def field(self) -> Optional[str]:
        return self.data.get("field")

    @property
    def config_file(self) -> Optional[str]:
        return self.data.get("config_file")


class ConfirmationRequiredError(DatapipeError):
    """-32008: a destructive call without ``confirm=True``; nothing was deleted."""

    default_code = -32008


class ServerOnlyError(DatapipeError):
    """-32009: the call needs server mode, which this build of datapipe does not serve yet."""

    default_code = -32009


class LocalError(DatapipeError):
    """-32010: the local file system failed (``.path``, ``.reason``)."""

    default_code = -32010

    @property
    def path(self) -> Optional[str]:
        return self.data.get("path")

    @property
    def reason(self) -> Optional[str]:
        return self.data.get("reason")


# --- JSON-RPC standard errors: code ------------------------------------------------


class ParseError(DatapipeError):
    """-32700: the bridge could not parse a message."""

    default_code = -32700


class InvalidRequestError(DatapipeError):
    """-32600: not a valid request (or a message over the size limit)."""

    default_code = -32600


class MethodNotFoundError(DatapipeError):
    """-32601: no such method (``.data['method']``)."""

    default_code = -32601


class InvalidParamsError(DatapipeError):
    """-32602: params do not fit; ``.path`` names the param at fault."""

    default_code = -32602

    @property
    def path(self) -> Optional[str]:
        return self.data.get("path")


class InternalError(DatapipeError):
    """-32603: the bridge failed unexpectedly (details are in its log)."""

    default_code = -32603


class CancelledError(DatapipeError, concurrent.futures.CancelledError):
    """-32800: the request was cancelled (``$/cancelRequest`` or shutdown).

    Also a :class:`concurrent.futures.CancelledError`, so code that catches
    that keeps working.
    """

    default_code = -32800


_BY_TYPE: Dict[str, Type[DatapipeError]] = {
    "AuthRequired": AuthRequiredError,
    "PermissionDenied": PermissionDeniedError,
    "NotFound": NotFoundError,
    "Conflict": ConflictError,
    "NotSynced": NotSyncedError,
    "RemoteError": RemoteError,
    "InvalidSettings": InvalidSettingsError,
    "ConfirmationRequired": ConfirmationRequiredError,
    "ServerOnly": ServerOnlyError,
    "LocalError": LocalError,
}

_BY_CODE: Dict[int, Type[DatapipeError]] = {
    -32700: ParseError,
    -32600: InvalidRequestError,
    -32601: MethodNotFoundError,
    -32602: InvalidParamsError,
    -32603: InternalError,
    -32800: CancelledError,
}
for _cls in _BY_TYPE.values():
    _BY_CODE[_cls.default_code] = _cls  # type: ignore[index]


def error_from_reply(error: Any) -> DatapipeError:
    """The exception for a reply's ``error`` member.

    ``data.type`` decides for application errors; otherwise the code does;
    anything unknown becomes a plain :class:`DatapipeError`.
    """
    if not isinstance(error, dict):
        return DatapipeError("malformed error reply: {!r}".format(error))
    code = error.get("code")
    message = error.get("message")
    if not isinstance(message, str):
        message = "error {}".format(code)
    data = error.get("data")
    cls: Optional[Type[DatapipeError]] = None
    if isinstance(data, dict) and isinstance(data.get("type"), str):
        cls = _BY_TYPE.get(data["type"])
    if cls is None and isinstance(code, int):
        cls = _BY_CODE.get(code)
    return (cls or DatapipeError)(message, code if isinstance(code, int) else None, data)
