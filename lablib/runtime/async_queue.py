"""Asynchronous invocation: an internal queue, retries with AWS's delays on the lab clock,
maximum event age, and a final outcome handed to whoever delivers DLQ/destination records.

The queue knows nothing of AWS services: it is given three callables.
- ``invoke(event)`` runs one attempt and returns an InvokeResult (or raises Throttled),
- ``settings(event)`` returns (maximum retry attempts, maximum event age in seconds),
- ``finish(event, result, condition)`` records the outcome (destinations, DLQ).
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lablib.runtime.model import InvokeResult, Throttled

RETRY_DELAYS_AWS_S = (60.0, 120.0)  # after the first and second failed attempt
THROTTLE_BACKOFF_AWS_S = (1.0, 300.0)  # throttled events: from 1 s up to 5 minutes


class Clock(Protocol):
    def now(self) -> float: ...

    def real_seconds(self, aws_seconds: float) -> float: ...


@dataclass
class AsyncEvent:
    request_id: str
    function: str  # name or ARN as the caller gave it
    qualifier: str | None
    payload: bytes
    account: str
    region: str
    received_at: float  # lab-clock time
    attempts: int = 0
    throttles: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


Invoke = Callable[[AsyncEvent], InvokeResult]
Settings = Callable[[AsyncEvent], tuple[int, float]]
Finish = Callable[[AsyncEvent, InvokeResult | None, str], None]


class AsyncQueue:
    def __init__(
        self,
        clock: Clock,
        invoke: Invoke,
        settings: Settings,
        finish: Finish,
        workers: int = 8,
    ) -> None:
        self.clock = clock
        self._invoke = invoke
        self._settings = settings
        self._finish = finish
        self._heap: list[tuple[float, int, AsyncEvent]] = []  # (real due time, seq, event)
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._active = 0
        self._threads = [
            threading.Thread(target=self._work, name=f"lambda-async-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def put(self, event: AsyncEvent, delay_aws_s: float = 0.0) -> None:
        due = time.monotonic() + self.clock.real_seconds(delay_aws_s)
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._seq), event))
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._active

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no event is queued or running (True), or the timeout passed."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._active:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def _next(self) -> AsyncEvent | None:
        with self._cond:
            while not self._stopping:
                if self._heap:
                    due = self._heap[0][0]
                    now = time.monotonic()
                    if due <= now:
                        self._active += 1
                        return heapq.heappop(self._heap)[2]
                    self._cond.wait(due - now)
                else:
                    self._cond.wait()
            return None

    def _work(self) -> None:
        while True:
            event = self._next()
            if event is None:
                return
            try:
                self._process(event)
            except Exception as exc:  # never lose the worker thread
                print(f"lablib: async event {event.request_id} failed: {exc!r}", flush=True)
            finally:
                with self._cond:
                    self._active -= 1
                    self._cond.notify_all()

    def _process(self, event: AsyncEvent) -> None:
        max_retries, max_age = self._settings(event)
        age = self.clock.now() - event.received_at
        if age > max_age:
            self._finish(event, None, "EventAgeExceeded")
            return
        try:
            result = self._invoke(event)
        except Throttled as throttled:
            if throttled.reason == "ZeroReservedConcurrency":
                self._finish(event, None, "ZeroReservedConcurrency")
                return
            event.throttles += 1
            low, high = THROTTLE_BACKOFF_AWS_S
            self.put(event, min(high, low * 2 ** min(event.throttles, 10)))
            return
        event.attempts += 1
        if result.function_error is None:
            self._finish(event, result, "Success")
            return
        if event.attempts > max_retries:
            self._finish(event, result, "RetriesExhausted")
            return
        delay = RETRY_DELAYS_AWS_S[min(event.attempts - 1, len(RETRY_DELAYS_AWS_S) - 1)]
        if age + delay > max_age:
            self._finish(event, result, "EventAgeExceeded")
            return
        self.put(event, delay)

    def close(self, drain_seconds: float, report_dir: Path) -> int:
        """Stop; events still pending after ``drain_seconds`` are written to a report file
        (nothing is lost silently). Returns how many were reported."""
        self.wait_idle(drain_seconds)
        with self._cond:
            self._stopping = True
            left = [item[2] for item in self._heap]
            self._heap.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(2)
        if left:
            report_dir.mkdir(parents=True, exist_ok=True)
            path = report_dir / f"undelivered-async-events-{int(time.time())}.jsonl"
            with path.open("w") as handle:
                for event in left:
                    record = {
                        "requestId": event.request_id,
                        "function": event.function,
                        "qualifier": event.qualifier,
                        "attempts": event.attempts,
                        "payload": event.payload.decode("utf-8", "replace"),
                    }
                    handle.write(json.dumps(record) + "\n")
            print(
                f"lablib: {len(left)} asynchronous event(s) were still waiting for a retry when "
                f"the local AWS stopped; they were saved to {path}",
                flush=True,
            )
        return len(left)
