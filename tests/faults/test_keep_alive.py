"""HTTP/1.1 keep-alive on the local AWS: many requests over one connection, each framed
exactly (a body the server does not read, or cannot frame, never desyncs the next request),
idle and half-sent connections closed, and the connection bound still served."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, zip_of

SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/"
    "aws4_request, SignedHeaders=host, Signature=00",
    "X-Amz-Date": "20260101T000000Z",
}
SIGNED_RAW = "".join(f"{k}: {v}\r\n" for k, v in SIGNED.items())
PROXY = (
    "def handler(event, context):\n"
    "    return {'statusCode': 200, 'body': 'proxy ' + str(event.get('path'))}\n"
)


def port_of(aws: LocalAWS) -> int:
    return int(aws.endpoint.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def stage_url(aws: LocalAWS, role: str) -> str:
    """The stage URL path of a Lambda-proxy GET /hello."""
    lam = aws.client("lambda", config=NO_RETRY)
    ag = aws.client("apigateway", config=NO_RETRY)
    code = {"ZipFile": zip_of({"app.py": PROXY})}
    lam.create_function(FunctionName="keepalive-fn", Runtime="python3.12", Role=role,
                        Handler="app.handler", Code=code)  # fmt: skip
    lam.add_permission(FunctionName="keepalive-fn", StatementId="apigw", Principal=
                       "apigateway.amazonaws.com", Action="lambda:InvokeFunction")  # fmt: skip
    api = ag.create_rest_api(name="keepalive")["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    res = ag.create_resource(restApiId=api, parentId=root, pathPart="hello")["id"]
    ag.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:keepalive-fn"
    ag.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri="arn:aws:apigateway:us-east-1:lambda:"
                       f"path/2015-03-31/functions/{arn}/invocations")  # fmt: skip
    ag.create_deployment(restApiId=api, stageName="dev")
    return f"/restapis/{api}/dev/_user_request_/hello"


def test_many_requests_share_one_connection(aws: LocalAWS, stage_url: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port_of(aws), timeout=60)
    invoke = "/2015-03-31/functions/keepalive-fn/invocations"
    answers: list[tuple[int, bytes]] = []
    sockets = set()
    steps: list[tuple[str, str, bytes | None, dict[str, str]]] = [
        ("POST", invoke, b'{"a": 1}', SIGNED),
        ("GET", stage_url, None, {}),
        ("GET", "/2015-03-31/functions/", None, SIGNED),  # moto's ListFunctions
        ("POST", "/2015-03-31/functions/missing/invocations", b"{}", SIGNED),  # a 404
        ("POST", invoke, b"{}", {}),  # unsigned: refused by the front, body left unread
        ("HEAD", stage_url, None, {}),
        ("GET", stage_url + "?x=1", None, {}),
        ("POST", invoke, b"{}", SIGNED),
    ]
    try:
        for method, path, body, headers in steps:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            answers.append((response.status, response.read()))
            assert not response.will_close, (method, path, response.getheaders())
            sockets.add(id(conn.sock))
    finally:
        conn.close()
    assert len(sockets) == 1  # http.client would have reconnected after a close
    statuses = [status for status, _ in answers]
    assert statuses == [200, 200, 200, 404, 403, 403, 200, 200]  # no HEAD method: 403
    assert json.loads(answers[0][1]) == {"statusCode": 200, "body": "proxy None"}
    assert answers[1][1] == b"proxy /hello"
    assert any(f["FunctionName"] == "keepalive-fn" for f in json.loads(answers[2][1])["Functions"])
    assert json.loads(answers[3][1])["Type"] == "User"
    assert json.loads(answers[4][1])["__type"] == "MissingAuthenticationTokenException"
    assert answers[5][1] == b""  # HEAD: headers only (its Content-Length is the GET body's)
    assert answers[6][1] == b"proxy /hello"


class _Shared:
    """One buffered reader for several http.client responses on one raw socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.file = sock.makefile("rb")

    def makefile(self, *args: Any, **kwargs: Any) -> Any:
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)

    def close(self) -> None:
        pass


Answer = tuple[int, dict[str, str], bytes]


