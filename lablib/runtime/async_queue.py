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

from lablib.runtime.model import InvokeResult, ServiceError, Throttled

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


Limit = Callable[[AsyncEvent], int]
Key = Callable[[AsyncEvent], str]

PER_FUNCTION_WORKERS = 8  # concurrent async attempts per function (unless reserved is lower)
MAX_WORKERS = 64  # threads in all; started on demand, so idle labs pay nothing


class AsyncQueue:
    """Events wait per function; each function gets its own share of the workers.

    AWS scales asynchronous invocation per function, bounded by the function's concurrency,
    so a slow function never delays a fast one. Here each function (``key(event)``) runs at
    most ``limit(event)`` attempts at once, workers start on demand up to ``max_workers``,
    and a free worker takes the due event of the function with the fewest attempts running
    (ties: the earliest due), so no function waits behind another's backlog.
    """

    def __init__(
        self,
        clock: Clock,
        invoke: Invoke,
        settings: Settings,
        finish: Finish,
        workers: int = MAX_WORKERS,
        key: Key | None = None,
        limit: Limit | None = None,
        report_dir: Path | None = None,
    ) -> None:
        self.clock = clock
        self._invoke = invoke
        self._settings = settings
        self._finish = finish
        self._key: Key = key or (lambda event: event.function)
        self._limit: Limit = limit or (lambda event: PER_FUNCTION_WORKERS)
        self._max_workers = max(1, workers)
        # per function: heap of (real due time, seq, event); attempts running; its limit
        self._heaps: dict[str, list[tuple[float, int, AsyncEvent]]] = {}
        self._running: dict[str, int] = {}
        self._limits: dict[str, int] = {}
        self._in_flight: dict[int, AsyncEvent] = {}  # id(event) -> event being attempted
        self._reported: set[str] = set()  # request ids of events written to the shutdown report
        self._report_path: Path | None = None
        self._report_dir = report_dir
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._active = 0
        self._idle_workers = 0
        self._threads: list[threading.Thread] = []

    def put(self, event: AsyncEvent, delay_aws_s: float = 0.0) -> None:
        due = time.monotonic() + self.clock.real_seconds(delay_aws_s)
        key = self._key(event)
        try:
            limit = max(1, self._limit(event))
        except Exception:  # e.g. the function was deleted: its attempt will say so
            limit = PER_FUNCTION_WORKERS
        with self._cond:
            if self._stopping:
                late = event.request_id not in self._reported
            else:
                late = False
                self._limits[key] = limit
                heapq.heappush(self._heaps.setdefault(key, []), (due, next(self._seq), event))
                self._grow_locked()
                self._cond.notify()
        if late:  # queued after the stop (a retry, a push source): it goes to the report
            self._write_report([(event, "queued after the local AWS stopped")])

    def pending(self) -> int:
        with self._cond:
            return self.scheduled_locked() + self._active

    def scheduled(self) -> int:
        """Events waiting (for their turn or for a retry delay), not running."""
        with self._cond:
            return self.scheduled_locked()

    def scheduled_locked(self) -> int:
        return sum(len(heap) for heap in self._heaps.values())

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no event is queued or running (True), or the timeout passed."""
        end = time.monotonic() + timeout
        with self._cond:
            while self.scheduled_locked() or self._active:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def _grow_locked(self) -> None:
        """Start a worker if a due event could run and no worker is free to take it."""
        if self._idle_workers or len(self._threads) >= self._max_workers:
            return
        thread = threading.Thread(
            target=self._work, name=f"lambda-async-{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _pick_locked(self, now: float) -> tuple[AsyncEvent | None, float | None]:
        """The next event to run (fairest function first), or how long until one is due."""
        best: tuple[int, float, str] | None = None
        wake: float | None = None
        for key, heap in self._heaps.items():
            if not heap:
                continue
            running = self._running.get(key, 0)
            if running >= self._limits.get(key, PER_FUNCTION_WORKERS):
                continue  # this function is at its share; a finishing attempt wakes us
            due = heap[0][0]
            if due > now:
                wake = due if wake is None else min(wake, due)
                continue
            if best is None or (running, due) < best[:2]:
                best = (running, due, key)
        if best is None:
            return None, wake
        key = best[2]
        event = heapq.heappop(self._heaps[key])[2]
        if not self._heaps[key]:
            del self._heaps[key]
        self._running[key] = self._running.get(key, 0) + 1
        self._active += 1
        self._in_flight[id(event)] = event
        return event, None

    def _next(self) -> AsyncEvent | None:
        with self._cond:
            while not self._stopping:
                event, wake = self._pick_locked(time.monotonic())
                if event is not None:
                    return event
                self._idle_workers += 1
                try:
                    self._cond.wait(None if wake is None else max(0.0, wake - time.monotonic()))
                finally:
                    self._idle_workers -= 1
            return None

    def _work(self) -> None:
        while True:
            event = self._next()
            if event is None:
                return
            try:
                self._process(event)
            except Exception as exc:  # never lose the worker thread, nor the event
                print(f"lablib: async event {event.request_id} failed: {exc!r}", flush=True)
                self._write_report([(event, f"failed: {exc!r}")])
            finally:
                key = self._key(event)
                with self._cond:
                    self._active -= 1
                    self._running[key] -= 1
                    if not self._running[key]:
                        del self._running[key]
                    self._in_flight.pop(id(event), None)
                    self._cond.notify_all()

    def _outcome(self, event: AsyncEvent, result: InvokeResult | None, condition: str) -> None:
        with self._cond:
            if event.request_id in self._reported:
                return  # the shutdown report already accounts for it
        self._finish(event, result, condition)

    def _process(self, event: AsyncEvent) -> None:
        max_retries, max_age = self._settings(event)
        age = self.clock.now() - event.received_at
        if age > max_age:
            self._outcome(event, None, "EventAgeExceeded")
            return
        try:
            result = self._invoke(event)
        except Throttled as throttled:
            if throttled.reason == "ZeroReservedConcurrency":
                self._outcome(event, None, "ZeroReservedConcurrency")
                return
            event.throttles += 1
            low, high = THROTTLE_BACKOFF_AWS_S
            self.put(event, min(high, low * 2 ** min(event.throttles, 10)))
            return
        except ServiceError:  # the service failed, not the function: retried like a throttle
            event.throttles += 1
            low, high = THROTTLE_BACKOFF_AWS_S
            self.put(event, min(high, low * 2 ** min(event.throttles, 10)))
            return
        event.attempts += 1
        if result.function_error is None:
            self._outcome(event, result, "Success")
            return
        if event.attempts > max_retries:
            self._outcome(event, result, "RetriesExhausted")
            return
        delay = RETRY_DELAYS_AWS_S[min(event.attempts - 1, len(RETRY_DELAYS_AWS_S) - 1)]
        if age + delay > max_age:
            self._outcome(event, result, "EventAgeExceeded")
            return
        self.put(event, delay)

    def close(self, drain_seconds: float, report_dir: Path) -> int:
        """Stop. Events not finished after ``drain_seconds``, waiting or still running, are
        written to a report file (nothing accepted is lost silently); an attempt that ends
        later is not delivered again. Returns how many were reported."""
        self.wait_idle(drain_seconds)
        with self._cond:
            self._stopping = True
            self._report_path = report_dir / f"undelivered-async-events-{int(time.time())}.jsonl"
            left = [(item[2], "waiting") for heap in self._heaps.values() for item in heap]
            left += [(event, "running") for event in self._in_flight.values()]
            self._heaps.clear()
            self._cond.notify_all()
        self._write_report(left)
        end = time.monotonic() + 2
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))
        if left:
            print(
                f"lablib: {len(left)} asynchronous event(s) were still waiting or running when "
                f"the local AWS stopped; they were saved to {self._report_path}",
                flush=True,
            )
        return len(left)

    def _write_report(self, events: list[tuple[AsyncEvent, str]]) -> None:
        with self._cond:
            fresh = [(e, why) for e, why in events if e.request_id not in self._reported]
            self._reported.update(e.request_id for e, _ in fresh)
            path = self._report_path
        if not fresh:
            return
        if path is None and self._report_dir is not None:  # a failure while running
            path = self._report_dir / f"undelivered-async-events-{int(time.time())}.jsonl"
        if path is None:
            return self._failed_now(fresh)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            for event, why in fresh:
                handle.write(json.dumps(_record(event, why)) + "\n")

    def _failed_now(self, events: list[tuple[AsyncEvent, str]]) -> None:
        for event, why in events:
            print(
                "lablib: undelivered asynchronous event: " + json.dumps(_record(event, why)),
                flush=True,
            )


def _record(event: AsyncEvent, why: str) -> dict[str, Any]:
    return {
        "requestId": event.request_id,
        "function": event.function,
        "qualifier": event.qualifier,
        "attempts": event.attempts,
        "state": why,
        "payload": event.payload.decode("utf-8", "replace"),
    }
