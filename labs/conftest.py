"""pytest --nbval-lax: kernels import this checkout's lablib; lablib files go to build/.

``scripts/make_learner.py`` copies this file next to the learner notebooks (build/learner/)
so they run the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "pyproject.toml").exists())
os.environ["PYTHONPATH"] = os.pathsep.join(
    dict.fromkeys([str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])
)
os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "test-home"))


# -- exercise checks: the reference passes each one, the learner copy fails each one ----------
# nbval --nbval-lax only fails a cell that raises; a check that reports FAILED in the reference
# (or PASSED in the learner copy, with no learner code) would go unnoticed. Labs listed here
# have that verified on every `make notebooks` run, at no extra cost.
_CHECK_CELL = re.compile(r"""^check\(\s*["']([a-z0-9-]+/[a-z0-9-]+)["']""")
_CHECKED_LABS = ("01-", "02-", "03-", "04-", "05-", "06-")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield
    cell, outputs = getattr(item, "cell", None), getattr(item, "test_outputs", None)
    lab = Path(str(getattr(item, "fspath", ""))).name
    if cell is None or outputs is None or not lab.startswith(_CHECKED_LABS):
        return result
    found = _CHECK_CELL.match(cell.source.strip())
    if not found:
        return result
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    notebook = getattr(item.parent, "nb", None)
    learner = bool(notebook is not None and notebook.metadata.get("lablib", {}).get("learner"))
    want = "FAILED" if learner else "PASSED"
    if not text.startswith(f"{want} {found.group(1)}"):
        copy = "learner copy (no learner code)" if learner else "reference solution"
        raise AssertionError(f"{found.group(1)}: the {copy} should give {want}:\n{text[:1500]}")
    if learner and "expected:" not in text:
        raise AssertionError(f"{found.group(1)}: a failed check must say what it expected:\n{text}")
    return result
