"""The Runtime API endpoint of one execution environment.

Each environment gets its own listening socket on 127.0.0.1 (``AWS_LAMBDA_RUNTIME_API``). One
thread serves it: it answers ``GET /invocation/next`` when an invocation is handed over,
and turns ``/response``, ``/error`` and ``/init/error`` posts into results. A closed connection
while work is pending means the process died. The HTTP handling is minimal on purpose: one
keep-alive connection, no pipelining, as the runtime clients use it.

The warm path skips that thread: once a runtime has shown that it keeps its connection
(a whole invocation on one connection) and waits in ``GET /invocation/next``, the invoking
thread answers that request itself and reads the result from the socket (:meth:`run`), so a
warm invoke costs no thread hand-off. The serving thread stays parked meanwhile; if the
runtime closes its connection (a process that died, or a client that reconnects), the
channel gives the connection back to the serving thread, which carries on as before.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lablib.runtime import ids

_PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    """One invocation handed to an environment, and what came back."""

    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    client_context: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    status: str = ""  # "ok" | "error" | "died"
    body: bytes = b""
    error_type: str | None = None
    peak_kb: int = 0  # the worker's peak resident memory, when its runtime client says it


@dataclass
class InitOutcome:
    ready: threading.Event = field(default_factory=threading.Event)
    error: bytes | None = None
    died: bool = False


_STOP = object()
_RESUME = object()  # the serving thread takes its connection back (after inline use)
_INVALID_ID = b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'


class RuntimeAPIChannel:
    """Serves the Runtime API for one environment on its own port."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self.init = InitOutcome()
        self._work: queue.Queue[object] = queue.Queue()
        self._current: Invocation | None = None
        self._closed = False
        self._conn: socket.socket | None = None
        self._reader: Any = None
        self._lock = threading.Lock()
        # Inline use (see the module's docstring): ``_parked`` while the serving thread holds an
        # unanswered GET /next and waits for work; ``_inline`` while invoking threads own the
        # connection (the serving thread stays parked); ``_next_pending``: a GET /next was read
        # and not answered; ``_exchanges``: requests read on the current connection.
        self._parked = False
        self._inline = False
        self._next_pending = False
        self._exchanges = 0
        self._thread = threading.Thread(target=self._serve, name="runtime-api", daemon=True)
        self._thread.start()

    # -- used by the scheduler -------------------------------------------------------------
    def submit(self, invocation: Invocation) -> None:
        self._work.put(invocation)

    def run(self, invocation: Invocation, timeout_s: float) -> bool:
        """Hand ``invocation`` to the runtime and wait for its end; True when it ended (with a
        result, an error or the process's death) within ``timeout_s``."""
        if self._claim_inline():
            return self._run_inline(invocation, time.monotonic() + timeout_s)
        self.submit(invocation)
        return invocation.done.wait(timeout_s)

    def process_exited(self) -> None:
        """The environment's process is gone: fail whatever it was doing."""
        self.close()
        self._mark_dead()

    def close(self) -> None:
        self._closed = True
        self._work.put(_STOP)
        for sock in (self._listener, self._conn):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    # -- inline use: the invoking thread talks to the runtime -------------------------------
    def _claim_inline(self) -> bool:
        with self._lock:
            if self._closed or self._conn is None:
                return False
            if self._inline:
                return True
            # A runtime that kept its connection for a whole invocation (next, response,
            # next) and is waiting for the next one, with nothing queued for the thread.
            if self._parked and self._exchanges >= 3 and self._work.empty():
                self._inline = True
                self._next_pending = True
                return True
            return False

    def _run_inline(self, invocation: Invocation, deadline: float) -> bool:
        conn, reader = self._conn, self._reader
        assert conn is not None and reader is not None
        sent = False
        with self._lock:
            self._current = invocation
        try:
            while not invocation.done.is_set():
                if self._next_pending:
                    if sent:  # asked for more without answering: it can only time out
                        break
                    self._next_pending = False
                    _send_invocation(conn, invocation)
                    sent = True
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                conn.settimeout(remaining)
                request = _read_request(reader)
                if request is None:
                    return self._give_back(invocation, sent, deadline)
                method, path, headers, body = request
                self._dispatch(conn, method, path, headers, body, inline=True)
        except TimeoutError:
            return invocation.done.is_set()
        except (OSError, ValueError):  # closed under us (the process ended), or garbled
            return self._give_back(invocation, sent, deadline)
        return invocation.done.wait(max(0.0, deadline - time.monotonic()))

    def _give_back(self, invocation: Invocation, sent: bool, deadline: float) -> bool:
        """The runtime closed its connection: the serving thread takes it back (it accepts
        the next connection, or reports the end of the process), with this invocation."""
        with self._lock:
            self._inline = False
            self._next_pending = False
            if not sent:
                self._current = None
            self._work.put(_RESUME)
            if not sent:
                self._work.put(invocation)
        return invocation.done.wait(max(0.0, deadline - time.monotonic()))

    def _park(self, conn: socket.socket) -> bool:
        """Hold a GET /invocation/next until there is work; False when the channel stops."""
        if not self.init.ready.is_set():
            self.init.ready.set()
        with self._lock:
            self._current = None
            self._parked = True
        item = self._work.get()
        with self._lock:
            self._parked = False
        if item is _RESUME:  # inline use ended: read this connection again
            return True
        if item is _STOP or not isinstance(item, Invocation):
            return False
        self._current = item
        _send_invocation(conn, item)
        return True

    # -- the serving thread -----------------------------------------------------------------
    def _serve(self) -> None:
        try:
            while not self._closed:
                try:
                    conn, _ = self._listener.accept()
                except OSError:
                    break
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._conn = conn
                if not self._serve_connection(conn):
                    break
        finally:
            self._mark_dead()

    def _mark_dead(self) -> None:
        with self._lock:
            self._mark_dead_locked()

    def _mark_dead_locked(self) -> None:
        if not self.init.ready.is_set():
            self.init.died = True
            self.init.ready.set()
        current = self._current
        if current is not None and not current.done.is_set():
            current.status = "died"
            current.done.set()
        # Fail anything queued but never started.
        while True:
            try:
                item = self._work.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Invocation):
                item.status = "died"
                item.done.set()
        if self._closed:
            self._work.put(_STOP)  # keep the serving thread's exit signal in place

    def _serve_connection(self, conn: socket.socket) -> bool:
        """Handle requests on one connection; False when the environment is finished."""
        reader = conn.makefile("rb")
        with self._lock:
            self._reader = reader
            self._exchanges = 0
        try:
            while True:
                request = _read_request(reader)
                if request is None:
                    # Runtimes such as a shell bootstrap using curl reconnect per request;
                    # a dead process is reported by the executor (process_exited).
                    conn.close()
                    return not self._closed
                self._exchanges += 1
                method, path, headers, body = request
                if not self._dispatch(conn, method, path, headers, body):
                    return False
        except (OSError, ValueError):  # gone, or a request that cannot be framed
            return False
        finally:
            reader.close()

    def _dispatch(
        self,
        conn: socket.socket,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        inline: bool = False,
    ) -> bool:
        if not path.startswith(_PREFIX):
            _send(conn, 404, b'{"errorMessage":"unknown path"}')
            return True
        route = path[len(_PREFIX) :]
        if method == "GET" and route == "/invocation/next":
            if inline:  # answered by the next invoking thread
                self._next_pending = True
                return True
            return self._park(conn)
        if method == "POST" and route == "/init/error":
            self.init.error = body
            self.init.ready.set()
            _send(conn, 202, b'{"status":"OK"}')
            return True
        if method == "POST" and route.startswith("/invocation/"):
            parts = route.split("/")
            current = self._current
            if len(parts) == 4 and current is not None and parts[2] == current.request_id:
                if parts[3] == "response":
                    current.status, current.body = "ok", body
                elif parts[3] == "error":
                    current.status, current.body = "error", body
                    current.error_type = headers.get("lambda-runtime-function-error-type")
                else:
                    _send(conn, 404, b'{"errorMessage":"unknown path"}')
                    return True
                peak = headers.get("lablib-max-rss-kb", "")
                current.peak_kb = int(peak) if peak.isdigit() else 0
                _send(conn, 202, b'{"status":"OK"}')
                self._current = None
                current.done.set()
                return True
            _send(
                conn, 400, b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'
            )
            return True
        _send(conn, 404, b'{"errorMessage":"unknown path"}')
        return True


