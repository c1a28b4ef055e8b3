"""lablib: the helper library every lab imports.

The public API is deliberately small and pinned by ``tests/test_public_api.py``:

- ``start()`` starts (or returns the already running) local AWS and points boto3 at it;
- ``LocalAWS`` is that local AWS, also usable as a context manager;
- ``LabClock`` explains how long AWS waits are compressed.
"""

from __future__ import annotations

import threading
from typing import Any, Literal, overload

from lablib.lazy_deps import defer_rfc3987_syntax

defer_rfc3987_syntax()  # before moto and jsonschema are imported: saves ~1 s of start-up

from lablib.aws.clock import LabClock  # noqa: E402
from lablib.aws.guard import NotLoopbackError  # noqa: E402
from lablib.aws.server import LocalAWS  # noqa: E402
from lablib.aws.target import RealAWS, Target, connect, resolve_target  # noqa: E402

__version__ = "0.1.0"

__all__ = ["LabClock", "LocalAWS", "NotLoopbackError", "__version__", "start", "stop"]

# The AWS the notebook helpers use (lablib.notebook._aws): the local AWS or a real account.
_current: Target | None = None
_lock = threading.Lock()


@overload
def start(
    port: int = 0,
    region: str = "us-east-1",
    clock_scale: float | None = None,
    *,
    fresh: bool = False,
    target: Literal["local"] | None = None,
    confirm: str | None = None,
    lab: str | None = None,
) -> LocalAWS: ...


@overload
def start(
    port: int = 0,
    region: str = "us-east-1",
    clock_scale: float | None = None,
    *,
    fresh: bool = False,
    target: Literal["aws"],
    confirm: str | None = None,
    lab: str | None = None,
) -> RealAWS: ...


def start(
    port: int = 0,
    region: str = "us-east-1",
    clock_scale: float | None = None,
    *,
    fresh: bool = False,
    target: str | None = None,
    confirm: str | None = None,
    lab: str | None = None,
) -> LocalAWS | RealAWS:
    """Start the local AWS for this process (once) and return it.

    Calling it again returns the running instance, so re-running a notebook's setup cell is
    harmless. With ``fresh=True`` a running local AWS is stopped first and a new, empty one
    started: the labs' setup cells use it, so "Run All" a second time in the same kernel
    starts the lab again from nothing instead of tripping over its own resources.
    boto3 clients created afterwards (with no endpoint) talk to it.

    ``target="aws"`` (or ``LABLIB_TARGET=aws``) uses the real account of your AWS profile
    instead, only with ``confirm="<account>/<region>"`` (or ``LABLIB_CONFIRM_AWS``) naming
    it; otherwise :class:`lablib.aws.target.ConfirmationRequired` says what to pass. Its
    clients tag what they create with ``lablib:lab=<lab>`` for ``lablib cleanup``. It becomes
    the current target of the notebook helpers (a running local AWS is stopped first).
    """
    global _current
    if resolve_target(target) == "aws":
        real = connect(region, confirm, lab=lab)
        with _lock:
            if _current is not None:
                _current.stop()
            _current = real
        return real
    with _lock:
        if isinstance(_current, LocalAWS) and _current.running and not fresh:
            return _current
        if _current is not None:
            _current.stop()
            _current = None
        import atexit

        local = LocalAWS(port=port, region=region, clock_scale=clock_scale).start()
        atexit.register(local.stop)
        _current = local
        return local


def stop() -> None:
    """Stop the local AWS started by ``start()`` (also happens at interpreter exit), or stop
    using the real account ``start(target="aws")`` connected."""
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None


def __getattr__(name: str) -> Any:  # pragma: no cover - helpful error for old names
    raise AttributeError(f"module 'lablib' has no attribute {name!r}; see lablib.__all__")
