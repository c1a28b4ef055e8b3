"""The Runtime API channel of one environment, driven by scripted runtime clients.

Warm invocations are answered by the invoking thread itself once a runtime has kept its
connection for a whole invocation; these tests pin that every kind of runtime client still
gets the same results: one that keeps its connection, one that reconnects per request (a
shell bootstrap with curl), one that switches from one to the other, one that dies mid-way,
one that never answers, and a garbled one.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from lablib.runtime import runtime_api
from lablib.runtime.runtime_api import Invocation, RuntimeAPIChannel
from tests.support import wait_until

PREFIX = "/2018-06-01/runtime"


class Client:
    """A runtime client: one HTTP/1.1 exchange per call, on a kept or a new connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.where = (host, int(port))
        self.sock: socket.socket | None = None
        self.reader = None

    def connect(self) -> None:
        self.close()
        self.sock = socket.create_connection(self.where)
        self.reader = self.sock.makefile("rb")  # type: ignore[assignment]

    def close(self) -> None:
        if self.sock is not None:
            self.reader.close()  # type: ignore[attr-defined]
            self.sock.close()
            self.sock = None

    def call(
        self, method: str, path: str, body: bytes = b"", extra: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        if self.sock is None:
            self.connect()
        assert self.sock is not None and self.reader is not None
        head = f"{method} {PREFIX}{path} HTTP/1.1\r\nHost: x\r\n{extra}"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self.sock.sendall(head.encode() + body)
        status = self.reader.readline()
        if not status:
            raise ConnectionError("closed")
        headers: dict[str, str] = {}
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        return int(status.split()[1]), headers, self.reader.read(length)


def _runtime(channel: RuntimeAPIChannel, script: Callable[[Client, int], bool]) -> threading.Thread:
    """Serve invocations: GET next, then ``script(client, n)``, which answers invocation n
    and returns False to stop."""

    def loop() -> None:
        client = Client(channel.address)
        n = 0
        try:
            while True:
                _, headers, body = client.call("GET", "/invocation/next")
                request_id = headers["lambda-runtime-aws-request-id"]
                client.request_id = request_id  # type: ignore[attr-defined]
                client.body = body  # type: ignore[attr-defined]
                n += 1
                if not script(client, n):
                    return
        except OSError:
            return
        finally:
            client.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _echo(client: Client, n: int) -> None:
    request_id = client.request_id  # type: ignore[attr-defined]
    client.call("POST", f"/invocation/{request_id}/response", b"echo:" + client.body)  # type: ignore[attr-defined]


@pytest.fixture
def channel() -> Iterator[RuntimeAPIChannel]:
    made = RuntimeAPIChannel()
    yield made
    made.close()


def _invoke(channel: RuntimeAPIChannel, n: int, timeout_s: float = 30) -> Invocation:
    invocation = Invocation(f"id-{n}", f"{n}".encode(), 0, "arn:aws:lambda:fn")
    invocation.finished = channel.run(invocation, timeout_s)  # type: ignore[attr-defined]
    return invocation


def test_a_runtime_that_keeps_its_connection_gets_every_invocation(
    channel: RuntimeAPIChannel,
) -> None:
    _runtime(channel, lambda client, n: (_echo(client, n), True)[1])
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n) for n in range(1, 8)]
    assert [(r.finished, r.status, r.body) for r in results] == [  # type: ignore[attr-defined]
        (True, "ok", f"echo:{n}".encode()) for n in range(1, 8)
    ]


