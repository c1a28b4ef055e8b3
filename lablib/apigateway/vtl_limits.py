"""Per-render limits of the VTL sandbox: a deadline and a budget of built text (see
vtl_sandbox)."""

from __future__ import annotations

import threading
import time

MAX_FOREACH = 1000
MAX_MACRO_DEPTH = 20
MAX_TEMPLATE = 300 * 1024  # API Gateway's mapping template size quota
MAX_OUTPUT = 10 * 1024 * 1024  # API Gateway's payload size quota
WORK_BUDGET = 2 * MAX_OUTPUT
RENDER_SECONDS = 3.0


class TemplateProblem(Exception):
    """A template that does not parse or fails while rendering (message says where)."""


class SandboxViolation(TemplateProblem):
    """A template tried something the sandbox does not allow."""


# -- per-render limits ---------------------------------------------------------------------------
class _Limits:
    __slots__ = ("deadline", "work", "depth")

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.work = 0
        self.depth = 0


_state = threading.local()


def _limits() -> _Limits:
    limits: _Limits | None = getattr(_state, "limits", None)
    if limits is None:
        raise SandboxViolation("templates render only through lablib.apigateway.vtl.render")
    return limits


def tick() -> _Limits:
    limits = _limits()
    if time.monotonic() > limits.deadline:
        raise SandboxViolation(f"rendering took longer than {RENDER_SECONDS:g} s")
    return limits


def charge(units: int) -> None:
    """Count ``units`` characters or items the template built against the work budget."""
    limits = tick()
    limits.work += units
    if limits.work > WORK_BUDGET:
        raise SandboxViolation(
            f"the template built more than {WORK_BUDGET:,} characters or list items"
        )


class Render:
    """``with Render():`` around one merge sets its deadline and budget."""

    def __init__(self, seconds: float = RENDER_SECONDS) -> None:
        self.seconds = seconds
        self.saved: _Limits | None = None

    def __enter__(self) -> Render:
        self.saved = getattr(_state, "limits", None)
        _state.limits = _Limits(self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        _state.limits = self.saved
