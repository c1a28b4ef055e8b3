"""pytest --nbval-lax: kernels import this checkout's lablib; lablib files go to build/.

``scripts/make_learner.py`` copies this file next to the learner notebooks (build/learner/)
so they run the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "pyproject.toml").exists())
os.environ["PYTHONPATH"] = os.pathsep.join(
    dict.fromkeys([str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])
)
os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "test-home"))
