"""``@once``: a bridge file's ``install_patches()`` patches moto at most once per process."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable


def once(install: Callable[[], None]) -> Callable[[], None]:
    """``install`` runs at the first call only; a concurrent caller waits until it is done.
    One that raised has not happened: the next call runs it again."""
    lock = threading.Lock()
    done = False

    @functools.wraps(install)
    def install_once() -> None:
        nonlocal done
        with lock:
            if not done:
                install()
                done = True

    return install_once
