"""What the benchmark scripts share. Import it before lablib: ``from _common import ...``
(a script's own folder is on ``sys.path`` when it runs as ``python benchmarks/x.py``).

Importing it puts the project on ``sys.path`` and gives the benchmarks their own
``LABLIB_HOME`` (``build/bench-home``) unless one is set.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "bench-home"))


def zipped(source: str, name: str = "app.py") -> bytes:
    """A deployment package holding one file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by rank; 0.0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
