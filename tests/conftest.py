"""Shared fixtures. Tests talk to the local AWS through boto3 only, never moto objects."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# lablib's own files (run state, reports, quiz progress) stay inside the project during tests.
os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "test-home"))
# Runtime environments of other Python versions (lablib.runtime.pythons) take a pip install
# to create: they are kept under the project and reused by every run (`make clean` removes them).
os.environ.setdefault("LABLIB_RUNTIMES_DIR", str(ROOT / ".lablib" / "runtimes"))


def pytest_sessionstart(session: object) -> None:
    """Create the runtime environment of each Python version found (once; later runs reuse
    them), so no test waits for a pip install inside an invoke."""
    from lablib.runtime import pythons

    for version in pythons.VERSIONED:
        if version != pythons.HOST and not isinstance(pythons.find(version), str):
            try:
                pythons.install(f"python{version}")
            except RuntimeError as exc:  # the tests of that version then fail and say why
                print(f"conftest: {exc}", flush=True)
