"""The front's lean request parser (lablib.aws.http_parse) against the path it replaces:
http.server's email-based parse_request, then werkzeug's and moto's make_environ. For a
corpus of raw requests both give the same environ (keys, values, key order), consume the
same bytes and send the same answers to a bad request line or header block; what the email
package misread (a line without a colon, obsolete folding, a CR or NUL in a value) is now a
JSON 400 instead of a silently cut header block."""

from __future__ import annotations

import io
import json
import sys
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from lablib.aws import moto_bridge
from lablib.aws.http_front import KeepAliveHandler
from lablib.aws.http_parse import Headers, read_headers

SOCKET = object()  # the connection both handlers see (werkzeug.socket)


class _Server:
    multithread = True
    multiprocess = False
    ssl_context = None
    server_address = ("127.0.0.1", 40123)
    _server_version = "Werkzeug/3 Python/3"
    lablib_bound = None


class OldHandler(moto_bridge.MotoRequestHandler):
    """The path before http_parse: http.server's parse_request, werkzeug's and moto's
    make_environ, and the front's raw-header copy and JSON error answers."""

    protocol_version = "HTTP/1.1"
    send_error = KeepAliveHandler.send_error

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ["lablib.raw_headers"] = [(str(k), str(v)) for k, v in self.headers.items()]
        return environ


def parsed(cls: type[Any], raw: bytes) -> tuple[Any, bool]:
    handler: Any = object.__new__(cls)
    handler.rfile = io.BytesIO(raw)
    handler.wfile = io.BytesIO()
    handler.server = _Server()
    handler.client_address = ("127.0.0.1", 51234)
    handler.connection = SOCKET
    handler.bound = None
    handler.raw_requestline = handler.rfile.readline(65537)
    return handler, handler.parse_request()


def comparable(handler: Any, environ: dict[str, Any]) -> list[tuple[str, Any]]:
    """The environ as (key, value) pairs in order, its input stream named, not compared."""
    out = []
    for key, value in environ.items():
        if value is handler.rfile:
            value = "<rfile>"
        elif key == "wsgi.input":  # werkzeug's DechunkedInput around the connection's rfile
            assert value._rfile is handler.rfile
            value = type(value).__name__
        out.append((key, value))
    return out


def request(head: str, *lines: str, body: bytes = b"") -> bytes:
    return (head + "\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode(
        "latin-1"
    ) + body


BOTO3 = (
    "Host: 127.0.0.1:4566",
    "Accept-Encoding: identity",
    "User-Agent: Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.11.7",
    "X-Amz-Date: 20261203T120000Z",
    "X-Amz-Content-SHA256: 6c1e1a2b",
    "Authorization: AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/lambda/aws4_request,"
    " SignedHeaders=host;x-amz-date, Signature=00",
    "amz-sdk-invocation-id: 0b1c",
    "amz-sdk-request: attempt=1",
    "Content-Length: 2",
)
CORPUS = {
    "boto3-invoke": request(
        "POST /2015-03-31/functions/hello/invocations HTTP/1.1", *BOTO3, body=b"{}"
    ),
    "query-and-percent": request(
        "GET /restapis/a1/dev/_user_request_/a%20b/%E2%9C%93/%2F?x=1&y=%2F&x=2 HTTP/1.1",
        "Host: localhost",
    ),
    "fragment": request("GET /p?q=1#frag?x HTTP/1.1", "Host: h"),
    "empty-query": request("GET /p? HTTP/1.1", "Host: h"),
    "raw-utf8-path": b"GET /caf\xc3\xa9?q=\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
    "bad-percent": request("GET /a%zz%e9%C3 HTTP/1.1", "Host: h"),
    "absolute-form": request("GET http://example.com:8080/p%41th?q=1 HTTP/1.1", "Host: other"),
    "absolute-no-host": request("GET https://example.com/x HTTP/1.1"),
    "schemeless-netloc": request("GET //evil.example/x?y HTTP/1.1", "Host: h"),
    "many-slashes": request("GET ////a//b HTTP/1.1", "Host: h"),
    "asterisk": request("OPTIONS * HTTP/1.1", "Host: h"),
    "colon-path": request("GET a:b/c;d HTTP/1.1", "Host: h"),
    "repeated": request(
        "GET / HTTP/1.1",
        "Accept: a",
        "X-Foo: 1",
        "accept: b",
        "x-foo: 2",
        "Content-Type: text/plain",
        "content-type: application/json",
        "Host: h",
    ),  # fmt: skip
    "underscores": request(
        "PUT /bucket/key HTTP/1.1",
        "Host: h",
        "x-amz-meta-my_key: v1",
        "X-Amz-Meta-My_Key: v2",
        "X_Custom: dropped",
        "x-amz-meta-dash-key: d",
        "x-amz-meta-dash_key: u",
        "Content_Length: 9",
        "Content-Length: 0",
    ),  # fmt: skip
    "chunked": request(
        "POST /x HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body=b"2\r\n{}\r\n0\r\n\r\n"
    ),
    "chunked-listed": request("POST /x HTTP/1.1", "Transfer-Encoding: gzip, Chunked"),
    "blanks": request("GET / HTTP/1.1", "X-A:\t  v  ", "X-Empty:", "X-B:v", "X-C: a , b"),
    "latin-1-value": b"GET / HTTP/1.1\r\nX-Name: caf\xe9 \xff\r\n\r\n",
    "odd-name": request("GET / HTTP/1.1", "X-{Odd}|~!: v", "x.y+z: w"),
    "http-1.0-keep-alive": request("GET / HTTP/1.0", "Connection: keep-alive"),
    "http-1.1-close": request("GET / HTTP/1.1", "Connection: Close"),
    "leading-zeros": request("GET / HTTP/01.01", "Host: h"),
    "http-0.9": b"GET /x\r\n\r\n",
    "bare-lf": b"GET / HTTP/1.1\nHost: a\nX-B: c\n\n",
    "end-of-stream": b"GET / HTTP/1.1\r\nHost: a\r\n",
    "no-newline-at-end": b"GET / HTTP/1.1\r\nHost: a",
    "99-headers": request("GET / HTTP/1.1", *(f"X-H{i}: {i}" for i in range(99))),
    "long-line": request("GET / HTTP/1.1", "X-Long: " + "a" * 65000),
    "expect-continue": request(
        "PUT /b/k HTTP/1.1", "Expect: 100-Continue", "Content-Length: 1", body=b"x"
    ),
    "expect-on-1.0": request("PUT /b/k HTTP/1.0", "Expect: 100-continue"),
}


