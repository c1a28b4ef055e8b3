"""pytest --nbval-lax labs/: kernels import this checkout's lablib; lablib files go to build/."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
)
os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "test-home"))
