"""The zygote: a pre-warmed, single-threaded process that forks execution environments.

Started once per local AWS (``python -m lablib.runtime.zygote``). It imports what every
environment needs, then forks one child per environment on request, so a cold start costs a
fork rather than a Python start-up. Protocol: JSON lines on stdin (requests) and stdout
(replies and exit reports). When stdin closes (the server stopped or died) it kills every
child and exits, and each child dies with it (PR_SET_PDEATHSIG), so nothing is orphaned.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import sys
from typing import Any

# Preloaded so environments start warm; boto3 is what most handlers import.
import boto3  # noqa: F401

from lablib.runtime import bootstrap

_PR_SET_PDEATHSIG = 1
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - non-glibc platforms
        return None


_LIBC = _libc()


def _die_with_parent() -> None:
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _private_tmp(tmp_dir: str, keep: list[str]) -> bool:
    """Give this process its own /tmp: a bind mount in a private mount namespace.

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
            with open("/proc/self/setgroups", "w") as handle:
                handle.write("deny")
            with open("/proc/self/uid_map", "w") as handle:
                handle.write(f"{uid} {uid} 1")
            with open("/proc/self/gid_map", "w") as handle:
                handle.write(f"{gid} {gid} 1")
        except OSError:
            return False
    if _LIBC.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
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
    log_fd = os.open(spec["log_path"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.closerange(3, 4096)
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["task_root"])
    needed = [spec["task_root"], *spec.get("extra_path", []), spec["executable"], *sys.path,
              sys.prefix, sys.base_prefix, sys.executable]  # fmt: skip
    _private_tmp(spec["tmp_dir"], [p for p in needed if p])
    if spec["kind"] == "exec":
        os.execve(spec["executable"], [spec["executable"]], spec["env"])
    import tempfile

    tempfile.tempdir = None
    sys.path[:] = [spec["task_root"], *spec.get("extra_path", []), *sys.path]
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - fd 1 is the log
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.argv = ["/var/runtime/bootstrap"]
    bootstrap.run(spec["api"], spec["handler"])


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


def _reply(message: dict[str, Any]) -> None:
    sys.__stdout__.write(json.dumps(message) + "\n")  # type: ignore[union-attr]
    sys.__stdout__.flush()  # type: ignore[union-attr]


def _reap(children: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        if os.WIFSIGNALED(status):
            _reply({"op": "exit", "pid": pid, "signal": os.WTERMSIG(status)})
        else:
            _reply({"op": "exit", "pid": pid, "code": os.WEXITSTATUS(status)})


def main() -> None:
    # No PDEATHSIG here: it tracks the parent *thread*, and the server may start us from a
    # short-lived one. A closed stdin tells us the server is gone, even after SIGKILL.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    buffer = b""
    _reply({"op": "ready", "pid": os.getpid()})
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
                children.add(pid)
                _reply({"op": "spawned", "id": spec["id"], "pid": pid})
    finally:
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