def responses(aws: LocalAWS, data: bytes, count: int) -> Iterator[Answer]:
    """Send ``data`` at once; read up to ``count`` responses, then whether the server closed."""
    with socket.create_connection(("127.0.0.1", port_of(aws)), timeout=30) as sock:
        sock.sendall(data)
        shared = _Shared(sock)
        for _ in range(count):
            response = http.client.HTTPResponse(shared)  # type: ignore[arg-type]
            try:
                response.begin()
            except http.client.RemoteDisconnected:
                return
            yield response.status, dict(response.getheaders()), response.read()
        assert shared.file.read(1) == b""  # nothing more: the server closed the connection


def invoke_request(body: bytes, extra: str = "", length: str | None = None) -> bytes:
    size = str(len(body)) if length is None else length
    return (
        "POST /2015-03-31/functions/keepalive-fn/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"{SIGNED_RAW}{extra}Content-Length: {size}\r\n\r\n"
    ).encode() + body


LIST = f"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{SIGNED_RAW}\r\n".encode()
CLOSE = (
    "GET /2015-03-31/functions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    f"{SIGNED_RAW}\r\n"
).encode()


def test_an_unread_body_that_looks_like_a_request_is_not_answered(
    aws: LocalAWS, stage_url: str
) -> None:
    # The front refuses the unsigned POST without reading its body; the body is drained, so
    # the request hidden in it is never served and the next real request is.
    hidden = b"DELETE /2015-03-31/functions/keepalive-fn HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    unsigned = (
        "POST /2015-03-31/functions/keepalive-fn/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Length: {len(hidden)}\r\n\r\n"
    ).encode() + hidden
    got = list(responses(aws, unsigned + CLOSE, 3))
    assert [status for status, _, _ in got] == [403, 200]
    assert any(f["FunctionName"] == "keepalive-fn" for f in json.loads(got[1][2])["Functions"])


@pytest.mark.parametrize(
    "bad",
    [
        invoke_request(b"{}", length="abc"),
        invoke_request(b"{}", length="1e3"),
        invoke_request(b"{}", extra="Content-Length: 7\r\n"),  # two different lengths
        invoke_request(b"2\r\n{}\r\n0\r\n\r\n", extra="Transfer-Encoding: chunked\r\n"),
        invoke_request(b"{}", extra="Transfer-Encoding: gzip\r\n"),
    ],
    ids=["letters", "exponent", "conflicting", "length-and-chunked", "unknown-coding"],
)
def test_a_body_that_cannot_be_framed_closes_the_connection(aws: LocalAWS, bad: bytes) -> None:
    got = list(responses(aws, bad + LIST, 2))
    assert len(got) == 1, got  # the request after it is not read as a request
    status, headers, body = got[0]
    assert status == 400
    assert headers["Connection"] == "close"
    message = json.loads(body)["message"]
    assert "Content-Length" in message or "Transfer-Encoding" in message


def test_chunked_and_pipelined_requests_are_framed(aws: LocalAWS, stage_url: str) -> None:
    chunked = (
        "POST /2015-03-31/functions/keepalive-fn/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"{SIGNED_RAW}Transfer-Encoding: chunked\r\n\r\n"
    ).encode() + b'3\r\n{"p\r\n6\r\nath": \r\n5\r\n"/x"}\r\n0\r\n\r\n'
    got = list(responses(aws, chunked + invoke_request(b'{"path": "/y"}') + CLOSE, 4))
    assert [status for status, _, _ in got] == [200, 200, 200]
    assert json.loads(got[0][2])["body"] == "proxy /x"
    assert json.loads(got[1][2])["body"] == "proxy /y"


def test_a_malformed_request_line_is_a_json_400(aws: LocalAWS) -> None:
    got = list(responses(aws, b"BROKEN\r\n\r\n" + LIST, 2))
    assert len(got) == 1
    assert got[0][0] == 400
    assert json.loads(got[0][2])["__type"] == "BadRequestException"


@pytest.mark.parametrize(
    ("block", "status"),
    [
        ("X-A: a\r\n b\r\n", 400),  # obsolete line folding
        ("bogus\r\n", 400),  # no colon: the email package ended the headers here
        ("X-A: a\rContent-Length: 5\r\n", 400),  # a lone CR in a value
        ("".join(f"X-H{i}: {i}\r\n" for i in range(100)), 431),
    ],  # (the over-long line's 431: tests/faults/test_http_parse.py, no unread bytes here)
    ids=["folded", "no-colon", "lone-cr", "too-many"],
)
def test_a_bad_header_block_is_answered_and_closed(aws: LocalAWS, block: str, status: int) -> None:
    bad = f"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{block}\r\n".encode()
    got = list(responses(aws, bad + LIST, 2))
    assert [answer[0] for answer in got] == [status]  # the request after it is not served
    assert got[0][1]["Connection"] == "close"
    assert json.loads(got[0][2])["__type"] == "BadRequestException"


def test_expect_100_continue_and_keep_alive(aws: LocalAWS, stage_url: str) -> None:
    body = b'{"path": "/z"}'
    head = (
        "POST /2015-03-31/functions/keepalive-fn/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"{SIGNED_RAW}Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port_of(aws)), timeout=30) as sock:
        sock.sendall(head)
        shared = _Shared(sock)
        assert shared.file.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert shared.file.readline() == b"\r\n"
        sock.sendall(body + CLOSE)
        answers = []
        for _ in range(2):
            response = http.client.HTTPResponse(shared)  # type: ignore[arg-type]
            response.begin()
            answers.append((response.status, response.will_close, response.read()))
        assert shared.file.read(1) == b""
    assert [(status, closes) for status, closes, _ in answers] == [(200, False), (200, True)]
    assert json.loads(answers[0][2])["body"] == "proxy /z"


def test_http_1_0_clients_get_a_closed_connection(aws: LocalAWS) -> None:
    request = f"GET /2015-03-31/functions/ HTTP/1.0\r\nHost: 127.0.0.1\r\n{SIGNED_RAW}\r\n"
    got = list(responses(aws, request.encode() + LIST, 2))
    assert [status for status, _, _ in got] == [200]


@pytest.fixture
def short_idle(monkeypatch: Any) -> Iterator[LocalAWS]:
    monkeypatch.setenv("LABLIB_IDLE_TIMEOUT", "1")
    monkeypatch.setenv("LABLIB_MAX_CONNECTIONS", "3")
    local = LocalAWS(set_environment=False).start()
    try:
        yield local
    finally:
        local.stop()


def _kept_alive(aws: LocalAWS) -> socket.socket:
    """A connection that has been answered once and is now idle."""
    sock = socket.create_connection(("127.0.0.1", port_of(aws)), timeout=30)
    sock.sendall(LIST)
    response = http.client.HTTPResponse(_Shared(sock))  # type: ignore[arg-type]
    response.begin()
    assert response.status == 200 and not response.will_close
    response.read()
    return sock


def test_idle_and_stalled_kept_alive_connections_are_closed(short_idle: LocalAWS) -> None:
    idle = _kept_alive(short_idle)
    stalled = _kept_alive(short_idle)
    stalled.sendall(b"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # then nothing
    try:
        assert idle.recv(1) == b""  # closed by the server after 1 s without a byte
        assert stalled.recv(1) == b""
    finally:
        idle.close()
        stalled.close()


def test_a_full_server_closes_its_longest_idle_connection(monkeypatch: Any) -> None:
    monkeypatch.setenv("LABLIB_MAX_CONNECTIONS", "3")  # the default 60 s idle timeout
    aws = LocalAWS(set_environment=False).start()
    held = [_kept_alive(aws) for _ in range(3)]
    try:
        assert aws.connections.active == 3
        lam = aws.client("lambda", config=NO_RETRY)  # a fourth connection
        assert isinstance(lam.list_functions()["Functions"], list)
        assert held[0].recv(1) == b""  # the longest idle gave its slot up
        assert aws.connections.peak == 3
    finally:
        aws.stop()
        for sock in held[1:]:
            assert sock.recv(1) == b""  # stop closes the idle connections too
            sock.close()
        held[0].close()
