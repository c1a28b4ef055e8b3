"""One zygote per Python runtime version, as AWS runs each runtime on its own interpreter.

``ZygotePerVersion`` wraps the zygote of lablib's own interpreter (started with the local
AWS, it also runs custom and Node.js runtimes and any Python version that is not found) and
starts another ``ZygoteExecutor`` the first time a function declares a version it can run on
its own interpreter (``lablib.runtime.pythons``). Each zygote keeps the executor's
behaviour (environment, restarts, process-group cleanup); ``on_restart`` reaches them all.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from lablib.runtime import pythons
from lablib.runtime.executor import EnvironmentSpec, ExecutorError, ExitCallback, ZygoteExecutor


class ZygotePerVersion:
    def __init__(
        self,
        host: ZygoteExecutor,
        progress: Callable[[str], None] | None = None,
        make: Callable[..., ZygoteExecutor] = ZygoteExecutor,
    ) -> None:
        self.host = host
        self._progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
        self._make = make
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._choices: dict[str, pythons.Choice] = {}
        self._zygotes: dict[str, ZygoteExecutor] = {}
        self._on_restart: Callable[[int, int], None] | None = None
        self._restart_limit: int | None = None
        self._closed = False

    @property
    def pid(self) -> int:
        return self.host.pid

    @property
    def isolation(self) -> str:
        """How environments are isolated (every zygote must agree: the scheduler lays out
        paths for it before it knows which zygote forks)."""
        return str(getattr(self.host, "isolation", "none"))

    @property
    def restarts(self) -> int:
        with self._lock:
            return self.host.restarts + sum(z.restarts for z in self._zygotes.values())

    @property
    def restart_limit(self) -> int:
        return self.host.restart_limit

    @restart_limit.setter
    def restart_limit(self, limit: int) -> None:
        with self._lock:
            self._restart_limit = limit
            for executor in (self.host, *self._zygotes.values()):
                executor.restart_limit = limit

    def zygote_pid(self, runtime: str) -> int:
        """The pid of the zygote that forks ``runtime``'s environments."""
        self.python_for(runtime)
        with self._lock:
            return self._zygotes.get(runtime, self.host).pid

    @property
    def on_restart(self) -> Callable[[int, int], None] | None:
        return self._on_restart

    @on_restart.setter
    def on_restart(self, callback: Callable[[int, int], None] | None) -> None:
        self._on_restart = callback
        with self._lock:
            executors = [self.host, *self._zygotes.values()]
        for executor in executors:
            executor.on_restart = callback

    def python_for(self, runtime: str) -> pythons.Choice:
        """What runs ``runtime`` (its zygote is started, and its environment created, on the
        first call)."""
        with self._lock:
            if runtime in self._choices:
                return self._choices[runtime]
            lock = self._locks.setdefault(runtime, threading.Lock())
        with lock:  # one runtime's set-up never blocks another's
            with self._lock:
                if runtime in self._choices:
                    return self._choices[runtime]
            choice = pythons.choose(runtime, self._progress)
            if choice.env_dir is not None:
                try:
                    zygote = self._make(
                        [choice.python, "-m", "lablib.runtime.zygote"],
                        {"PYTHONPATH": str(pythons.stage(choice.env_dir)),
                         "VIRTUAL_ENV": str(choice.env_dir)},
                        str(choice.env_dir),
                    )  # fmt: skip
                    theirs = str(getattr(zygote, "isolation", "none"))
                    if theirs != self.isolation:
                        zygote.close()
                        raise ExecutorError(
                            f"its isolation is {theirs!r}, lablib's zygote has {self.isolation!r}"
                        )
                    zygote.on_restart = self._on_restart
                    if self._restart_limit is not None:
                        zygote.restart_limit = self._restart_limit
                except (OSError, ExecutorError) as exc:
                    choice = pythons.Choice(
                        runtime, sys.executable, pythons.HOST_FULL, "host", None,
                        f"the Python {choice.version} zygote did not start ({exc})",
                    )  # fmt: skip
                else:
                    with self._lock:
                        if self._closed:
                            zygote.close()
                            raise ExecutorError("the local Lambda runtime has stopped")
                        self._zygotes[runtime] = zygote
            with self._lock:
                self._choices[runtime] = choice
            return choice

    def spawn(self, spec: EnvironmentSpec, on_exit: ExitCallback) -> int:
        executor = self.host
        if spec.kind == "python" and spec.runtime:
            self.python_for(spec.runtime)
            with self._lock:
                executor = self._zygotes.get(spec.runtime, self.host)
        return executor.spawn(spec, on_exit)

    def kill(self, pid: int) -> None:
        self.host.kill(pid)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executors = [*self._zygotes.values(), self.host]
            self._zygotes.clear()
        for executor in executors:
            executor.close()
