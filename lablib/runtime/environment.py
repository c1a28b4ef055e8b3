"""One Lambda execution environment as the scheduler keeps it: its worker process, output
file and memory readings (``Environment``), and how its end is told (``_exit_message``,
``_zygote_died``). ``lablib.runtime.spawner`` starts environments, ``lablib.runtime.scheduler``
pools and runs them."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lablib.runtime import procs
from lablib.runtime.executor import ZYGOTE_DIED
from lablib.runtime.model import FunctionConfig
from lablib.runtime.runtime_api import RuntimeAPIChannel


@dataclass
class Environment:
    env_id: str
    fn: FunctionConfig
    channel: RuntimeAPIChannel
    log_path: Path
    stream: str
    root: Path
    pid: int = 0
    busy: bool = True
    dead: bool = False
    exited: bool = False  # the executor reported the process's end (its pid may be reused)
    ended: threading.Event = field(default_factory=threading.Event)  # set with ``exited``
    exit_reason: str = ""
    killed_for_memory: bool = False
    log_offset: int = 0
    last_used: float = field(default_factory=time.monotonic)
    invocations: int = 0
    peak_tree_mb: int = 0  # highest memory of the worker plus what it forked, as sampled
    python: Any = None  # the pythons.Choice that runs it (Python runtimes only)

    _log_fd: int = -1
    _status_fd: int = -1
    _pidfd: int = -1  # readable once the process has ended (Linux 5.3+); -2: not available

    def read_new_output(self) -> bytes:
        """What the environment wrote since the last call (kept open: this is the hot path)."""
        if self._log_fd < 0:
            try:
                self._log_fd = os.open(self.log_path, os.O_RDONLY)
            except FileNotFoundError:
                return b""
        chunks = []
        while True:
            chunk = os.pread(self._log_fd, 1 << 20, self.log_offset)
            if not chunk:
                break
            chunks.append(chunk)
            self.log_offset += len(chunk)
        return b"".join(chunks)

    def rss_mb(self, field_name: str = "VmRSS") -> int:
        """Resident (VmRSS) or peak (VmHWM) memory of the worker, in MB rounded up."""
        try:
            if self._status_fd < 0:
                self._status_fd = os.open(f"/proc/{self.pid}/status", os.O_RDONLY)
            text = os.pread(self._status_fd, 8192, 0)
        except OSError:
            return 0
        start = text.find(field_name.encode() + b":")
        if start < 0:
            return 0
        value = text[start + len(field_name) + 1 : text.find(b"\n", start)].split()[0]
        return -(-int(value) // 1024)

    def tree_mb(self) -> int:
        """Resident memory of the worker and every process it started, in MB rounded up."""
        total = self.rss_mb() + -(-procs.tree_rss_kb(self.pid) // 1024)
        self.peak_tree_mb = max(self.peak_tree_mb, total)
        return total

    def alive(self) -> bool:
        """Is the worker process still running? Asks a pidfd (readable once the process has
        ended; a poll costs about a microsecond, every warm invoke asks) or, without pidfds,
        reads its /proc entry; both are opened on the process itself, so a reused pid never
        answers for it."""
        if self.dead:
            return False
        if self._pidfd == -1 and self.pid:
            try:
                self._pidfd = os.pidfd_open(self.pid)
            except (AttributeError, OSError):
                self._pidfd = -2
        if self._pidfd >= 0:
            try:
                ended, _, _ = select.select([self._pidfd], [], [], 0)
            except (OSError, ValueError):
                return False
            return not ended
        try:
            if self._status_fd < 0:
                self._status_fd = os.open(f"/proc/{self.pid}/status", os.O_RDONLY)
            text = os.pread(self._status_fd, 512, 0)
        except OSError:
            return False
        state = text.find(b"State:")
        return state < 0 or text[state + 6 : state + 9].strip()[:1] not in (b"Z", b"X")

    def close_files(self) -> None:
        for name in ("_log_fd", "_status_fd", "_pidfd"):
            fd = getattr(self, name)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, -1)


def _zygote_died(env: Environment) -> bool:
    """Did the environment end because the zygote died (rather than the handler)?"""
    if not env.exit_reason:
        for _ in range(100):  # the exit report can trail the closed connection
            time.sleep(0.01)
            if env.exit_reason:
                break
    return env.exit_reason == ZYGOTE_DIED


def _exit_message(env: Environment) -> str:
    reason = env.exit_reason
    if not reason:
        # The exit report can trail the closed connection by a moment.
        for _ in range(100):
            time.sleep(0.01)
            if env.exit_reason:
                reason = env.exit_reason
                break
    if env.killed_for_memory or reason.startswith("signal"):
        return f"Runtime exited with error: {reason or 'signal: killed'}"
    if reason in ("", "exit status 0"):
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: {reason}"
