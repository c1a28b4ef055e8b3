"""The lab clock: long AWS waits (async retry delays, event age, schedules, deployment
intervals, alarm periods) run faster so a lab never waits minutes.

``LABLIB_CLOCK_SCALE`` (default 60) is how many AWS seconds pass per real second; 1 is real
time. Limits a learner sets for a single run (function timeouts, visibility timeouts) are
never scaled. Every display of a scaled wait says so via ``describe()``.
"""

from __future__ import annotations

import os
import threading
import time

DEFAULT_SCALE = 60.0


class ClockError(ValueError):
    pass


def _scale_from_env() -> float:
    raw = os.environ.get("LABLIB_CLOCK_SCALE", "")
    if not raw:
        return DEFAULT_SCALE
    try:
        value = float(raw)
    except ValueError:
        raise ClockError(
            f"LABLIB_CLOCK_SCALE={raw!r} is not a number; use e.g. 60 (fast) or 1 (real time)"
        ) from None
    if value < 1:
        raise ClockError(f"LABLIB_CLOCK_SCALE={raw!r} must be 1 (real time) or more")
    return value


class LabClock:
    """Converts AWS durations to real ones and tells the learner the factor."""

    def __init__(self, scale: float | None = None) -> None:
        self.scale = _scale_from_env() if scale is None else float(scale)
        if self.scale < 1:
            raise ClockError("the lab clock scale must be 1 (real time) or more")
        self._origin_real = time.time()

    def real_seconds(self, aws_seconds: float) -> float:
        """How long an AWS wait of ``aws_seconds`` takes here."""
        return aws_seconds / self.scale

    def now(self) -> float:
        """Lab time (epoch seconds) that runs ``scale`` times faster than the wall clock."""
        real = time.time()
        return self._origin_real + (real - self._origin_real) * self.scale

    def sleep(self, aws_seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait an AWS duration; returns False if ``stop`` was set first."""
        real = self.real_seconds(aws_seconds)
        if stop is None:
            time.sleep(real)
            return True
        return not stop.wait(real)

    def describe(self) -> str:
        if self.scale == 1:
            return "lab clock: real time (LABLIB_CLOCK_SCALE=1)"
        return (
            f"lab clock: {self.scale:g}x faster than AWS "
            f"(1 AWS minute = {60 / self.scale:g} s here; LABLIB_CLOCK_SCALE=1 for real time)"
        )

    def __repr__(self) -> str:
        return f"<LabClock {self.describe()}>"
