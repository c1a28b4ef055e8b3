"""What several test packages share: a boto3 config without retries, a zip builder, and the
body of the per-package ``aws`` fixture (each package registers it, so each package gets its
own local AWS and no two run at once)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from botocore.config import Config

from lablib.aws.server import LocalAWS

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


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
