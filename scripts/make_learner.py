"""Generate learner versions of the lab notebooks into build/learner/.

Usage: .venv/bin/python scripts/make_learner.py [labs/01-lambda-invocation.ipynb ...] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lablib.exercises.learner import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
