"""The local AWS's HTTP/1.1 connection handling: persistent (keep-alive) connections.

werkzeug's development server answers every request with ``Connection: close``, so each
SDK call paid a new TCP connection and a new server thread. This handler keeps the
connection open between requests, as AWS's endpoints do, with the framing that requires:

- the request body is exactly what ``Content-Length`` (or chunked encoding) says: the app
  reads at most that much, and what it leaves unread is drained before the next request
  (a large remainder closes the connection instead). A request whose body cannot be framed
  (an invalid or repeated Content-Length, Content-Length with Transfer-Encoding, an unknown
  Transfer-Encoding) is answered and the connection closed, so it cannot desync the next one;
- every response has a ``Content-Length`` (computed for a list body), or is chunked (a
  streamed body to an HTTP/1.1 client) or closes the connection; HEAD, 1xx, 204 and 304
  answers carry no body;
- a malformed request line or header block gets a JSON 400 and a closed connection (431 for
  an over-long header line or too many headers); ``http_parse`` reads the request line and
  headers and builds the WSGI environ without the email package (see its docstring).

The bounds of ``lablib.aws.bounds`` still hold: a connection idle for the idle timeout is
closed (between requests or half-way through one), at most ``max_connections`` connections
are served at once, and when they are all taken the longest-idle kept-alive connection is
closed to make room (a client retries a request on a reused connection that closes).
"""

from __future__ import annotations

import io
import json
import socket
import sys
import time
from collections.abc import Iterable
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from lablib.aws import errors, http_parse, moto_bridge

MAX_CHUNKED = 128 * 1024 * 1024  # a chunked request body is read whole, up to this
DRAIN_LIMIT = 16 * 1024 * 1024  # unread request body drained to keep the connection; above: close
_BODYLESS = frozenset({204, 304})
_date_cache: list[Any] = [0, b""]


def _date() -> bytes:
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = f"Date: {formatdate(now, usegmt=True)}\r\n".encode()
        _date_cache[0] = now
    value: bytes = _date_cache[1]
    return value


