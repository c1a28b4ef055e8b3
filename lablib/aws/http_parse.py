"""Lean HTTP/1.1 request parsing and WSGI environ for the local AWS's front (``http_front``).

``http.server`` parses every header block with the email package (``http.client.
parse_headers``: a FeedParser and the Compat32 policy) and werkzeug then builds the WSGI
environ through ``urlsplit``, ``unquote`` and its encoding dance, which moto walks again for
underscored header names: together a large share of each request's CPU. This module does the
same work directly, with the same results:

- the request line is checked as ``BaseHTTPRequestHandler.parse_request`` does (HTTP/0.9,
  malformed or 2.x versions, the gh-87389 ``//`` path collapse), with the same answers;
- header lines are read with ``rfile.readline``: at most 65536 bytes a line and 100 lines
  (the blank one included), else 431, as ``http.client`` does; bytes are decoded as latin-1;
  a value loses its leading blanks and line end (Compat32: trailing blanks stay);
- what the email package silently misread is refused with a JSON 400 (``send_error``): a line
  without a colon or with a name outside the printable ASCII the email package accepts (the
  email package ended the header block there and took the rest as body), obsolete line
  folding (a line starting with a blank: RFC 9112 5.2 lets a server refuse it, and no SDK
  sends it), and a CR or NUL inside a value (the email package split lines at a lone CR);
- ``make_environ`` gives the keys, values and key order werkzeug's ``make_environ`` and
  moto's underscored-header preservation give (``tests/faults/test_http_parse.py`` compares
  them on a corpus of requests), plus ``lablib.raw_headers``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.http import parse_set_header
from werkzeug.serving import DechunkedInput, WSGIRequestHandler

from lablib.aws import moto_bridge

MAX_LINE = 65536  # http.client._MAXLINE
MAX_HEADERS = 100  # http.client._MAXHEADERS (the blank line ends the block and counts)
_NAME = re.compile(r"[!-9;-~]+")  # the email package's header names: printable ASCII, no colon
_VERSIONS = {"HTTP/1.1": (1, 1), "HTTP/1.0": (1, 0)}
_BASE_KEYS = ("wsgi.version", "wsgi.url_scheme", "wsgi.input", "wsgi.errors")
# header name -> (lower-case name, WSGI environ key; "" for a name with an underscore)
_names: dict[str, tuple[str, str]] = {}
_NAMES_KEPT = 4096


class Headers:
    """A request's header fields in arrival order; names are looked up case-insensitively.

    What ``http.server``, werkzeug, moto and lablib call on ``handler.headers`` of an
    ``email.message.Message``, with its answers (``get`` gives the first value).
    """

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: list[tuple[str, str]], index: dict[str, list[str]]) -> None:
        self._fields = fields
        self._index = index

    def get(self, name: str, failobj: Any = None) -> Any:
        values = self._index.get(name.lower())
        return values[0] if values else failobj

    def get_all(self, name: str, failobj: Any = None) -> Any:
        values = self._index.get(name.lower())
        return list(values) if values else failobj

    def __getitem__(self, name: str) -> str | None:
        values = self._index.get(name.lower())
        return values[0] if values else None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, _ in self._fields])

    def __len__(self) -> int:
        return len(self._fields)

    def keys(self) -> list[str]:
        return [name for name, _ in self._fields]

    def values(self) -> list[str]:
        return [value for _, value in self._fields]

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def __repr__(self) -> str:
        return f"Headers({self._fields!r})"


class HeaderError(Exception):
    """A header block that cannot be read: the status, message and explanation to answer."""

    def __init__(self, code: int, message: str, explain: str) -> None:
        super().__init__(code, message, explain)
        self.code, self.message, self.explain = code, message, explain


def _name_info(name: str) -> tuple[str, str]:
    info = _names.get(name)
    if info is None:
        if _NAME.fullmatch(name) is None:
            raise HeaderError(400, "Bad header line", f"Invalid header name {name[:40]!r}")
        key = "" if "_" in name else name.upper().replace("-", "_")
        if key and key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        info = (name.lower(), key)
        if len(_names) >= _NAMES_KEPT:
            _names.clear()
        _names[name] = info
    return info


def read_headers(rfile: Any) -> Headers:
    """The header block after the request line, up to its blank line (or the stream's end)."""
    fields: list[tuple[str, str]] = []
    index: dict[str, list[str]] = {}
    readline = rfile.readline
    names = _names
    for _ in range(MAX_HEADERS):
        line = readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise HeaderError(
                431, "Line too long", f"got more than {MAX_LINE} bytes when reading header line"
            )
        if line in (b"\r\n", b"\n", b""):
            return Headers(fields, index)
        text = line.decode("latin-1")
        if text[0] in " \t":
            raise HeaderError(400, "Obsolete line folding is not accepted", repr(text[:40]))
        name, colon, value = text.partition(":")
        if not colon:
            raise HeaderError(400, "Bad header line", f"No colon in {text[:40]!r}")
        info = names.get(name)
        lower = (info or _name_info(name))[0]
        value = value.lstrip(" \t").rstrip("\r\n")
        if "\r" in value or "\x00" in value:
            raise HeaderError(400, "Bad header line", f"CR or NUL in the value of {name!r}")
        fields.append((name, value))
        values = index.get(lower)
        if values is None:
            index[lower] = [value]
        else:
            values.append(value)
    raise HeaderError(431, "Too many headers", f"got more than {MAX_HEADERS} headers")


def _version(version: str) -> tuple[int, int] | None:
    """``BaseHTTPRequestHandler.parse_request``'s reading of HTTP/x.y (None: a bad version)."""
    known = _VERSIONS.get(version)
    if known is not None:
        return known
    if not version.startswith("HTTP/"):
        return None
    numbers = version.split("/", 1)[1].split(".")
    if len(numbers) != 2 or any(not n.isdigit() or len(n) > 10 for n in numbers):
        return None
    return int(numbers[0]), int(numbers[1])


def parse_request(handler: WSGIRequestHandler) -> bool:
    """``BaseHTTPRequestHandler.parse_request`` without the email package (see the docstring)."""
    handler.command = None  # type: ignore[assignment]  # as http.server: no command yet
    handler.request_version = version = handler.default_request_version
    handler.close_connection = True
    requestline = str(handler.raw_requestline, "iso-8859-1").rstrip("\r\n")
    handler.requestline = requestline
    words = requestline.split()
    if not words:
        return False
    if len(words) >= 3:
        version = words[-1]
        number = _version(version)
        if number is None:
            handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
            return False
        if number >= (1, 1) and handler.protocol_version >= "HTTP/1.1":
            handler.close_connection = False
        if number >= (2, 0):
            base = version.split("/", 1)[1]
            handler.send_error(
                HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({base})"
            )
            return False
        handler.request_version = version
    if not 2 <= len(words) <= 3:
        handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
        return False
    command, path = words[:2]
    if len(words) == 2:
        handler.close_connection = True
        if command != "GET":
            handler.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
            return False
    if path.startswith("//"):  # gh-87389: no open redirect through a //host path
        path = "/" + path.lstrip("/")
    handler.command, handler.path = command, path
    try:
        headers = read_headers(handler.rfile)
    except HeaderError as error:
        handler.send_error(error.code, error.message, error.explain)
        return False
    handler.headers = headers  # type: ignore[assignment]  # the Message calls it answers
    conntype = headers.get("Connection", "").lower()
    if conntype == "close":
        handler.close_connection = True
    elif conntype == "keep-alive" and handler.protocol_version >= "HTTP/1.1":
        handler.close_connection = False
    if (
        headers.get("Expect", "").lower() == "100-continue"
        and handler.protocol_version >= "HTTP/1.1"
        and handler.request_version >= "HTTP/1.1"
    ):
        return bool(handler.handle_expect_100())
    return True


def _latin1(text: str) -> str:
    """werkzeug's ``_wsgi_encoding_dance``: UTF-8 bytes shown as latin-1 characters."""
    return text if text.isascii() else text.encode().decode("latin1")


def environ_base(handler: WSGIRequestHandler) -> dict[str, Any]:
    """The connection's part of werkzeug's environ, its keys in werkzeug's order."""
    server = handler.server
    if not handler.client_address:
        handler.client_address = ("<local>", 0)
    elif isinstance(handler.client_address, str):
        handler.client_address = (handler.client_address, 0)
    return {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": handler.rfile,
        "wsgi.errors": None,  # sys.stderr at the time of the request: set by make_environ
        "wsgi.multithread": server.multithread,
        "wsgi.multiprocess": server.multiprocess,
        "wsgi.run_once": False,
        "werkzeug.socket": handler.connection,
        "SERVER_SOFTWARE": handler.server_version,
        "REQUEST_METHOD": None,
        "SCRIPT_NAME": "",
        "PATH_INFO": None,
        "QUERY_STRING": None,
        "REQUEST_URI": None,
        "RAW_URI": None,
        "REMOTE_ADDR": handler.client_address[0],
        "REMOTE_PORT": handler.client_address[1],
        "SERVER_NAME": server.server_address[0],
        "SERVER_PORT": str(server.server_address[1]),
        "SERVER_PROTOCOL": None,
    }


def make_environ(handler: WSGIRequestHandler, base: dict[str, Any], errors: Any) -> dict[str, Any]:
    """werkzeug's + moto's environ for the parsed request (``base``: ``environ_base``'s)."""
    environ = base.copy()
    target = handler.path
    host = None
    if target[:1] == "/":  # origin-form (never "//" after parse_request): urlsplit's split
        path = target.partition("#")[0]
        path, _, query = path.partition("?")
    else:  # absolute-form, "*" or other: urlsplit itself
        parts = urlsplit(target)
        path, query = parts.path, parts.query
        if not parts.scheme and parts.netloc:
            path = f"/{parts.netloc}{path}"
        elif parts.scheme and parts.netloc:
            host = parts.netloc
    if "%" in path:
        path = unquote(path)
    raw = _latin1(target)
    environ["wsgi.errors"] = errors
    environ["REQUEST_METHOD"] = handler.command
    environ["PATH_INFO"] = _latin1(path)
    environ["QUERY_STRING"] = _latin1(query)
    environ["REQUEST_URI"] = raw
    environ["RAW_URI"] = raw
    environ["SERVER_PROTOCOL"] = handler.request_version
    headers: Headers = handler.headers  # type: ignore[assignment]
    fields = headers._fields
    underscored = False
    names = _names
    for name, value in fields:
        info = names.get(name)
        key = (info or _name_info(name))[1]
        if not key:
            underscored = True
        elif key in environ and key[0] == "H":  # a repeated header (CONTENT_*: the last wins)
            environ[key] = f"{environ[key]},{value}"
        else:
            environ[key] = value
    coding = environ.get("HTTP_TRANSFER_ENCODING")
    if coding is not None and "chunked" in parse_set_header(coding):
        environ["wsgi.input_terminated"] = True
        environ["wsgi.input"] = DechunkedInput(environ["wsgi.input"])
    if host is not None:
        environ["HTTP_HOST"] = host
    preserved: dict[str, str] = {}
    if underscored:
        _preserve_underscored(environ, fields, preserved)
    environ[moto_bridge.PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
    environ["lablib.raw_headers"] = list(fields)
    return environ


def _preserve_underscored(
    environ: dict[str, Any], fields: list[tuple[str, str]], names: dict[str, str]
) -> None:
    """moto's ``MotoRequestHandler.make_environ``: S3 metadata names keep their underscores."""
    dashed = {moto_bridge.environ_key_for_header(name) for name, _ in fields if "_" not in name}
    values: dict[str, list[str]] = {}
    for name, value in fields:
        if not moto_bridge.should_preserve_original_header_name(name):
            continue
        key = moto_bridge.environ_key_for_header(name)
        if key in dashed:  # an underscored header never stands in for a dashed one
            continue
        names.setdefault(key, name)
        values.setdefault(key, []).append(value)
    for key, key_values in values.items():
        environ[key] = ",".join(key_values)