@pytest.mark.parametrize("raw", CORPUS.values(), ids=CORPUS.keys())
def test_the_environ_is_werkzeugs_and_motos(raw: bytes) -> None:
    old, old_ok = parsed(OldHandler, raw)
    new, new_ok = parsed(KeepAliveHandler, raw)
    assert old_ok and new_ok
    assert (new.command, new.path, new.request_version, new.requestline) == (
        old.command, old.path, old.request_version, old.requestline,
    )  # fmt: skip
    assert new.close_connection == old.close_connection
    assert new.wfile.getvalue() == old.wfile.getvalue()  # 100 Continue, or nothing
    assert new.headers.items() == old.headers.items()
    new_environ, old_environ = new.make_environ(), old.make_environ()
    assert comparable(new, new_environ) == comparable(old, old_environ)
    assert new.rfile.read() == old.rfile.read()  # the body starts at the same byte
    again = new.make_environ()  # the connection's cached part is not shared with a request
    assert again is not new_environ and comparable(new, again) == comparable(new, new_environ)


def test_the_corpus_covers_what_it_names() -> None:
    environs = {name: parsed(KeepAliveHandler, raw)[0].make_environ() for name, raw in
                CORPUS.items()}  # fmt: skip
    assert environs["repeated"]["HTTP_ACCEPT"] == "a,b"
    assert environs["repeated"]["CONTENT_TYPE"] == "application/json"
    under = environs["underscores"]
    assert under[moto_bridge.PRESERVED_HEADER_NAMES_ENVIRON_KEY] == {
        "HTTP_X_AMZ_META_MY_KEY": "x-amz-meta-my_key"
    }
    assert under["HTTP_X_AMZ_META_MY_KEY"] == "v1,v2"
    assert under["HTTP_X_AMZ_META_DASH_KEY"] == "d"
    assert "HTTP_X_CUSTOM" not in under and under["CONTENT_LENGTH"] == "0"
    assert environs["absolute-form"]["HTTP_HOST"] == "example.com:8080"
    assert environs["absolute-form"]["PATH_INFO"] == "/pAth"
    assert environs["schemeless-netloc"]["PATH_INFO"] == "/evil.example/x"
    assert environs["query-and-percent"]["PATH_INFO"] == (
        "/restapis/a1/dev/_user_request_/a b/\xe2\x9c\x93//"
    )
    assert environs["chunked"]["wsgi.input"].read() == b"{}"
    assert environs["blanks"]["HTTP_X_A"] == "v  "
    assert environs["latin-1-value"]["lablib.raw_headers"] == [("X-Name", "caf\xe9 \xff")]
    assert environs["boto3-invoke"]["lablib.raw_headers"][0] == ("Host", "127.0.0.1:4566")


ERRORS = {
    "one-word": b"BROKEN\r\n\r\n",
    "http-2": b"GET / HTTP/2.0\r\n\r\n",
    "http-1.x": b"GET / HTTP/1.x\r\n\r\n",
    "version-three-parts": b"GET / HTTP/1.1.1\r\n\r\n",
    "not-http": b"GET / FOO/1.1\r\n\r\n",
    "long-version": b"GET / HTTP/12345678901.1\r\n\r\n",
    "four-words": b"GET / x HTTP/1.1\r\n\r\n",
    "http-0.9-post": b"POST /x\r\n\r\n",
    "long-header-line": request("GET / HTTP/1.1", "X-Long: " + "a" * 65530),
    "100-headers": request("GET / HTTP/1.1", *(f"X-H{i}: {i}" for i in range(100))),
    "empty-line": b"\r\n",
}


