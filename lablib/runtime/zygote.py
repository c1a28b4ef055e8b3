"""The zygote: a pre-warmed, single-threaded process that forks execution environments.

Started once per local AWS (``python -m lablib.runtime.zygote``). It imports what every
environment needs, then forks one child per environment on request, so a cold start costs a
fork rather than a Python start-up. Protocol: JSON lines on stdin (requests) and stdout
(replies and exit reports). When stdin closes (the server stopped or died) it kills every
child and exits, and each child dies with it (PR_SET_PDEATHSIG), so nothing is orphaned.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import sys
import time
from typing import Any

# Preloaded so environments start warm; boto3 is what most handlers import.
import boto3  # noqa: F401

from lablib.runtime import bootstrap, procs, sandbox
from lablib.runtime.model import LINE_STAMP

_PR_SET_PDEATHSIG = 1
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18


_LIBC = sandbox.LIBC
# What sandbox.probe found at start-up: "user", "mounts" or "none".
ISOLATION = "none"


def _die_with_parent() -> None:
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _private_tmp(tmp_dir: str, keep: list[str], size_mb: int = 0) -> bool:
    """Give this process its own /tmp: a bind mount in a private mount namespace.

    With ``size_mb`` the directory is first covered by a tmpfs of that size (in this
    namespace only), so writes past the function's EphemeralStorage fail with ENOSPC as on
    AWS; TMPDIR (the directory's own path) and /tmp are the same size-limited space.

    As root (as in CI) a mount namespace is enough; otherwise an unprivileged user namespace
    maps this user to itself first. Where neither is allowed, TMPDIR alone points at the
    private directory (the fidelity matrix says so). Folders under /tmp that the process
    needs (a virtualenv or checkout living there) stay visible at their own paths.
    """
    if _LIBC is None:
        return False
    if os.geteuid() == 0:
        if _LIBC.unshare(_CLONE_NEWNS) != 0:
            return False
    else:
        uid, gid = os.geteuid(), os.getegid()
        if _LIBC.unshare(_CLONE_NEWUSER | _CLONE_NEWNS) != 0:
            return False
        try:
            sandbox.map_to_self(uid, gid)
        except OSError:
            return False
    if _LIBC.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    if size_mb > 0:
        options = f"size={size_mb}m,mode=1777".encode()
        # Where tmpfs cannot be mounted, /tmp is still private, only not size-limited.
        _LIBC.mount(b"tmpfs", tmp_dir.encode(), b"tmpfs", 0, options)
    for top in _tmp_roots(keep):
        inside = os.path.join(tmp_dir, top[len("/tmp/") :])
        os.makedirs(inside, exist_ok=True)
        if _LIBC.mount(top.encode(), inside.encode(), None, _MS_BIND | _MS_REC, None) != 0:
            return False
    return bool(_LIBC.mount(tmp_dir.encode(), b"/tmp", None, _MS_BIND | _MS_REC, None) == 0)


def _tmp_roots(paths: list[str]) -> set[str]:
    """The top-level folders under /tmp that hold any of ``paths`` (e.g. /tmp/checkout)."""
    roots = set()
    for path in paths:
        real = os.path.realpath(path)
        if real.startswith("/tmp/"):
            roots.add("/tmp/" + real[len("/tmp/") :].split("/", 1)[0])
    return roots


def _child(spec: dict[str, Any]) -> None:
    """Runs in the forked child: become the execution environment described by spec."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _die_with_parent()
    # One process group per environment, and what the handler forks stays below it (even
    # a daemon that left the group), so the whole tree is measured and killed together.
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    if _LIBC is not None:
        _LIBC.prctl(procs.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    log_fd = os.open(spec["log_path"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.closerange(3, 4096)
    os.environ.clear()
    os.environ.update(spec["env"])
    tmp_mb = int(spec.get("tmp_mb") or 0)
    if spec.get("mounts") is not None and ISOLATION != "none":
        readable = [*sandbox.python_paths(), *spec.get("readable", [])]
        sandbox.enter(spec["mounts"], readable, spec.get("hide", []), os.getpid(),
                      [spec["tmp_dir"]], tmp_mb)  # fmt: skip
        os.chdir(spec["task_root"])
    else:
        os.chdir(spec["task_root"])
        needed = [spec["task_root"], *spec.get("extra_path", []), spec["executable"],
                  *sys.path, sys.prefix, sys.base_prefix, sys.executable]  # fmt: skip
        _private_tmp(spec["tmp_dir"], [p for p in needed if p], tmp_mb)
    if spec["kind"] == "exec":
        os.execve(spec["executable"], [spec["executable"]], spec["env"])
    import tempfile

    tempfile.tempdir = None
    sys.path[:] = [spec["task_root"], *spec.get("extra_path", []), *sys.path]
    # Unbuffered like AWS's Python runtime (and `python -u`): each write reaches the log at
    # once, so what a handler wrote before a timeout or a kill is there, even without "\n".
    # Each line starts with the time it was written (see _Stamped), as a log event on AWS.
    sys.stdout = _unbuffered(1, "strict")
    sys.stderr = _unbuffered(2, "backslashreplace")
    sys.argv = ["/var/runtime/bootstrap"]
    bootstrap.run(spec["api"], spec["handler"])


def _unbuffered(fd: int, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        _Stamped(fd), encoding="utf-8", errors=errors, line_buffering=True, write_through=True
    )


class _Stamped(io.RawIOBase):
    """A log descriptor that marks the start of each line with the time it was written:
    ``LINE_STAMP`` and 13 digits of epoch milliseconds, which the scheduler strips
    (telemetry.split_stamped). What bypasses it (a subprocess, a C extension) stays as is."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._at_line_start = True

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    @property
    def name(self) -> int:  # as io.FileIO over a descriptor
        return self._fd

    def write(self, data: Any) -> int:
        data = bytes(data)  # the same object when it is bytes already (print's case)
        size = len(data)
        if not size:
            return 0
        if self._at_line_start or data.find(b"\n", 0, size - 1) >= 0:
            frame = b"%s%013d" % (LINE_STAMP, time.time_ns() // 1_000_000)
            out = frame if self._at_line_start else b""
            out += data[:-1].replace(b"\n", b"\n" + frame) + data[-1:]
        else:
            out = data
        self._at_line_start = data[-1] == 10  # b"\n"
        done = os.write(self._fd, out)
        while done < len(out):
            done += os.write(self._fd, out[done:])
        return size


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


def _reply(message: dict[str, Any]) -> None:
    sys.__stdout__.write(json.dumps(message) + "\n")  # type: ignore[union-attr]
    sys.__stdout__.flush()  # type: ignore[union-attr]


def _reap(children: set[int]) -> None:
    for _ in range(100_000):
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        if pid not in children:
            continue  # an orphan of an ended environment, reparented to us and killed
        children.discard(pid)
        # The environment ended: whatever it left running in its group goes with it (the
        # group id cannot be reused while members remain, and we fork nothing meanwhile).
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        if os.WIFSIGNALED(status):
            _reply({"op": "exit", "pid": pid, "signal": os.WTERMSIG(status)})
        else:
            _reply({"op": "exit", "pid": pid, "code": os.WEXITSTATUS(status)})
    _kill_orphans(children)


def _kill_orphans(children: set[int]) -> None:
    """Our only children are environments: anything else was left by an ended one."""
    for pid in procs.children(os.getpid()):
        if pid not in children:
            procs.kill_tree(pid)


def main() -> None:
    # No PDEATHSIG here: it tracks the parent *thread*, and the server may start us from a
    # short-lived one. A closed stdin tells us the server is gone, even after SIGKILL.
    global ISOLATION
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Workers forked from here inherit this: none can read another's environ or memory.
    sandbox.set_dumpable(False)
    ISOLATION = sandbox.probe()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    if _LIBC is not None:  # orphans of ended environments come to us, to be killed
        _LIBC.prctl(procs.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    children: set[int] = set()
    buffer = b""
    _reply({"op": "ready", "pid": os.getpid(), "isolation": ISOLATION})
    try:
        while True:
            ready, _, _ = select.select([0, wake_r], [], [])
            if wake_r in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 512)
                _reap(children)
            if 0 not in ready:
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                spec = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        _child(spec)
                    except SystemExit as exc:
                        code = (
                            0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
                        )
                    except BaseException:
                        import traceback

                        traceback.print_exc()
                    finally:
                        with contextlib.suppress(Exception):
                            sys.stdout.flush()
                            sys.stderr.flush()
                        os._exit(code)
                with contextlib.suppress(OSError):
                    os.setpgid(pid, pid)
                children.add(pid)
                _reply({"op": "spawned", "id": spec["id"], "pid": pid})
    finally:
        for pid in list(children):
            procs.kill_tree(pid)
        _kill_orphans(children)
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        for _ in range(1000):  # orphans reparented to us while we killed
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


if __name__ == "__main__":
    main()
