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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

ExitCallback = Callable[[str], None]
"""Called with a reason once the environment's process has ended: 'exit status N' or
'signal: killed'."""


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


class ZygoteExecutor:
    """Forks environments from one pre-warmed, single-threaded zygote process."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "lablib.runtime.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert self._proc.stdout is not None and self._proc.stdin is not None
        self._stdin = self._proc.stdin
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[threading.Event, list[int]]] = {}
        self._on_exit: dict[int, ExitCallback] = {}
        self._early_exits: dict[int, str] = {}
        self._closed = False
        first = self._proc.stdout.readline()
        if not first:
            raise ExecutorError("the zygote process failed to start; see its error output above")
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            message: dict[str, Any] = json.loads(line)
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
        # The zygote is gone: every environment died with it.
        with self._lock:
            callbacks = list(self._on_exit.values())
            self._on_exit.clear()
        for callback in callbacks:
            callback("signal: killed")

    def spawn(self, spec: EnvironmentSpec, on_exit: ExitCallback) -> int:
        if self._closed or self._proc.poll() is not None:
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
        }
        event = threading.Event()
        box: list[int] = []
        with self._lock:
            self._pending[spec.env_id] = (event, box)
            self._stdin.write(json.dumps(request).encode() + b"\n")
            self._stdin.flush()
        if not event.wait(10):
            raise ExecutorError("the zygote did not fork an environment within 10 s")
        pid = box[0]
        with self._lock:
            early = self._early_exits.pop(pid, None)
            if early is None:
                self._on_exit[pid] = on_exit
        if early is not None:
            on_exit(early)
        return pid

    def kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._reader.join(5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
