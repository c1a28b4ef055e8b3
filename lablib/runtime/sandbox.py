"""An execution environment's view of the machine, built in the forked child before any
handler code runs: a private mount namespace laid out as on AWS, and an unprivileged user.

Inside: ``/var/task`` (the function's code) and ``/opt`` (its layers) read-only, its own
writable ``/tmp``, ``/var/runtime/bootstrap`` when a launcher is needed, the system folders
(``/usr``, ``/bin``, ``/lib*``, ``/etc``, ``/dev``, ``/proc``, ``/sys``) and the Python
installation and lablib's own package read-only at their usual paths, and nothing else: no
home folders, no project checkout, no ``LABLIB_HOME``, no other function's code or ``/tmp``.

As root the environment then drops to a uid/gid of its own (``uid_for``), clears its
supplementary groups and sets ``no_new_privs``; without root the mount namespace sits in an
unprivileged user namespace, capabilities are dropped, and the handler keeps the caller's uid
(see SECURITY.md for what that leaves). ``probe`` tells the zygote, once, which of the two
this machine allows.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import signal
import sys
from collections.abc import Iterable, Sequence
from typing import Any

TASK = "/var/task"
OPT = "/opt"
RUNTIME_BOOTSTRAP = "/var/runtime/bootstrap"
# Handlers run as one uid/gid per environment (AWS uses one sandbox user, sbx_user1051):
# environments cannot signal or trace each other. Far above login and subordinate-id ranges.
# The slot is the environment's pid, so live environments never share a uid.
UID_BASE = 2_100_000_000
UID_SLOTS = 1 << 22  # pid_max's ceiling

_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}.get(
    platform.machine()
)
_OLD_ROOT = "/.old-root"
# statvfs flags that a bind remount must keep (the kernel refuses to clear locked ones).
_KEEP = ((os.ST_NOSUID, _MS_NOSUID), (os.ST_NODEV, _MS_NODEV), (os.ST_NOEXEC, _MS_NOEXEC))


class SandboxError(OSError):
    pass


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - non-glibc platforms
        return None


LIBC = _libc()
"""The C library (for unshare, mount, prctl, ...), or None where it cannot be loaded."""


def uid_for(slot: int) -> int:
    return UID_BASE + slot % UID_SLOTS


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        LIBC.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {source} on {target}",
    )


def set_dumpable(value: bool) -> None:
    """Non-dumpable: processes of the same uid cannot read our /proc/PID/environ or memory."""
    if LIBC is not None:
        LIBC.prctl(_PR_SET_DUMPABLE, 1 if value else 0, 0, 0, 0)


def _unshare() -> bool:
    """A private mount namespace; without root, inside a user namespace mapping us to us.
    Returns whether we are real root (so can drop to another uid)."""
    if LIBC is None:
        raise SandboxError(0, "no C library")
    if os.geteuid() == 0 and LIBC.unshare(_CLONE_NEWNS) == 0:
        return True
    uid, gid = os.geteuid(), os.getegid()
    _check(LIBC.unshare(_CLONE_NEWUSER | _CLONE_NEWNS), "unshare")
    map_to_self(uid, gid)
    return False


def map_to_self(uid: int, gid: int) -> None:
    """Map a new user namespace's ids to ours. A non-dumpable process's /proc/self files
    belong to root, so it is dumpable just while it writes them."""
    set_dumpable(True)
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    finally:
        set_dumpable(False)


def _bind(fd: int, target: str, read_only: bool) -> None:
    source = f"/proc/self/fd/{fd}"
    _mount(source, target, None, _MS_BIND | _MS_REC)
    if read_only:
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
        with contextlib.suppress(OSError):
            st = os.statvfs(target)
            flags |= sum(ms for st_flag, ms in _KEEP if st.f_flag & st_flag)
        _mount(None, target, None, flags)


def _outermost(paths: Iterable[str]) -> list[str]:
    """Existing real paths with nested ones dropped (a parent bind already shows them)."""
    real = sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})
    kept: list[str] = []
    for path in real:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


@functools.cache
def python_paths() -> tuple[str, ...]:
    """What a forked Python environment reads lazily: the interpreter's prefixes, sys.path
    (not the zygote's working directory) and lablib's own package."""
    cwd = os.getcwd()
    lablib_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    entries = [p for p in sys.path if p and os.path.abspath(p) != cwd]
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    return (*prefixes, *entries, lablib_dir, os.path.dirname(sys.executable))


@functools.cache
def _system() -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    """The system folders' part of every layout (links recreated, folders shown read-only)
    and the real folders among them. Computed once, in the zygote."""
    plan = []
    for path in _SYSTEM:
        if os.path.islink(path):
            plan.append((os.readlink(path), path, "link"))
        elif os.path.isdir(path):
            plan.append((path, path, "ro"))
    plan += [("/dev", "/dev", "dev"), ("/proc", "/proc", "proc")]
    return tuple(plan), tuple(p for p in _SYSTEM if os.path.isdir(p) and not os.path.islink(p))


def _layout(mounts: Sequence[Sequence[str]], readable: Iterable[str]) -> list[tuple[str, str, str]]:
    """(source, path inside, kind) in mount order: kind is ro, rw, dir, dev, proc or link."""
    system_plan, system = _system()
    plan = [*system_plan, *((host, inside, mode) for host, inside, mode in mounts)]
    # After /tmp: a virtualenv or checkout under /tmp shows through the private /tmp.
    covered = ("/", *system)
    for path in _outermost(readable):
        if path not in covered and not path.startswith(tuple(p + "/" for p in system)):
            plan.append((path, path, "ro"))
    return plan


def _private_tmp(target: str, size_mb: int, uid: int | None) -> bool:
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    try:
        _mount(
            "tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size_mb}m,mode=0700{owner}"
        )
    except SandboxError:  # still private, only not size-limited
        return False
    return True


def enter(
    mounts: Sequence[Sequence[str]],
    readable: Iterable[str],
    hide: Iterable[str],
    slot: int,
    writable_dirs: Iterable[str] = (),
    tmp_mb: int = 0,
) -> int | None:
    """Become the sandboxed environment; returns the uid dropped to (None without root).

    ``mounts`` are (host path, path inside, "ro"|"rw"|"dir") for /var/task, /opt, /tmp and
    the launcher ("dir": an empty folder); ``readable`` are host paths shown read-only at
    the same path; ``hide`` get an empty read-only tmpfs if they are still visible;
    ``writable_dirs`` (host paths) are handed to the environment's uid. With ``tmp_mb``
    /tmp is a fresh tmpfs of that size (EphemeralStorage: ENOSPC past it) instead. Raises
    SandboxError (the environment then fails to start) rather than run half-isolated.
    """
    plan = _layout(mounts, readable)
    parent = os.getppid()
    is_root = _unshare()
    uid = uid_for(slot) if is_root else None
    if uid is not None:
        for path in writable_dirs:
            os.chown(path, uid, uid)
            os.chmod(path, 0o700)
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    fds: list[int] = []
    try:
        sources = []
        for source, inside, kind in plan:
            fd = -1
            if kind not in ("link", "dir"):
                try:
                    fd = os.open(source, os.O_PATH | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                fds.append(fd)
            sources.append((fd, source, inside, kind))
        # The new root: a tmpfs over /tmp, seen only in this namespace.
        root = "/tmp"
        _mount("lablib-env", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
        for fd, source, inside, kind in sources:
            target = root + inside
            if kind in ("link", "dir"):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.symlink(source, target) if kind == "link" else os.mkdir(target, 0o755)
                continue
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(target, 0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
                open(target, "wb").close()  # noqa: SIM115 - an empty mount point
            if inside == "/tmp" and tmp_mb > 0 and _private_tmp(target, tmp_mb, uid):
                continue
            _bind(fd, target, read_only=kind == "ro")
            if kind == "dev" and os.path.isdir(target + "/shm"):
                _mount("shm", target + "/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64m")
        for path in hide:
            if os.path.isdir(root + path):
                _mount("hidden", root + path, "tmpfs", _MS_RDONLY, "size=4k")
    finally:
        for fd in fds:
            os.close(fd)
    if _PIVOT_ROOT is None:  # pragma: no cover - chroot alone could be climbed out of
        raise SandboxError(0, f"pivot_root is not known on {platform.machine()}")
    os.mkdir(root + _OLD_ROOT, 0)
    os.chdir(root)
    _check(LIBC.syscall(_PIVOT_ROOT, b".", _OLD_ROOT[1:].encode()), "pivot_root")
    os.chdir("/")
    # Detaching the old root waits for an RCU grace period (tens of ms on a busy machine, on
    # every cold start): cover it instead. Without CAP_SYS_ADMIN here, and with mounts locked
    # together in any namespace the handler could create, the cover cannot be lifted.
    _mount("old-root", _OLD_ROOT, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
           "size=4k,mode=0")  # fmt: skip
    _mount(None, "/", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    _drop(uid, parent)
    return uid


def _drop(uid: int | None, parent: int) -> None:
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    else:
        _drop_capabilities()
    # As root the environment is alone with its uid; as a normal user it shares the user's
    # uid anyway (SECURITY.md). Either way /proc/self is then readable to it, as on AWS.
    set_dumpable(True)
    _check(LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    # A credential change clears the parent-death signal: set it again, then make sure the
    # zygote did not die in between.
    LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _drop_capabilities() -> None:
    """Inside our own user namespace we hold every capability there: give them all up."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()
    _check(LIBC.capset(header, data), "capset")


def probe() -> str:
    """Which isolation this machine allows: "user" (root: namespace and own uid), "mounts"
    (namespace, caller's uid) or "none". Tried once in a throwaway child."""
    if LIBC is None:
        return "none"
    python_paths(), _system()  # computed here once, inherited by every fork
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        result = b"none"
        try:
            os.close(read_fd)
            uid = enter([], python_paths(), [], 0)
            result = b"user" if uid is not None and os.getuid() == uid else b"mounts"
        except BaseException:  # noqa: S110 - any failure means no isolation
            pass
        finally:
            os.write(write_fd, result)
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        answer = reader.read().decode() or "none"
    os.waitpid(pid, 0)
    return answer
