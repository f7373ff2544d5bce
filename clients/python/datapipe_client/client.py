"""The JSON-RPC 2.0 client of the datapipe bridge.

One :class:`Client` is one connection: to a ``datapipe rpc`` process it spawned
(stdio), or to a bridge listening on TCP or a Unix socket.  Messages are
NDJSON: one JSON text per line, both ways (protocol/framing.md).

A reader thread receives every message and hands replies to the waiting caller
by id, so any number of threads may call at once; writes are serialised by a
lock.  Long calls report progress through ``$/progress`` notifications (to a
per-call ``progress=`` callback, or a tqdm bar with ``progress=True`` when tqdm
is installed); ``$/log`` messages go to :mod:`logging` (logger
``datapipe_client``) and, for warnings and errors, to :func:`warnings.warn`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import json
import logging
import os
import shutil
import socket
import subprocess
import threading
import warnings
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Sequence, Union

from .errors import DatapipeError, TransportError, error_from_reply
from .methods import RPCMethods

__all__ = ["Client", "PendingCall", "DatapipeWarning", "find_binary", "default_token_file"]

logger = logging.getLogger("datapipe_client")
bridge_logger = logging.getLogger("datapipe_client.bridge")

ProgressCallback = Callable[[Dict[str, Any]], Any]
LogCallback = Callable[[str, str], Any]

_LOG_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


class DatapipeWarning(UserWarning):
    """A warning the bridge sent as ``$/log`` (level ``warning`` or ``error``)."""


def find_binary(binary: Optional[str] = None) -> str:
    """The datapipe executable: ``binary`` if given, else ``$DATAPIPE_BIN``,
    else ``datapipe`` on ``PATH``.  Raises :class:`FileNotFoundError` when none
    is found."""
    candidate = binary or os.environ.get("DATAPIPE_BIN")
    if candidate:
        path = os.path.expanduser(candidate)
        if os.path.sep in path or os.path.exists(path):
            if not os.path.isfile(path):
                raise FileNotFoundError("datapipe binary not found: {}".format(path))
            return path
        found = shutil.which(path)
        if found:
            return found
        raise FileNotFoundError("datapipe binary not found on PATH: {}".format(path))
    found = shutil.which("datapipe")
    if not found:
        raise FileNotFoundError(
            "datapipe binary not found: pass binary=, set DATAPIPE_BIN, or put `datapipe` on PATH"
        )
    return found


def default_token_file(config: Optional[str] = None) -> str:
    """Where a TCP bridge writes its token by default: ``rpc-token`` beside the
    config file (``config``, else ``$DATAPIPE_CONFIG``, else
    ``~/.datapipe/cfg.json``)."""
    cfg = config or os.environ.get("DATAPIPE_CONFIG") or "~/.datapipe/cfg.json"
    return os.path.join(os.path.dirname(os.path.expanduser(cfg)), "rpc-token")


# --------------------------------------------------------------------------------------
# transports


class _Transport:
    """A byte stream to the bridge: lines in, lines out."""

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def readline(self) -> bytes:
        raise NotImplementedError

    def close_write(self) -> None:
        """Signal end of input: the bridge finishes what is running and stops."""
        raise NotImplementedError

    def close(self, timeout: Optional[float]) -> None:
        raise NotImplementedError

    def failure_detail(self) -> str:
        """Extra words for a TransportError (exit status, last log lines)."""
        return ""


class _ProcessTransport(_Transport):
    def __init__(self, argv: List[str], env: Optional[Dict[str, str]]):
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            # Ctrl-C in a terminal interrupts Python, which cancels its calls;
            # the bridge must not get the SIGINT itself.
            start_new_session=True,
        )
        self.stderr_tail: Deque[str] = collections.deque(maxlen=40)
        self._stderr_thread = threading.Thread(target=self._drain_stderr, name="datapipe-client-stderr", daemon=True)
        self._stderr_thread.start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.stderr_tail.append(line)
            bridge_logger.debug("%s", line)

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def readline(self) -> bytes:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def close_write(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass

    def close(self, timeout: Optional[float]) -> None:
        self.close_write()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr_thread.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def failure_detail(self) -> str:
        status = self.proc.poll()
        if status is None:
            try:
                status = self.proc.wait(2)
            except subprocess.TimeoutExpired:
                status = None
        self._stderr_thread.join(1)
        parts = []
        if status is not None:
            parts.append("bridge exited with status {}".format(status))
        tail = [line for line in self.stderr_tail if line.strip()][-5:]
        if tail:
            parts.append("last log lines:\n  " + "\n  ".join(tail))
        return "; ".join(parts)


class _SocketTransport(_Transport):
    def __init__(self, sock: socket.socket, peer: str):
        self.sock = sock
        self.peer = peer
        self._rfile = sock.makefile("rb")

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def readline(self) -> bytes:
        return self._rfile.readline()

    def close_write(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self, timeout: Optional[float]) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self._rfile.close()
        finally:
            self.sock.close()

    def failure_detail(self) -> str:
        return "connection to {} closed".format(self.peer)


# --------------------------------------------------------------------------------------
# progress


class _TqdmProgress:
    """Turns ``$/progress`` notifications into a tqdm bar."""

    def __init__(self, tqdm_cls: Any, desc: str):
        self._tqdm = tqdm_cls
        self._desc = desc
        self._bar: Any = None
        self._unit = "B"

    def __call__(self, p: Dict[str, Any]) -> None:
        kind = p.get("kind")
        if self._bar is None:
            if p.get("bytes_total") is not None:
                total, self._unit = p.get("bytes_total"), "B"
            elif p.get("files_total") is not None:
                total, self._unit = p.get("files_total"), "file"
            else:
                total, self._unit = None, "it"
            if self._unit == "B":
                self._bar = self._tqdm(total=total, desc=self._desc, unit="B", unit_scale=True, unit_divisor=1024)
            else:
                self._bar = self._tqdm(total=total, desc=self._desc, unit=self._unit)
        done = p.get("bytes_done") if self._unit == "B" else p.get("files_done")
        if isinstance(done, int) and done >= self._bar.n:
            self._bar.update(done - self._bar.n)
        elif self._unit == "it" and kind == "report":
            self._bar.update(1)
        message = p.get("message")
        if isinstance(message, str) and message:
            self._bar.set_postfix_str(message, refresh=False)
        if kind == "end":
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _progress_handler(progress: Union[None, bool, ProgressCallback], method: str) -> Optional[ProgressCallback]:
    if progress is None or progress is False:
        return None
    if progress is True:
        try:
            from tqdm.auto import tqdm  # type: ignore
        except ImportError:
            return None
        return _TqdmProgress(tqdm, method)
    if callable(progress):
        return progress
    raise TypeError("progress must be a callable, True/False or None")


# --------------------------------------------------------------------------------------
# calls


class PendingCall(concurrent.futures.Future):
    """A call in flight, returned by :meth:`Client.call_async`.

    A :class:`concurrent.futures.Future`: ``result(timeout)`` returns the
    method's result or raises its typed error.  :meth:`cancel` sends
    ``$/cancelRequest``; the bridge then answers -32800 and ``result()``
    raises :class:`~datapipe_client.errors.CancelledError` (unless the call had
    already finished, in which case its real reply stands).
    """

    def __init__(self, client: "Client", request_id: int, method: str):
        super().__init__()
        self.id = request_id
        self.method = method
        self._client = client
        self._cancel_sent = False

    def cancel(self) -> bool:  # type: ignore[override]
        """Ask the bridge to cancel this call. Returns False when the reply is
        already in, True when the cancellation was sent (the future completes
        once the bridge answers)."""
        if self.done():
            return False
        if not self._cancel_sent:
            self._cancel_sent = True
            try:
                self._client.notify("$/cancelRequest", id=self.id)
            except TransportError:
                pass
        return True

    def cancel_requested(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel_sent


class Client(RPCMethods):
    """A connection to a datapipe bridge.

    Make one with :meth:`stdio`, :meth:`tcp` or :meth:`unix`; use it as a
    context manager (or call :meth:`close`).  :meth:`call` calls any method by
    name; each method of protocol/openrpc.json also has its own Python method
    (``pipe.pull`` → :meth:`pipe_pull`, ``session.info`` → :meth:`session_info`).

    ``on_log(level, message)`` receives ``$/log`` notifications instead of the
    default (logging, plus :func:`warnings.warn` for warnings and errors).
    Callbacks (progress, log) run on the reader thread: keep them short and do
    not make blocking calls on the same client from them.
    """

    def __init__(self, transport: _Transport, *, on_log: Optional[LogCallback] = None):
        self._transport = transport
        self._ids = itertools.count(1)
        self._pending: Dict[int, PendingCall] = {}
        self._progress: Dict[Any, ProgressCallback] = {}
        self._lock = threading.Lock()  # _pending, _progress, _failure
        self._write_lock = threading.Lock()
        self._closed = False
        self._failure: Optional[TransportError] = None
        self._on_log = on_log
        self._reader = threading.Thread(target=self._read_loop, name="datapipe-client-reader", daemon=True)
        self._reader.start()

    # ---- constructors ------------------------------------------------------------

    @classmethod
    def stdio(
        cls,
        binary: Optional[str] = None,
        args: Sequence[str] = (),
        config: Optional[str] = None,
        profile: Optional[str] = None,
        env: Optional[Mapping[str, Optional[str]]] = None,
        *,
        on_log: Optional[LogCallback] = None,
    ) -> "Client":
        """Spawn ``datapipe rpc`` and talk to it over its stdin/stdout.

        ``binary``: the executable (default ``$DATAPIPE_BIN``, else ``datapipe``
        on PATH).  ``args``: extra arguments after ``rpc`` (e.g.
        ``["--log-level", "debug"]``).  ``config`` / ``profile`` become
        ``--config`` / ``--profile``.  ``env``: variables set (or, with a
        ``None`` value, removed) on top of this process's environment.  The
        bridge's stderr log is kept (the last lines go into TransportError
        messages) and forwarded to the ``datapipe_client.bridge`` logger at
        DEBUG.
        """
        argv = [find_binary(binary), "rpc"]
        if config is not None:
            argv += ["--config", os.fspath(config)]
        if profile is not None:
            argv += ["--profile", profile]
        argv += [os.fspath(a) for a in args]
        full_env: Optional[Dict[str, str]] = None
        if env is not None:
            full_env = dict(os.environ)
            for key, value in env.items():
                if value is None:
                    full_env.pop(key, None)
                else:
                    full_env[key] = str(value)
        return cls(_ProcessTransport(argv, full_env), on_log=on_log)

    @classmethod
    def tcp(
        cls,
        host: str,
        port: int,
        token_file: Optional[str] = None,
        *,
        token: Optional[str] = None,
        connect_timeout: Optional[float] = 10.0,
        on_log: Optional[LogCallback] = None,
    ) -> "Client":
        """Connect to ``datapipe rpc --tcp HOST:PORT`` and authenticate.

        The token is ``token`` if given, else the content of ``token_file``,
        else the content of the bridge's default token file
        (:func:`default_token_file`) when that exists; with none of these the
        connection is left unauthenticated (for a bridge started with
        ``--no-auth``).  A wrong token raises
        :class:`~datapipe_client.errors.AuthRequiredError`.
        """
        if token is None:
            path = token_file
            if path is None and os.path.isfile(default_token_file()):
                path = default_token_file()
            if path is not None:
                with open(os.path.expanduser(os.fspath(path)), "r", encoding="utf-8") as f:
                    token = f.read().strip()
        sock = socket.create_connection((host, port), timeout=connect_timeout)
        sock.settimeout(None)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        client = cls(_SocketTransport(sock, "{}:{}".format(host, port)), on_log=on_log)
        if token is not None:
            try:
                client.session_authenticate(token)
            except BaseException:
                client.close()
                raise
        return client

    @classmethod
    def unix(cls, path: str, *, on_log: Optional[LogCallback] = None) -> "Client":
        """Connect to ``datapipe rpc --unix PATH`` (no authentication: the
        socket is 0600)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(os.fspath(path))
        except BaseException:
            sock.close()
            raise
        return cls(_SocketTransport(sock, os.fspath(path)), on_log=on_log)

    # ---- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def process(self) -> Optional[subprocess.Popen]:
        """The bridge process of a stdio client, else None."""
        t = self._transport
        return t.proc if isinstance(t, _ProcessTransport) else None

    def close(self, timeout: Optional[float] = 30.0) -> None:
        """End the session: close the bridge's input (stdio) or our side of the
        socket, let calls in flight finish, wait for the process to exit
        (terminating it after ``timeout`` seconds).  Calls still waiting then
        fail with :class:`~datapipe_client.errors.TransportError`."""
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            self._transport.close_write()
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout)
        self._transport.close(timeout)
        if threading.current_thread() is not self._reader:
            self._reader.join(5)
        self._fail_all(TransportError("the client was closed"))

    # ---- calling -----------------------------------------------------------------

    def call(
        self,
        method: str,
        _params: Union[None, Mapping[str, Any], Sequence[Any]] = None,
        *,
        progress: Union[None, bool, ProgressCallback] = None,
        timeout: Optional[float] = None,
        **params: Any,
    ) -> Any:
        """Call ``method`` and return its result (or raise its typed error).

        Params go by name as keyword arguments (``call("pipe.pull",
        pipe="x")``), or as one dict or list (by position) in ``_params``.
        ``progress``: a callable receiving each ``$/progress`` params dict of
        this call, or True for a tqdm bar (when tqdm is installed).
        ``timeout``: seconds to wait; on expiry the call is cancelled and
        :class:`TimeoutError` raised.  Ctrl-C while waiting cancels it too.
        """
        pending = self.call_async(method, _params, progress=progress, **params)
        return self._wait(pending, timeout)

    def call_async(
        self,
        method: str,
        _params: Union[None, Mapping[str, Any], Sequence[Any]] = None,
        *,
        progress: Union[None, bool, ProgressCallback] = None,
        **params: Any,
    ) -> PendingCall:
        """Send a call and return at once with a :class:`PendingCall` (a
        Future with ``.cancel()`` that sends ``$/cancelRequest``)."""
        if _params is not None and params:
            raise TypeError("pass params either as keywords or as one dict/list, not both")
        payload: Any = dict(params) if _params is None else _params
        if isinstance(payload, Mapping):
            payload = dict(payload)
        elif isinstance(payload, (str, bytes)) or not isinstance(payload, Sequence):
            raise TypeError("params must be a dict or a list")
        else:
            payload = list(payload)
        request_id = next(self._ids)
        pending = PendingCall(self, request_id, method)
        handler = _progress_handler(progress, method)
        token: Any = request_id
        if isinstance(payload, dict) and payload.get("progress_token") is not None:
            token = payload["progress_token"]
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if payload:
            message["params"] = payload
        data = self._encode(message)
        with self._lock:
            if self._failure is not None:
                raise TransportError(self._failure.message)
            self._pending[request_id] = pending
            if handler is not None:
                self._progress[token] = handler
        if handler is not None:
            pending.add_done_callback(lambda _f: self._drop_progress(token, handler))
        try:
            self._send(data)
        except BaseException:
            with self._lock:
                self._pending.pop(request_id, None)
            self._drop_progress(token, handler)
            raise
        return pending

    def notify(self, method: str, _params: Union[None, Mapping[str, Any], Sequence[Any]] = None, **params: Any) -> None:
        """Send a notification (no reply)."""
        payload: Any = params if _params is None else _params
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if payload:
            message["params"] = payload
        self._send(self._encode(message))

    def _invoke(
        self,
        method: str,
        params: Dict[str, Any],
        progress: Union[None, bool, ProgressCallback],
        timeout: Optional[float],
    ) -> Any:
        """Used by the per-method wrappers: params whose value is None are left out."""
        return self.call(method, {k: v for k, v in params.items() if v is not None}, progress=progress, timeout=timeout)

    def _wait(self, pending: PendingCall, timeout: Optional[float]) -> Any:
        try:
            return pending.result(timeout)
        except concurrent.futures.TimeoutError:
            if pending.done():
                return pending.result()
            pending.cancel()
            raise TimeoutError("{} did not answer within {} s; cancelled".format(pending.method, timeout)) from None
        except KeyboardInterrupt:
            pending.cancel()
            raise

    # ---- wire --------------------------------------------------------------------

    @staticmethod
    def _encode(message: Dict[str, Any]) -> bytes:
        return (json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")

    def _send(self, data: bytes) -> None:
        with self._write_lock:
            if self._closed:
                raise TransportError("the client is closed")
            if self._failure is not None:
                raise TransportError(self._failure.message)
            try:
                self._transport.write(data)
            except (OSError, ValueError) as e:
                raise TransportError("cannot write to the bridge: {}".format(e)) from e

    def _drop_progress(self, token: Any, handler: Optional[ProgressCallback]) -> None:
        if handler is None:
            return
        with self._lock:
            if self._progress.get(token) is handler:
                del self._progress[token]
        close = getattr(handler, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                logger.exception("closing a progress bar failed")

    def _read_loop(self) -> None:
        reason = "the bridge closed the connection"
        try:
            while True:
                line = self._transport.readline()
                if not line:
                    break
                line = line.strip()
                if not line:
                    continue
                try:
                    message = json.loads(line.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    logger.warning("ignored a line from the bridge that is not JSON: %r", line[:200])
                    continue
                for item in message if isinstance(message, list) else [message]:
                    try:
                        self._dispatch(item)
                    except Exception:
                        logger.exception("handling a message from the bridge failed")
        except (OSError, ValueError) as e:
            reason = "reading from the bridge failed: {}".format(e)
        if not self._closed:
            detail = self._transport.failure_detail()
            if detail:
                reason = "{} ({})".format(reason, detail)
        self._fail_all(TransportError(reason))

    def _fail_all(self, error: TransportError) -> None:
        with self._lock:
            if self._failure is None:
                self._failure = error
            pending = list(self._pending.values())
            self._pending.clear()
            self._progress.clear()
        for call in pending:
            if not call.done():
                call.set_exception(TransportError(error.message))

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict):
            logger.warning("ignored a message from the bridge: %r", message)
            return
        method = message.get("method")
        if isinstance(method, str):
            params = message.get("params")
            if "id" in message:
                # The bridge does not call clients; say so politely.
                reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "Method not found"}}
                try:
                    self._send(self._encode(reply))
                except DatapipeError:
                    pass
            elif method in ("$/progress", "pipe/changed"):
                # pipe/changed carries its watch's token like $/progress: same per-call callback.
                self._on_progress(params if isinstance(params, dict) else {})
            elif method == "$/log":
                self._on_log_message(params if isinstance(params, dict) else {})
            return
        request_id = message.get("id")
        if type(request_id) is not int:
            if "error" in message:
                err = error_from_reply(message["error"])
                logger.warning("the bridge reported an error for no request: %s", err.message)
            return
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is None:
            return
        if "error" in message and message["error"] is not None:
            pending.set_exception(error_from_reply(message["error"]))
        else:
            pending.set_result(message.get("result"))

    def _on_progress(self, params: Dict[str, Any]) -> None:
        with self._lock:
            handler = self._progress.get(params.get("token"))
        if handler is None:
            return
        try:
            handler(params)
        except Exception:
            logger.exception("a progress callback failed")

    def _on_log_message(self, params: Dict[str, Any]) -> None:
        level = str(params.get("level", "info"))
        text = str(params.get("message", ""))
        if self._on_log is not None:
            try:
                self._on_log(level, text)
            except Exception:
                logger.exception("the on_log callback failed")
            return
        logger.log(_LOG_LEVELS.get(level, logging.INFO), "%s", text)
        if level in ("warning", "error"):
            warnings.warn(text, DatapipeWarning, stacklevel=2)
