"""Process trees of execution environments: walk, measure and kill them together.

Each environment's worker leads its own process group and is a child subreaper, so what a
handler forks (even a daemon that called setsid) stays below the worker while it lives.
Memory limits count the whole tree, and killing an environment kills the whole tree.
"""

from __future__ import annotations

import contextlib
import os
import signal

PR_SET_CHILD_SUBREAPER = 36
_MAX_PROCESSES = 4096  # bound on any walk


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's), from /proc; [] when it is gone."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as handle:
                found += [int(part) for part in handle.read().split()]
        except (OSError, ValueError):
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, parents before children (bounded)."""
    order: list[int] = []
    stack = children(pid)
    seen: set[int] = set()
    while stack and len(order) < _MAX_PROCESSES:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        order.append(current)
        stack += children(current)
    return order


def rss_kb(pid: int) -> int:
    """Resident memory of one process in kB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def tree_rss_kb(pid: int) -> int:
    """Resident memory of the processes below ``pid`` (not ``pid`` itself), in kB."""
    return sum(rss_kb(child) for child in descendants(pid))


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid``'s process group and every process below it.

    Only for a pid whose process has not been reaped yet (or a group known to be ours).
    The descendants are stopped first, so none can fork a new one between listing and kill.
    """
    below = descendants(pid)
    for target in below:
        with contextlib.suppress(OSError):
            os.kill(target, signal.SIGSTOP)
    below += [p for p in descendants(pid) if p not in below]
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    for target in below:
        with contextlib.suppress(OSError):
            os.kill(target, signal.SIGKILL)
