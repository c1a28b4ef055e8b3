"""The import contracts in pyproject.toml ([tool.importlinter], run by `make lint`) hold, and
they are real: a copy of lablib with deliberately wrong imports breaks each rule by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

CONTRACTS = {
    c["id"]: c["name"]
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the lablib package found in ``where``, with the repo's contracts."""
    env = {**os.environ, "PYTHONPATH": str(where), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the lablib package (sources only) to lint, or to break on purpose."""
    where = tmp_path
    shutil.copytree(ROOT / "lablib", where / "lablib", ignore=shutil.ignore_patterns("__pycache__"))
    return where


def test_contracts_hold_on_this_repository(copy: Path) -> None:
    result = lint_imports(copy)
    out = flat(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(CONTRACTS) == {"layers", "data-planes", "runtime", "moto-boundary"}
    for name in CONTRACTS.values():
        assert f"{name} KEPT" in out
    assert "0 broken" in out


def test_a_wrong_import_breaks_the_rule_it_violates(copy: Path) -> None:
    wrong = {
        # the local AWS importing the teaching layer
        "apigateway/route.py": "from lablib.labs.api_gateway import views as _views\n",
        # one data plane importing another
        "events/records.py": "from lablib.stepfunctions import validate as _validate\n",
        # the Lambda runtime importing a service room
        "runtime/model.py": "from lablib.events import records as _records\n",
        # moto outside the bridge
        "sam/template.py": "import moto as _moto\n",
    }
    for path, line in wrong.items():
        target = copy / "lablib" / path
        target.write_text(target.read_text() + "\n" + line)
    result = lint_imports(copy)
    out = flat(result.stdout)
    assert result.returncode != 0, out
    for name in CONTRACTS.values():
        assert f"{name} BROKEN" in out
    assert f"{len(CONTRACTS)} broken" in out
    assert "lablib.apigateway.route -> lablib.labs.api_gateway.views" in out
    assert "lablib.events.records -> lablib.stepfunctions.validate" in out
    assert "lablib.sam.template -> moto" in out
    assert "lablib.runtime.model -> lablib.events.records" in out
