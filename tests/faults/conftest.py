"""Fault tests: each module gets its own local AWS (some tests break parts of it on
purpose), and helpers that look only at this server's own process tree and files."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, WAIT_S, running_aws, zip_of

aws = pytest.fixture(scope="module", name="aws")(running_aws)


@pytest.fixture(scope="module")
def lam(aws: LocalAWS) -> Any:
    return aws.client("lambda", config=NO_RETRY)


@pytest.fixture(scope="module")
def role(aws: LocalAWS) -> str:
    iam = aws.client("iam")
    arn: str = iam.create_role(RoleName="faults-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return arn


@pytest.fixture
def make_function(lam: Any, role: str) -> Callable[..., str]:
    def make(code: str, name: str | None = None, **config: Any) -> str:
        name = name or f"fault-{uuid.uuid4().hex[:10]}"
        lam.create_function(
            FunctionName=name,
            Runtime=config.pop("Runtime", "python3.12"),
            Role=role,
            Handler=config.pop("Handler", "app.handler"),
            Code={"ZipFile": zip_of(config.pop("files", None) or {"app.py": code})},
            **config,
        )
        return name

    return make


def wait_for(
    check: Callable[[], bool], seconds: float = WAIT_S, what: str = "condition", every: float = 0.02
) -> None:
    """Poll ``check`` (bounded in time and count) until it is true."""
    end = time.monotonic() + seconds
    for _ in range(int(seconds / every) + 1):
        if check():
            return
        if time.monotonic() > end:
            break
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def gone(pid: int) -> bool:
    """The process has ended (reaped, or a zombie waiting to be)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (our own process tree only)."""
    found: set[int] = set()
    stack = [pid]
    for _ in range(10_000):
        if not stack:
            break
        current = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children") as handle:
                    kids = {int(k) for k in handle.read().split()}
            except OSError:
                continue
            stack.extend(kids - found)
            found |= kids
    return found


def resources() -> dict[str, int]:
    """Threads, descriptors and sockets of this (test) process, which hosts the server."""
    import threading

    fds = os.listdir("/proc/self/fd")
    sockets = 0
    for fd in fds:
        try:
            sockets += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return {"threads": threading.active_count(), "fds": len(fds), "sockets": sockets}


def env_dirs(aws: LocalAWS) -> int:
    envs = aws.scheduler.state_dir / "envs"
    return len(os.listdir(envs)) if envs.exists() else 0


@pytest.fixture
def fresh_aws() -> Iterator[LocalAWS]:
    """A local AWS of its own, for tests that break it beyond repair."""
    yield from running_aws()
