"""Each lab notebook runs top to bottom in a real kernel; its reference solutions pass every
check and its generated learner version fails every check without crashing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lablib.exercises.learner import make_learner
from tests.labs.nbrun import ROOT, errors, run_notebook, text_of
from tests.labs.test_concepts import lab_notebooks

CHECK = re.compile(r"""check\(\s*["']([a-z0-9-]+/[a-z0-9-]+)["']""")


def check_outputs(nb: object) -> dict[str, str]:
    found = {}
    for cell in nb.cells:  # type: ignore[attr-defined]
        if cell.cell_type == "code":
            match = CHECK.search(cell.source)
            if match:
                found[match.group(1)] = text_of(cell)
    return found


@pytest.fixture(scope="module")
def lab01(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    path = lab_notebooks()["lambda-invocation"]
    learner = make_learner(path, tmp_path_factory.mktemp("learner")).path
    assert "BEGIN SOLUTION" not in learner.read_text()
    return run_notebook(path), run_notebook(learner)


def test_reference_runs_and_passes_every_check(lab01: tuple[object, object]) -> None:
    reference, _ = lab01
    assert errors(reference) == []
    checks = check_outputs(reference)
    assert len(checks) >= 4
    for exercise, text in checks.items():
        assert text.startswith(f"PASSED {exercise}"), text


def test_learner_version_fails_every_check_with_feedback(lab01: tuple[object, object]) -> None:
    _, learner = lab01
    assert errors(learner) == []
    checks = check_outputs(learner)
    assert len(checks) >= 4
    for exercise, text in checks.items():
        assert text.startswith(f"FAILED {exercise}"), text
        assert "expected:" in text and ("hint:" in text or "got:" in text), text


def test_lab01_shows_what_it_teaches(lab01: tuple[object, object]) -> None:
    reference, _ = lab01
    shown = "\n".join(text_of(c) for c in reference.cells if c.cell_type == "code")  # type: ignore[attr-defined]
    assert re.search(r"RequestResponse\s+200", shown)
    assert re.search(r"Event\s+202\s+\(empty\)", shown)
    assert re.search(r"DryRun\s+204\s+\(empty\)", shown)
    assert re.search(r"divide by zero\s+200\s+Unhandled\s+ZeroDivisionError", shown)
    assert re.search(r"no such function\s+404\s+\(API error\)\s+ResourceNotFoundException", shown)
    assert "Task timed out after 1.00 seconds" in shown
    assert "[COLD START]" in shown and "[warm]" in shown
    assert re.search(r"x 429 \(ReservedFunctionConcurrentInvocationLimitExceeded\)", shown)
    assert "RetriesExhausted" in shown and "lab clock: " in shown
    assert "pay-demo-1 was charged 2 times" in shown
    assert re.search(r"li-count-table\s+\d+\s+9\s+9", shown)
    # %%lambda: re-running an edited cell redeploys, and the next invoke is cold
    assert re.search(r"li-edit: status 200 \(warm\)[^\n]*\npayload: \"hello, second call\"", shown)
    assert "updated li-edit (code)" in shown
    # misconceptions shown running: an async caller hears nothing, the event runs 3 times
    # (first try + 2 retries, same request id), a timeout runs neither except nor finally
    assert re.search(r"202\s+\(none\)\s+\(empty\)", shown)
    assert re.search(r"\n3\s+\d+\s+\[ERROR\] ZeroDivisionError: division by zero", shown)
    assert re.search(r"'caught' in the log\s+False\n'finally ran' in the log\s+False", shown)
    assert re.search(
        r"li-edit: status 200 \(cold start\)[^\n]*\npayload: \"hi, after the edit\"", shown
    )


def test_every_lab_has_a_learner_version(tmp_path: Path) -> None:
    for lab, path in lab_notebooks().items():
        result = make_learner(path, tmp_path)
        assert result.path.exists(), lab
        assert ROOT in path.parents
