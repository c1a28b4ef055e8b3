"""A background thread that runs small jobs in order, with ``drain()`` to wait for them.

Telemetry (logs, metrics) is written this way so the request path stays fast; the server
drains every such thread before answering a read, so a learner always sees what happened.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class JobThread:
    def __init__(self, name: str, what: str, maxsize: int = 0) -> None:
        self.what = what
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=maxsize)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, job: Callable[[], None]) -> bool:
        """Queue a job; False (and a message) when the queue is full and the job is dropped."""
        try:
            self._queue.put_nowait(job)
            return True
        except queue.Full:
            print(f"lablib: {self.what} is behind; one record was dropped", flush=True)
            return False

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                job()
            except Exception as exc:  # a sink failure must not stop the thread
                print(f"lablib: could not record {self.what}: {exc!r}", flush=True)
            finally:
                self._queue.task_done()

    def drain(self) -> None:
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5)
