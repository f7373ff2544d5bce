"""d6tpipe's exceptions (``d6tpipe.exceptions``), raised by the facade.

They are also datapipe errors: :class:`PullError` is a
:class:`~datapipe_client.errors.ConflictError` and :class:`PushError` a
:class:`~datapipe_client.errors.NotSyncedError`, so ``.files``, ``.code`` and
``.data`` are there too.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from ..errors import ConflictError, DatapipeError, NotSyncedError

__all__ = ["PullError", "PushError", "ResourceExistsError"]


def _with_files(text: str, files: Iterable[str]) -> str:
    files = list(files)
    return "{}: {}".format(text, ", ".join(files)) if files else text


class PullError(ConflictError):
    """A pull would overwrite files changed locally since the last sync.

    ``.files`` names them (so does the message).  Pass ``merge_mode='keep'``
    (keep yours) or ``'overwrite'`` (take the remote's) to go ahead.
    """

    def __init__(self, message: str, code: Optional[int] = None, data: Optional[Dict[str, Any]] = None):
        super().__init__(message, code, data)

    @classmethod
    def from_conflict(cls, error: ConflictError) -> "PullError":
        text = _with_files(
            "Modified files will be overwritten by pull, specify merge mode ['keep', 'overwrite']", error.files
        )
        return cls(text, error.code, error.data)


class PushError(NotSyncedError):
    """A push refused before anything was uploaded: the remote has changes not
    pulled yet.  ``.files`` names them (so does the message)."""

    def __init__(self, message: str, code: Optional[int] = None, data: Optional[Dict[str, Any]] = None):
        super().__init__(message, code, data)

    @classmethod
    def from_not_synced(cls, error: NotSyncedError) -> "PushError":
        return cls.pending(error.files, error.code, error.data)

    @classmethod
    def pending(cls, files: Iterable[str], code: Optional[int] = None, data: Optional[Dict[str, Any]] = None) -> "PushError":
        files = list(files)
        payload = dict(data or {})
        payload.setdefault("type", "NotSynced")
        payload["files"] = files
        text = _with_files("Remote has changes not pulled to local repo, run pull first", files)
        return cls(text, code if code is not None else NotSyncedError.default_code, payload)


class ResourceExistsError(DatapipeError):
    """Kept for d6tpipe compatibility; datapipe's upsert never raises it."""
