"""lablib: the helper library every lab imports.

The public API is deliberately small and pinned by ``tests/test_public_api.py``:

- ``start()`` starts (or returns the already running) local AWS and points boto3 at it;
- ``LocalAWS`` is that local AWS, also usable as a context manager;
- ``LabClock`` explains how long AWS waits are compressed.
"""

from __future__ import annotations

import threading
from typing import Any

from lablib.aws.clock import LabClock
from lablib.aws.guard import NotLoopbackError
from lablib.aws.server import LocalAWS

__version__ = "0.1.0"

__all__ = ["LabClock", "LocalAWS", "NotLoopbackError", "__version__", "start", "stop"]

_current: LocalAWS | None = None
_lock = threading.Lock()


def start(port: int = 0, region: str = "us-east-1", clock_scale: float | None = None) -> LocalAWS:
    """Start the local AWS for this process (once) and return it.

    Calling it again returns the running instance, so re-running a notebook's setup cell is
    harmless. boto3 clients created afterwards (with no endpoint) talk to it.
    """
    global _current
    with _lock:
        if _current is not None and _current.running:
            return _current
        import atexit

        _current = LocalAWS(port=port, region=region, clock_scale=clock_scale).start()
        atexit.register(_current.stop)
        return _current


def stop() -> None:
    """Stop the local AWS started by ``start()`` (also happens at interpreter exit)."""
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None


def __getattr__(name: str) -> Any:  # pragma: no cover - helpful error for old names
    raise AttributeError(f"module 'lablib' has no attribute {name!r}; see lablib.__all__")