def _read_request(reader: object) -> tuple[str, str, dict[str, str], bytes] | None:
    readline = reader.readline  # type: ignore[attr-defined]
    line = readline(65537)
    if not line:
        return None
    try:
        method, path, _ = line.decode("latin-1").split(" ", 2)
    except ValueError:
        return None
    headers: dict[str, str] = {}
    while True:
        raw = readline(65537)
        if not raw:
            return None
        if raw in (b"\r\n", b"\n"):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = reader.read(length) if length else b""  # type: ignore[attr-defined]
    if "chunked" in headers.get("transfer-encoding", ""):
        body = _read_chunked(reader)
    return method, path.split("?", 1)[0], headers, body


def _read_chunked(reader: object) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = reader.readline()  # type: ignore[attr-defined]
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            reader.readline()  # type: ignore[attr-defined]
            return b"".join(chunks)
        chunks.append(reader.read(size))  # type: ignore[attr-defined]
        reader.readline()  # type: ignore[attr-defined]


def _trace_header() -> str:
    """An X-Ray trace header as Lambda hands one to each invocation (tracing not active):
    ``Root=1-{epoch seconds, 8 hex}-{24 hex};Parent={16 hex};Sampled=0``."""
    return f"{ids.trace_root()};Parent={ids.generator.getrandbits(64):016x};Sampled=0"


def _send_invocation(conn: socket.socket, item: Invocation) -> None:
    extra = [
        ("Lambda-Runtime-Aws-Request-Id", item.request_id),
        ("Lambda-Runtime-Deadline-Ms", str(item.deadline_ms)),
        ("Lambda-Runtime-Invoked-Function-Arn", item.function_arn),
        ("Lambda-Runtime-Trace-Id", _trace_header()),
    ]
    if item.client_context:
        extra.append(("Lambda-Runtime-Client-Context", item.client_context))
    _send(conn, 200, item.payload, extra)


_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found"}


def _send(
    conn: socket.socket, status: int, body: bytes, headers: list[tuple[str, str]] | None = None
) -> None:
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}", f"Content-Length: {len(body)}"]
    head.append("Content-Type: application/json")
    for name, value in headers or []:
        head.append(f"{name}: {value}")
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