class Body:
    """The request body as framed by Content-Length: reads never pass its end."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.remaining = length

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.read(want)
        self.remaining -= len(data)
        if len(data) < want:  # the client went away half-way through its body
            self.remaining = 0
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.readline(want)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def readable(self) -> bool:
        return True


def _framing(handler: Any) -> tuple[int | None, str | None]:
    """(Content-Length, problem): the body length to read, or why it cannot be framed."""
    lengths = handler.headers.get_all("Content-Length") or []
    codings = handler.headers.get_all("Transfer-Encoding") or []
    if codings:
        coding = ",".join(codings).strip().lower()
        if coding != "chunked":
            return 0, f"Unsupported Transfer-Encoding: {coding[:40]!r}"
        if lengths:
            return 0, "A request may not carry both Content-Length and Transfer-Encoding"
        return None, None
    if not lengths:
        return 0, None
    values = {value.strip() for value in lengths}
    if len(values) > 1:
        return 0, "Conflicting Content-Length headers"
    text = values.pop()
    if not text.isdigit():
        return 0, None  # the front answers it with its own JSON 400 (errors.bad_content_length)
    return int(text), None


class KeepAliveHandler(moto_bridge.MotoRequestHandler):
    """moto's request handler with HTTP/1.1 keep-alive, quiet, with Nagle's algorithm off."""

    protocol_version = "HTTP/1.1"
    served = 0
    evicted = False
    _environ_base: dict[str, Any] | None = None  # the connection's part of every environ

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server_line = f"Server: {self.version_string()}\r\n".encode()
        self.bound = getattr(self.server, "lablib_bound", None)
        if self.bound is not None:
            self.bound.enter(self)

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_error(self, *args: Any) -> None:
        pass

    def make_environ(self) -> Any:
        """werkzeug's and moto's environ, built directly (``http_parse``), with the client's
        header spelling in ``lablib.raw_headers`` (API Gateway shows it; WSGI upper-cases)."""
        base = self._environ_base
        if base is None:
            base = self._environ_base = http_parse.environ_base(self)
        return http_parse.make_environ(self, base, sys.stderr)

    # -- connection loop ---------------------------------------------------------------------
    def handle(self) -> None:
        try:
            self.close_connection = True
            self.handle_one_request()
            while not self.close_connection:
                if self.bound is not None and not self.bound.park(self):
                    break
                self.handle_one_request()
        except (ConnectionError, TimeoutError, OSError):
            pass
        finally:
            if self.bound is not None:
                self.bound.forget(self)

    def parse_request(self) -> bool:
        # The request line has arrived: the connection is busy (no longer evictable).
        if self.bound is not None and not self.bound.claim(self):
            self.close_connection = True
            return False
        return http_parse.parse_request(self)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A malformed request: a JSON 400 (never http.server's HTML page); then close."""
        try:
            short = HTTPStatus(code).phrase
        except ValueError:
            short = "Error"
        body = json.dumps(
            {"__type": "BadRequestException", "message": f"{message or short}. {explain or ''}"}
        ).encode()
        self.close_connection = True
        head = (
            f"HTTP/1.1 {code} {short}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            self.wfile.write(head + (body if code >= 200 and code not in _BODYLESS else b""))
        except OSError:
            pass

    # -- one request ------------------------------------------------------------------------
    def _wsgi(self) -> None:
        self.run_wsgi()

    # http.server calls do_<METHOD>; werkzeug's __getattr__ answers any method with run_wsgi,
    # after two failed lookups a request (hasattr, getattr): the usual methods are found here.
    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _wsgi

    def run_wsgi(self) -> None:
        self.served += 1
        environ = self.make_environ()
        length, problem = _framing(self)
        if problem is not None or self.request_version < "HTTP/1.1":
            self.close_connection = True
        elif errors.bad_content_length(environ):  # answered by the front; the body is unknown
            self.close_connection = True
        if self.bound is not None and self.bound.stopping:
            self.close_connection = True
        if length is not None:
            body = Body(self.rfile, length)
            environ["wsgi.input"] = body
        elif problem is None:  # chunked: read whole, so every reader sees a Content-Length
            problem = self._dechunk(environ)
        if problem is not None:
            environ["CONTENT_LENGTH"] = ""
            environ["wsgi.input"] = Body(self.rfile, 0)
            environ.pop("wsgi.input_terminated", None)
            self._respond_problem(environ, problem)
            return
        self._run_app(environ)
        if not self.close_connection:
            self._drain(environ["wsgi.input"])

    def _dechunk(self, environ: dict[str, Any]) -> str | None:
        stream = environ["wsgi.input"]
        parts: list[bytes] = []
        total = 0
        try:
            for _ in range(MAX_CHUNKED // 65536 + 2):
                data = stream.read(65536)
                if not data:
                    break
                parts.append(data)
                total += len(data)
                if total > MAX_CHUNKED:
                    self.close_connection = True
                    return f"A chunked request body may be at most {MAX_CHUNKED} bytes"
        except OSError as exc:
            self.close_connection = True
            return f"Invalid chunked request body ({exc})"
        body = b"".join(parts)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        return None

    def _respond_problem(self, environ: dict[str, Any], problem: str) -> None:
        _ResponseWriter(self, environ).run(
            lambda env, start: errors.respond(env, start, 400, "BadRequest", problem)
        )

    def _run_app(self, environ: dict[str, Any]) -> None:
        _ResponseWriter(self, environ).run(self.server.app)

    def _drain(self, stream: Any) -> None:
        """Read what the app left of the body, so the next request starts where it should."""
        total = 0
        for _ in range(DRAIN_LIMIT // 65536 + 2):
            if isinstance(stream, Body) and stream.remaining > DRAIN_LIMIT - total:
                break
            data = stream.read(65536)
            if not data:
                return
            total += len(data)
        self.close_connection = True


class _ResponseWriter:
    """Writes one WSGI response with HTTP/1.1 framing (see the module's docstring)."""

    def __init__(self, handler: KeepAliveHandler, environ: dict[str, Any]) -> None:
        self.handler = handler
        self.environ = environ
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False
        self.no_body = False
        self.failing = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("Headers already set")
        self.status = status
        self.headers = list(headers)
        return self.write

    def _head(self, known_length: int | None) -> bytes:
        handler = self.handler
        assert self.status is not None, "write() before start_response"
        code = int(self.status.split(None, 1)[0])
        names = set()
        text = [f"HTTP/1.1 {self.status}\r\n"]
        for key, value in self.headers:
            text.append(f"{key}: {value}\r\n")
            lower = key.lower()
            names.add(lower)
            if lower == "connection" and value.strip().lower() == "close":
                handler.close_connection = True
        self.no_body = self.environ["REQUEST_METHOD"] == "HEAD" or code < 200 or code in _BODYLESS
        if not self.no_body and "content-length" not in names:
            if known_length is not None:
                text.append(f"Content-Length: {known_length}\r\n")
            elif handler.request_version >= "HTTP/1.1" and "transfer-encoding" not in names:
                self.chunked = True
                text.append("Transfer-Encoding: chunked\r\n")
            else:
                handler.close_connection = True
        if handler.close_connection and "connection" not in names:
            text.append("Connection: close\r\n")
        text.append("\r\n")
        self.sent = True
        status, fields = text[0].encode(), "".join(text[1:]).encode("latin-1")
        return b"".join((status, handler.server_line, _date(), fields))

    def write(self, data: bytes, known_length: int | None = None) -> None:
        assert isinstance(data, bytes), "applications must write bytes"
        out = self._head(known_length) if not self.sent else b""
        if data and not self.no_body:
            out += b"%x\r\n%b\r\n" % (len(data), data) if self.chunked else data
        if out:
            self.handler.wfile.write(out)

    def run(self, app: Any) -> None:
        handler = self.handler
        try:
            result: Iterable[bytes] = app(self.environ, self.start_response)
            try:
                if isinstance(result, (list, tuple)):
                    body = b"".join(result)
                    self.write(body, len(body))
                else:
                    for data in result:
                        self.write(data)
                    if not self.sent:
                        self.write(b"", 0)
                if self.chunked:
                    handler.wfile.write(b"0\r\n\r\n")
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (ConnectionError, TimeoutError):
            handler.close_connection = True
        except Exception as exc:  # the front answers its own errors; this is the last net
            handler.close_connection = True
            if not self.sent and not self.failing:
                self.failing = True
                self.status = None
                self._answer_failure(exc)

    def _answer_failure(self, failure: Exception) -> None:
        try:
            self.run(lambda env, start: errors.internal(env, start, failure))
        except Exception:
            print(f"lablib: could not answer a failed request: {failure!r}", file=sys.stderr)
