"""What several test packages share: a boto3 config without retries, a zip builder, the
body of the per-package ``aws`` fixture (each package registers it, so each package gets its
own local AWS and no two run at once), and ``wait_until`` for background work."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from botocore.config import Config

from lablib.aws.server import LocalAWS

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)
# How long a test waits for background work (pollers, async invokes, evaluators) before it
# fails. CI runs the suite on two loaded cores: a deadline is a bound on a hang, never a
# claim about speed, so it is generous; a test that passes returns as soon as it can.
WAIT_S = 60.0
T = TypeVar("T")


def wait_until(
    check: Callable[[], T], timeout: float = WAIT_S, every: float = 0.05, what: str = ""
) -> T:
    """Poll ``check`` until it returns something truthy and return that; fail (an
    AssertionError naming ``what`` and the last value) when ``timeout`` seconds pass first."""
    end = time.monotonic() + timeout
    value = check()
    while not value:
        if time.monotonic() > end:
            raise AssertionError(
                f"{what or 'condition'} not met within {timeout:g} s (last value: {value!r})"
            )
        time.sleep(every)
        value = check()
    return value


def zip_of(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def running_aws() -> Iterator[LocalAWS]:
    """A started local AWS, stopped afterwards (use as a package-scoped fixture)."""
    local = LocalAWS().start()
    try:
        yield local
    finally:
        local.stop()


def children_of(pid: int) -> set[int]:
    """Every descendant process of pid (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found
