"""Executors start and stop execution environments; the scheduler only sees this interface.

``ZygoteExecutor`` (the default) asks a pre-warmed zygote process to fork each environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lablib.runtime import procs

ExitCallback = Callable[[str], None]
"""Called with a reason once the environment's process has ended: 'exit status N',
'signal: killed', or ZYGOTE_DIED (the zygote died and took the environment with it)."""

ZYGOTE_DIED = "zygote died"
RESTART_LIMIT = 5  # restarts within RESTART_WINDOW_S; past that the runtime stays down
RESTART_WINDOW_S = 60.0


@dataclass
class EnvironmentSpec:
    env_id: str
    kind: str  # "python" (forked bootstrap) or "exec" (custom runtime: executable bootstrap)
    api_address: str
    handler: str
    task_root: str
    tmp_dir: str
    log_path: str
    env: dict[str, str]
    extra_path: list[str] = field(default_factory=list)
    executable: str = ""
    tmp_mb: int = 0  # size of the private /tmp (EphemeralStorage); 0: not limited
    # With isolation: (host path, path inside, "ro"|"rw") mounts; host paths shown read-only;
    # host paths hidden. ``task_root`` and ``executable`` are then paths inside.
    mounts: list[tuple[str, str, str]] | None = None
    readable: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)
    runtime: str = ""  # the declared runtime ("python3.12"): picks the zygote that forks it


class Executor(Protocol):
    def spawn(self, spec: EnvironmentSpec, on_exit: ExitCallback) -> int: ...

    def kill(self, pid: int) -> None: ...

    def close(self) -> None: ...


# How Go (and so the Lambda service) words a signal death: "signal: killed".
_SIGNAL_WORDS = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
}


class ExecutorError(RuntimeError):
    pass


# The only variables of the server's environment the zygote (and so every environment) may
# see: how to find programs, Python and its packages, and the locale. Never credentials,
# tokens or anything else the learner exported.
_ZYGOTE_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "HOME", "PYTHONPATH", "PYTHONHOME",
               "PYTHONSAFEPATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "NODE_PATH")  # fmt: skip
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALOCALLABFAKEKEY0",
    "AWS_SECRET_ACCESS_KEY": "local-lab-fake-secret",
}


def zygote_environment(source: dict[str, str] | None = None) -> dict[str, str]:
    """The allow-listed environment the zygote starts with."""
    source = dict(os.environ) if source is None else source
    env = {k: v for k, v in source.items() if k in _ZYGOTE_ENV or k.startswith("LC_")}
    env.update(FAKE_CREDENTIALS)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class ZygoteExecutor:
    """Forks environments from one pre-warmed, single-threaded zygote process.

    If the zygote dies (killed, crashed), its environments are reported as ended with
    ZYGOTE_DIED, pending forks fail, and a new zygote is started with the same launcher
    (``_launch``), at most RESTART_LIMIT times a minute. ``on_restart(old_pid, new_pid)``
    is told about each restart (the local AWS logs it and records a metric).
    """

    def __init__(
        self,
        command: list[str] | None = None,
        extra_env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        # Another interpreter's zygote (lablib.runtime.pythons) passes its own command line,
        # PYTHONPATH and working directory; the default is lablib's own interpreter.
        self._command = command or [sys.executable, "-m", "lablib.runtime.zygote"]
        self._extra_env = extra_env or {}
        self._cwd = cwd
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[threading.Event, list[int]]] = {}
        self._on_exit: dict[int, ExitCallback] = {}
        self._early_exits: dict[int, str] = {}
        self._closed = False
        self._restart_times: list[float] = []
        self.restarts = 0
        self.restart_limit = RESTART_LIMIT
        self.on_restart: Callable[[int, int], None] | None = None
        # "user" (own mount namespace and uid), "mounts" (namespace only) or "none".
        self.isolation = "none"
        self._proc, self._reader = self._start()

    def _launch(self) -> subprocess.Popen[bytes]:
        """Start one zygote process (also used to restart it)."""
        env = zygote_environment()
        env.update(self._extra_env)
        return subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=self._cwd,
            close_fds=True,
        )

    def _start(self) -> tuple[subprocess.Popen[bytes], threading.Thread]:
        proc = self._launch()
        assert proc.stdout is not None and proc.stdin is not None
        first = proc.stdout.readline()
        if not first:
            proc.wait(5)
            proc.stdout.close()
            proc.stdin.close()
            raise ExecutorError("the zygote process failed to start; see its error output above")
        self.isolation = json.loads(first).get("isolation", "none")
        reader = threading.Thread(
            target=self._read, args=(proc,), name="zygote-reader", daemon=True
        )
        reader.start()
        return proc, reader

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for line in proc.stdout:
                self._message(json.loads(line))
        # The zygote is gone: every environment died with it (PR_SET_PDEATHSIG), pending
        # forks fail. What the environments forked is killed by group: nothing outlives it.
        with self._lock:
            for pid in self._on_exit:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
            callbacks = list(self._on_exit.values())
            self._on_exit.clear()
            waiters = list(self._pending.values())
            self._pending.clear()
        for event, _ in waiters:
            event.set()
        for callback in callbacks:
            callback(ZYGOTE_DIED)
        if not self._closed:
            self._restart(proc)

    def _message(self, message: dict[str, Any]) -> None:
        if message["op"] == "spawned":
            with self._lock:
                waiter = self._pending.pop(message["id"], None)
            if waiter is not None:
                waiter[1].append(message["pid"])
                waiter[0].set()
        elif message["op"] == "exit":
            reason = (
                f"signal: {_SIGNAL_WORDS.get(message['signal'], str(message['signal']))}"
                if "signal" in message
                else f"exit status {message['code']}"
            )
            with self._lock:
                callback = self._on_exit.pop(message["pid"], None)
                if callback is None:
                    self._early_exits[message["pid"]] = reason
            if callback is not None:
                callback(reason)

    def _restart(self, dead: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            dead.wait(5)
        for stream in (dead.stdin, dead.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        now = time.monotonic()
        with self._lock:
            self._early_exits.clear()
            self._restart_times = [t for t in self._restart_times if now - t < RESTART_WINDOW_S]
            if self._closed or len(self._restart_times) >= self.restart_limit:
                print(
                    f"lablib: the Lambda runtime's zygote process (pid {dead.pid}) died "
                    f"(exit {dead.returncode}); not restarted (closed or restarted "
                    f"{self.restart_limit} times within {RESTART_WINDOW_S:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
                return
            self._restart_times.append(now)
            try:
                self._proc, self._reader = self._start()
            except (OSError, ExecutorError) as exc:
                print(f"lablib: could not restart the zygote: {exc}", file=sys.stderr, flush=True)
                return
            self.restarts += 1
            new_pid = self._proc.pid
        print(
            f"lablib: the Lambda runtime's zygote process (pid {dead.pid}) died "
            f"(exit {dead.returncode}); restarted it as pid {new_pid}",
            file=sys.stderr,
            flush=True,
        )
        if self.on_restart is not None:
            with contextlib.suppress(Exception):
                self.on_restart(dead.pid, new_pid)

    def spawn(self, spec: EnvironmentSpec, on_exit: ExitCallback) -> int:
        if self._closed:
            raise ExecutorError("the local Lambda runtime has stopped; start the local AWS again")
        request = {
            "id": spec.env_id,
            "kind": spec.kind,
            "api": spec.api_address,
            "handler": spec.handler,
            "task_root": spec.task_root,
            "tmp_dir": spec.tmp_dir,
            "log_path": spec.log_path,
            "env": spec.env,
            "extra_path": spec.extra_path,
            "executable": spec.executable,
            "tmp_mb": spec.tmp_mb,
            "mounts": spec.mounts,
            "readable": spec.readable,
            "hide": spec.hide,
        }
        event = threading.Event()
        box: list[int] = []
        with self._lock:
            stdin = self._proc.stdin
            assert stdin is not None
            self._pending[spec.env_id] = (event, box)
            try:
                stdin.write(json.dumps(request).encode() + b"\n")
                stdin.flush()
            except (OSError, ValueError):
                self._pending.pop(spec.env_id, None)
                raise ExecutorError(
                    "the Lambda runtime's zygote process died; it is being restarted"
                ) from None
        if not event.wait(10):
            with self._lock:
                self._pending.pop(spec.env_id, None)
            raise ExecutorError("the zygote did not fork an environment within 10 s")
        if not box:
            raise ExecutorError(
                "the Lambda runtime's zygote process died while starting this environment"
            )
        pid = box[0]
        with self._lock:
            early = self._early_exits.pop(pid, None)
            if early is None:
                self._on_exit[pid] = on_exit
        if early is not None:
            on_exit(early)
        return pid

    def kill(self, pid: int) -> None:
        """Kill an environment: its process group and everything below it."""
        procs.kill_tree(pid)

    def close(self) -> None:
        if self._closed:
            return
        with self._lock:
            self._closed = True
        with contextlib.suppress(OSError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._reader.join(5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
