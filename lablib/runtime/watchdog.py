"""The scheduler's watchdog: it kills an environment that uses more memory than its function's
memory size and stops environments idle for longer than ``idle_seconds``; while no
invocation runs it sleeps (``_park``). ``Scheduler`` (``lablib.runtime.scheduler``) inherits
``Watchdog`` and starts ``_watch`` on its own thread."""

from __future__ import annotations

import threading
import time

from lablib.runtime.environment import Environment
from lablib.runtime.executor import Executor

WATCH_POLL_S = 0.02  # the watchdog's memory sampling period while an invocation runs


class Watchdog:
    """The part of ``Scheduler`` that watches its environments (the state is the Scheduler's)."""

    executor: Executor
    idle_seconds: float
    _lock: threading.Lock
    _wake: threading.Condition
    _closed: bool
    _all: dict[str, Environment]
    _busy_total: int
    watchdog_passes: int
    watchdog_parked: bool

    def _discard(self, env: Environment) -> None:
        raise NotImplementedError  # the Scheduler's: stop and forget an environment

    def _watch(self) -> None:
        while not self._closed:
            time.sleep(WATCH_POLL_S)
            with self._lock:
                self._park()
                if self._closed:
                    return
                envs = list(self._all.values())
                self.watchdog_passes += 1
            now = time.monotonic()
            for env in envs:
                if env.dead or not env.pid:
                    continue
                if env.busy and env.tree_mb() > env.fn.memory_mb:
                    env.killed_for_memory = True
                    self.executor.kill(env.pid)
                elif not env.busy and now - env.last_used > self.idle_seconds:
                    self._discard(env)

    def _park(self) -> None:
        """With the lock held: while no invocation is in flight, sleep until one starts
        (``_acquire`` notifies) or the next idle environment is due to stop. Idle, the
        watchdog costs no CPU at all."""
        while not self._closed and self._busy_total == 0:
            now = time.monotonic()
            due = min(
                (
                    e.last_used + self.idle_seconds
                    for e in self._all.values()
                    if not (e.busy or e.dead) and e.pid
                ),
                default=None,
            )
            if due is not None and due < now:
                break
            self.watchdog_parked = True
            try:
                self._wake.wait(None if due is None else due - now + WATCH_POLL_S)
            finally:
                self.watchdog_parked = False