@pytest.mark.parametrize("raw", ERRORS.values(), ids=ERRORS.keys())
def test_bad_requests_get_the_answers_they_got(raw: bytes) -> None:
    old, old_ok = parsed(OldHandler, raw)
    new, new_ok = parsed(KeepAliveHandler, raw)
    assert not old_ok and not new_ok
    assert new.wfile.getvalue() == old.wfile.getvalue()
    assert new.close_connection and old.close_connection


def test_the_error_answers_are_json() -> None:
    answers = {}
    for name in ("http-2", "http-1.x", "long-header-line", "100-headers"):
        head, _, body = (
            parsed(KeepAliveHandler, ERRORS[name])[0].wfile.getvalue().partition(b"\r\n\r\n")
        )
        answers[name] = (head.split(b"\r\n")[0], json.loads(body))
    assert answers["http-2"][0] == b"HTTP/1.1 505 HTTP Version Not Supported"
    assert answers["http-1.x"][0] == b"HTTP/1.1 400 Bad Request"
    assert answers["http-1.x"][1]["message"] == "Bad request version ('HTTP/1.x'). "
    assert answers["long-header-line"][0] == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert answers["100-headers"][1]["message"] == "Too many headers. got more than 100 headers"
    assert all(body["__type"] == "BadRequestException" for _, body in answers.values())


REFUSED = {
    "no-colon": request("GET / HTTP/1.1", "Host: h", "bogus", "Content-Length: 3"),
    "space-before-colon": request("GET / HTTP/1.1", "Host : h"),
    "empty-name": request("GET / HTTP/1.1", ": v"),
    "non-ascii-name": b"GET / HTTP/1.1\r\nX-\xe9: v\r\n\r\n",
    "folded": request("GET / HTTP/1.1", "X-A: a", " b", "Host: h"),
    "folded-tab": request("GET / HTTP/1.1", "X-A: a", "\tb"),
    "first-line-folded": request("GET / HTTP/1.1", " X-A: a"),
    "lone-cr": request("GET / HTTP/1.1", "X-A: a\rContent-Length: 5"),
    "nul": request("GET / HTTP/1.1", "X-A: a\x00b"),
}


@pytest.mark.parametrize("raw", REFUSED.values(), ids=REFUSED.keys())
def test_what_the_email_package_misread_is_refused(raw: bytes) -> None:
    new, ok = parsed(KeepAliveHandler, raw)
    assert not ok and new.close_connection
    head, _, body = new.wfile.getvalue().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close" in head
    assert json.loads(body)["__type"] == "BadRequestException"


def test_the_email_package_cut_the_header_block_at_a_line_without_colon() -> None:
    # Why a line without a colon is refused: before, the headers after it were dropped.
    old, ok = parsed(OldHandler, REFUSED["no-colon"])
    assert ok and "Content-Length" not in old.headers and old.headers["Host"] == "h"


def test_headers_answer_like_an_email_message() -> None:
    raw = b"Host: h\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\nrest"
    stream = io.BytesIO(raw)
    headers = read_headers(stream)
    message = BaseHTTPRequestHandler.MessageClass  # http.client.HTTPMessage
    old = __import__("http.client").client.parse_headers(io.BytesIO(raw), _class=message)
    assert isinstance(headers, Headers)
    assert stream.read() == b"rest"
    for name in ("x-A", "HOST", "content-length", "missing"):
        assert headers.get(name) == old.get(name)
        assert headers[name] == old[name]
        assert headers.get_all(name) == old.get_all(name)
        assert (name in headers) == (name in old)
    assert headers.get("missing", "d") == "d" and headers.get_all("missing", []) == []
    assert headers.keys() == old.keys() and headers.values() == old.values()
    assert headers.items() == old.items() and list(headers) == list(old)
    assert len(headers) == len(old) == 4


def test_werkzeug_socket_and_errors_are_the_live_ones() -> None:
    new, _ = parsed(KeepAliveHandler, CORPUS["boto3-invoke"])
    environ = new.make_environ()
    assert environ["werkzeug.socket"] is SOCKET and environ["wsgi.errors"] is sys.stderr


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD", "PROPFIND", "BREW"])
def test_every_method_is_run_by_the_wsgi_app(method: str) -> None:
    # the usual methods through do_<METHOD>, any other through werkzeug's __getattr__
    handler, _ = parsed(KeepAliveHandler, b"")
    handler.rfile = io.BytesIO(f"{method} /x HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    ran: list[str] = []
    handler.run_wsgi = lambda: ran.append(handler.command)
    handler.handle_one_request()
    assert ran == [method] and handler.wfile.getvalue() == b""
