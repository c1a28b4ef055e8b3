"""Bounds on the local AWS's HTTP server, so slow or stuck clients cannot exhaust it.

- An idle connection (no byte received for ``LABLIB_IDLE_TIMEOUT`` seconds, default 60, as
  AWS's load balancers do) is closed, whether it is between requests or half-way through one.
- At most ``LABLIB_MAX_CONNECTIONS`` (default 256) connections are served at once, each on
  its own thread; further ones wait in the listen backlog until a slot frees. Connections are
  kept alive between requests (``lablib.aws.http_front``): when every slot is taken, the
  connection idle the longest is closed to make room, and ``stop`` closes the idle ones.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

DEFAULT_IDLE_TIMEOUT_S = 60.0
DEFAULT_MAX_CONNECTIONS = 256
BACKLOG = 1024


def idle_timeout() -> float:
    return float(os.environ.get("LABLIB_IDLE_TIMEOUT") or DEFAULT_IDLE_TIMEOUT_S)


def max_connections() -> int:
    return max(1, int(os.environ.get("LABLIB_MAX_CONNECTIONS") or DEFAULT_MAX_CONNECTIONS))


class ConnectionBound:
    """Limits a socketserver.ThreadingMixIn server to ``limit`` connection threads."""

    def __init__(self, server: Any, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self._server = server
        self._process_request = server.process_request
        self._process_request_thread = server.process_request_thread
        self._live: dict[Any, str] = {}  # connection handler -> "new", "idle" or "busy"
        server.process_request = self.process_request
        server.process_request_thread = self.process_request_thread
        server.lablib_bound = self
        server.socket.listen(BACKLOG)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- called by each connection's handler (its own thread) -------------------------------
    def enter(self, handler: Any) -> None:
        with self._lock:
            self._live[handler] = "new"

    def park(self, handler: Any) -> bool:
        """Between two requests: evictable until ``claim``. False: close the connection."""
        with self._lock:
            if self._stopping.is_set() or handler.evicted:
                return False
            self._live.pop(handler, None)  # to the end: the dict's order is the idle order
            self._live[handler] = "idle"
            return True

    def claim(self, handler: Any) -> bool:
        """A request line arrived: busy again. False when the connection was closed."""
        with self._lock:
            if handler.evicted:
                return False
            self._live[handler] = "busy"
            return True

    def forget(self, handler: Any) -> None:
        with self._lock:
            self._live.pop(handler, None)

    def _close_idle(self, limit: int) -> int:
        """Close up to ``limit`` idle kept-alive connections, longest-idle first."""
        closed = 0
        with self._lock:
            for handler, state in list(self._live.items()):
                if closed >= limit:
                    break
                if state == "idle" and not handler.evicted:
                    handler.evicted = True
                    del self._live[handler]
                    _shut(handler.connection)
                    closed += 1
        return closed

    def process_request(self, request: Any, client_address: Any) -> None:
        # Runs on the accepting thread: wait for a free slot (the next connections wait in
        # the kernel's backlog meanwhile), but never past a stop. An idle kept-alive
        # connection gives its slot up to a new one.
        acquired = self._slots.acquire(blocking=False)
        while not acquired:
            self._close_idle(1)
            acquired = self._slots.acquire(timeout=0.2)
            if not acquired and self._stopping.is_set():
                self._server.shutdown_request(request)
                return
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            self._process_request(request, client_address)
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            self._process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            self.active -= 1
        self._slots.release()

    def stop(self) -> None:
        """No new connections; idle ones are closed, busy ones after their request."""
        self._stopping.set()
        self._close_idle(len(self._live) + 1)
        with self._lock:  # connections still waiting for their first request line
            waiting = [h for h, state in self._live.items() if state == "new"]
        for handler in waiting:
            _shut(handler.connection, socket.SHUT_RD)


def _shut(sock: Any, how: int = socket.SHUT_RDWR) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass
