"""Shared fixtures. Tests talk to the local AWS through boto3 only, never moto objects."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# lablib's own files (run state, reports, quiz progress) stay inside the project during tests.
os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "test-home"))
