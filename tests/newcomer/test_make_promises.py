"""What the README promises `make test` runs is what the Makefile runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(*targets: str) -> str:
    done = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", *targets],  # -W: pretend it changed; print all
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_test_runs_lint_types_tests_and_notebooks() -> None:
    readme = (ROOT / "README.md").read_text()
    promised = next(line for line in readme.splitlines() if line.startswith("| `make test` |"))
    for word in ("ruff", "mypy", "pytest", "notebook"):
        assert word in promised, f"README's make test row no longer mentions {word}"
    commands = dry_run("test")
    assert "ruff check" in commands
    assert "ruff format --check" in commands
    assert "lint-imports" in commands
    assert "mypy" in commands
    assert "-m pytest -q\n" in commands or "-m pytest -q " in commands
    ui = dry_run("test-ui")  # what make test leaves out runs here, and CI runs both
    for suite in ("tests/site", "tests/jupyterlab", "tests/hub"):
        assert f"--ignore={suite}" in commands and suite in ui
    assert "--nbval-lax" in dry_run("notebooks")
    assert "$(MAKE) notebooks" in (ROOT / "Makefile").read_text()


def test_ci_calls_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "VENV=.venv test ||" in ci and "VENV=.venv test-ui ||" in ci
