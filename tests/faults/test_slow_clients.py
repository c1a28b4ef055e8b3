"""Slow HTTP clients: half-sent requests are dropped after the idle timeout, and however
many there are, the server runs a bounded number of connection threads and still serves."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from tests.faults.conftest import wait_for
from tests.support import NO_RETRY


@pytest.fixture
def bounded_aws(monkeypatch: Any) -> Iterator[LocalAWS]:
    monkeypatch.setenv("LABLIB_IDLE_TIMEOUT", "1")
    monkeypatch.setenv("LABLIB_MAX_CONNECTIONS", "32")
    local = LocalAWS(set_environment=False).start()
    try:
        yield local
    finally:
        local.stop()


def test_half_sent_requests_are_bounded_and_time_out(bounded_aws: LocalAWS) -> None:
    aws = bounded_aws
    port = int(aws.endpoint.rsplit(":", 1)[1])
    before = threading.active_count()
    slow = []
    for _ in range(300):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /2015-03-31/functions/x/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(sock)
    try:
        wait_for(lambda: aws.connections.active == 32, what="the connection slots to fill")
        assert threading.active_count() <= before + 32 + 2
        # Each slow connection is closed after a second without a byte; the rest wait their
        # turn in the backlog, and a normal request is served once its turn comes.
        lam = aws.client("lambda", config=NO_RETRY)
        assert lam.list_functions()["Functions"] == []
        for sock in slow:
            assert sock.recv(1) == b""  # closed by the server (recv would block otherwise)
        assert aws.connections.peak == 32
    finally:
        for sock in slow:
            sock.close()
