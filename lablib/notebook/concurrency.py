"""Fire many synchronous invokes at once and chart which ran (200) and which were throttled
(429 TooManyRequestsException): concurrency and throttling made visible."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ._aws import client
from .render import Chart


@dataclass
class Call:
    index: int
    start_s: float
    end_s: float
    status: int
    error: str = ""


@dataclass
class Burst:
    """The outcome of :func:`burst`: one :class:`Call` per invoke."""

    function: str
    calls: list[Call] = field(default_factory=list)

    @property
    def counts(self) -> Counter[int]:
        return Counter(call.status for call in self.calls)

    def summary(self) -> str:
        parts = [f"{n} x {status}" for status, n in sorted(self.counts.items())]
        reasons = sorted({c.error for c in self.calls if c.error})
        why = f" ({', '.join(reasons)})" if reasons else ""
        return f"{len(self.calls)} concurrent invokes of {self.function}: {', '.join(parts)}{why}"

    def chart(self) -> Chart:
        calls = sorted(self.calls, key=lambda c: c.index)

        def draw(fig: Any) -> None:
            ax, bars = fig.subplots(1, 2, width_ratios=[3, 1])
            for call in calls:
                ok = call.status == 200
                ax.barh(
                    call.index,
                    max(call.end_s - call.start_s, 0.005),
                    left=call.start_s,
                    color="#2a9d2a" if ok else "#c0392b",
                    height=0.7,
                )
            ax.invert_yaxis()
            ax.set_xlabel("seconds since the burst began")
            ax.set_ylabel("call #")
            ax.set_title("each call: green ran (200), red throttled (429)", fontsize=9)
            counts = self.counts
            labels = [str(s) for s in sorted(counts)]
            colours = ["#2a9d2a" if s == "200" else "#c0392b" for s in labels]
            bars.bar(labels, [counts[int(s)] for s in labels], color=colours)
            bars.set_title("status codes", fontsize=9)

        return Chart(draw, self.summary(), size=(8.0, 0.8 + 0.16 * max(len(calls), 5)))

    def _repr_png_(self) -> bytes:
        return self.chart().png()

    def __repr__(self) -> str:
        return self.summary()


def burst(function: str, count: int = 10, payload: Any = None, *, stagger_s: float = 0.0) -> Burst:
    """Invoke ``function`` ``count`` times at once (threads, one call each) and record each
    call's HTTP status: 200 when it ran, 429 when Lambda throttled it."""
    if not 1 <= count <= 200:
        raise ValueError(f"count={count}: choose between 1 and 200 concurrent calls")
    lam = client("lambda", pool=max(count, 10))
    body = json.dumps(payload if payload is not None else {}).encode()
    result = Burst(function)
    lock = threading.Lock()
    gate = threading.Event()
    began = 0.0

    def call(index: int) -> None:
        gate.wait()
        time.sleep(stagger_s * index)
        start = time.perf_counter() - began
        try:
            response = lam.invoke(FunctionName=function, Payload=body)
            status, error = response["StatusCode"], response.get("FunctionError", "")
        except lam.exceptions.TooManyRequestsException as exc:
            status, error = 429, exc.response.get("Reason", "TooManyRequestsException")
        end = time.perf_counter() - began
        with lock:
            result.calls.append(Call(index, start, end, status, error))

    threads = [threading.Thread(target=call, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    gate.set()
    for thread in threads:
        thread.join()
    result.calls.sort(key=lambda c: c.index)
    return result
