"""A background thread that runs small jobs in order, with ``drain()`` to wait for them.

Telemetry (logs, metrics) is written this way so the request path stays fast; the server
drains every such thread before answering a read, so a learner always sees what happened.

Each pass of the thread takes every job queued so far, runs them in order, then calls
``flush`` (when given): jobs that only collect writes let ``flush`` make them in batches.
With ``linger``, a thread woken by a job waits that long for more before its pass, so a
steady stream of requests costs one wake-up per pass, not one per request. ``drain()`` does
not wait for it: it returns once every job queued before it has run and been flushed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Job = Callable[[], None]
# How long a telemetry thread gathers jobs before writing them: reads never wait for it
# (the server drains telemetry first, and drain hurries the thread); what nothing drains
# (a log subscription's delivery) is written at most this much later.
TELEMETRY_LINGER_S = 0.005


class _Mark:
    """Queued by ``drain`` (and ``close``): set once everything queued before it is done."""

    __slots__ = ("done", "stop")

    def __init__(self, stop: bool = False) -> None:
        self.done = threading.Event()
        self.stop = stop


class JobThread:
    def __init__(
        self,
        name: str,
        what: str,
        maxsize: int = 0,
        flush: Callable[[], None] | None = None,
        linger: float = 0.0,
    ) -> None:
        """``maxsize``: at most this many jobs waiting or running (0: no limit); more are
        dropped. ``flush``: called on the thread after each pass and before a drain returns.
        ``linger``: seconds a pass waits, once a job woke the thread, for more jobs."""
        self.what = what
        self._maxsize = maxsize
        self._flush = flush
        self._linger = linger
        self._hurry = threading.Event()
        self._queue: queue.SimpleQueue[Job | _Mark] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._queued = 0  # jobs accepted, and jobs run (the thread's count), under _lock
        self._done = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, job: Job) -> bool:
        """Queue a job; False (and a message) when the queue is full and the job is dropped."""
        with self._lock:
            if self._maxsize and self._queued - self._done >= self._maxsize:
                full = True
            else:
                full = False
                self._queued += 1
                self._queue.put(job)
        if full:
            print(f"lablib: {self.what} is behind; one record was dropped", flush=True)
        return not full

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if self._linger and not isinstance(first, _Mark):
                self._hurry.wait(self._linger)
                self._hurry.clear()
            batch = [first]
            for _ in range(self._queue.qsize()):  # only this thread takes: they are there
                batch.append(self._queue.get_nowait())
            ran = 0
            for item in batch:
                if isinstance(item, _Mark):
                    self._finish(ran)
                    ran = 0
                    item.done.set()
                    if item.stop:
                        return
                    continue
                ran += 1
                try:
                    item()
                except Exception as exc:  # a sink failure must not stop the thread
                    self._report(exc)
            self._finish(ran)

    def _finish(self, ran: int) -> None:
        """Flush what the jobs run so far collected, then count them as done."""
        if not ran:
            return
        if self._flush is not None:
            try:
                self._flush()
            except Exception as exc:
                self._report(exc)
        with self._lock:
            self._done += ran

    def _report(self, exc: Exception) -> None:
        print(f"lablib: could not record {self.what}: {exc!r}", flush=True)

    def drain(self) -> None:
        with self._lock:
            if self._done == self._queued or not self._thread.is_alive():
                return
        mark = _Mark()
        self._queue.put(mark)
        self._hurry.set()
        mark.done.wait()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        mark = _Mark(stop=True)
        self._queue.put(mark)
        self._hurry.set()
        self._thread.join(5)