def test_warm_invocations_are_handed_over_by_the_invoking_thread(
    channel: RuntimeAPIChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No thread hand-off on the warm path: once the runtime has kept its connection for a
    whole invocation, the invoking thread answers GET /invocation/next itself."""
    senders: list[str] = []
    send = runtime_api._send_invocation

    def recording(conn: socket.socket, item: Invocation) -> None:
        senders.append(threading.current_thread().name)
        send(conn, item)

    monkeypatch.setattr(runtime_api, "_send_invocation", recording)
    _runtime(channel, lambda client, n: (_echo(client, n), True)[1])
    assert channel.init.ready.wait(30)
    assert _invoke(channel, 1).status == "ok"
    # The runtime answered on its first connection and is waiting for the next invocation:
    wait_until(lambda: channel._parked, what="the runtime waits in GET /invocation/next")
    assert [_invoke(channel, n).status for n in range(2, 6)] == ["ok"] * 4
    invoker = threading.current_thread().name
    assert senders == ["runtime-api"] + [invoker] * 4


def test_a_runtime_that_reconnects_for_every_request_still_works(
    channel: RuntimeAPIChannel,
) -> None:
    def reconnecting(client: Client, n: int) -> bool:
        client.connect()
        _echo(client, n)
        client.connect()  # the next GET /invocation/next comes on a new connection too
        return True

    _runtime(channel, reconnecting)
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n) for n in range(1, 6)]
    assert [(r.status, r.body) for r in results] == [
        ("ok", f"echo:{n}".encode()) for n in range(1, 6)
    ]


def test_a_runtime_that_reconnects_now_and_then_still_works(channel: RuntimeAPIChannel) -> None:
    """Kept connections first (so invocations are answered inline), then a new connection
    after every third response: the serving thread takes the connection back each time."""

    def sometimes(client: Client, n: int) -> bool:
        _echo(client, n)
        if n % 3 == 0:
            client.connect()
        return True

    _runtime(channel, sometimes)
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n) for n in range(1, 11)]
    assert [(r.status, r.body) for r in results] == [
        ("ok", f"echo:{n}".encode()) for n in range(1, 11)
    ]


def test_an_error_is_reported_with_its_type(channel: RuntimeAPIChannel) -> None:
    def failing(client: Client, n: int) -> bool:
        request_id = client.request_id  # type: ignore[attr-defined]
        if n < 4:
            _echo(client, n)
            return True
        body = b'{"errorMessage":"boom","errorType":"ValueError"}'
        extra = "Lambda-Runtime-Function-Error-Type: Unhandled\r\n"
        status, _, _ = client.call("POST", f"/invocation/{request_id}/error", body, extra)
        return status == 202

    _runtime(channel, failing)
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n) for n in range(1, 5)]
    assert [r.status for r in results] == ["ok", "ok", "ok", "error"]
    assert results[-1].error_type == "Unhandled"
    assert b"boom" in results[-1].body


def test_a_runtime_that_dies_half_way_fails_the_invocation(channel: RuntimeAPIChannel) -> None:
    def dies_on_five(client: Client, n: int) -> bool:
        if n == 5:
            client.close()  # the process ends with the invocation in hand
            threading.Timer(0.2, channel.process_exited).start()  # the executor reports it
            return False
        _echo(client, n)
        return True

    _runtime(channel, dies_on_five)
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n) for n in range(1, 6)]
    assert [r.status for r in results] == ["ok", "ok", "ok", "ok", "died"]
    assert results[-1].finished  # type: ignore[attr-defined]


def test_a_runtime_that_never_answers_times_out(channel: RuntimeAPIChannel) -> None:
    def silent_on_four(client: Client, n: int) -> bool:
        if n == 4:
            threading.Event().wait(5)  # keeps the invocation, says nothing
            return False
        _echo(client, n)
        return True

    _runtime(channel, silent_on_four)
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n, timeout_s=30 if n < 4 else 1.0) for n in range(1, 5)]
    assert [r.finished for r in results] == [True, True, True, False]  # type: ignore[attr-defined]
    assert results[-1].status == ""


@pytest.mark.parametrize("garbled_at", [1, 4])  # on the serving thread, then inline
def test_a_garbled_request_does_not_hang_the_invoker(
    channel: RuntimeAPIChannel, garbled_at: int
) -> None:
    def garbled(client: Client, n: int) -> bool:
        if n == garbled_at:
            assert client.sock is not None
            client.sock.sendall(b"POST /x HTTP/1.1\r\nContent-Length: many\r\n\r\n")
            threading.Event().wait(3)
            client.close()
            channel.process_exited()
            return False
        _echo(client, n)
        return True

    _runtime(channel, garbled)
    assert channel.init.ready.wait(30)
    results = [_invoke(channel, n, timeout_s=60) for n in range(1, garbled_at + 1)]
    assert [r.status for r in results] == ["ok"] * (garbled_at - 1) + ["died"]
