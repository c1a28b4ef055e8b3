"""Every lab makes the learner act (issue #27): verb outcomes mapped to steps with a time,
at least 5 predictions (a guess cell before the run, a reveal after it), at least 6 cells the
learner writes, at least 4 exercises with a check each, and checkpoints from the bank."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]-*.ipynb"))


def cells(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(path.read_text())["cells"]
    return found


def text(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def counts(path: Path) -> dict[str, int]:
    all_cells = cells(path)
    code = [text(c) for c in all_cells if c["cell_type"] == "code"]
    outcomes = re.findall(
        r"^\| \d+ \| .+ \| Steps? [\d, -]+ \| .+ \| \d+ min \|$", text(all_cells[0]), re.M
    )
    asked = {int(n) for s in code for n in re.findall(r"^PREDICTION_(\d+) = ", s, re.M)}
    revealed = {int(n) for s in code for n in re.findall(r"reveal\(PREDICTION_(\d+),", s)}
    return {
        "outcomes": len(outcomes),
        "predictions": len(asked & revealed),
        "learner_cells": sum("# BEGIN SOLUTION" in s for s in code),
        "exercises": sum(bool(re.match(r"## Exercise \d+:", text(c))) for c in all_cells),
        # a check cell may open with its "# On real AWS:" note (tests/realaws/test_markers.py)
        "checks": sum(bool(re.search(r"^check\(\"", s, re.M)) for s in code),
        "checkpoints": sum("# Checkpoint, step" in s for s in code),
    }


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_the_lab_asks_the_learner_to_act(path: Path) -> None:
    found = counts(path)
    assert 4 <= found["outcomes"] <= 6, found
    assert found["predictions"] >= 5, found
    assert found["learner_cells"] >= 6, found
    assert found["exercises"] >= 4 and found["checks"] >= found["exercises"], found
    assert found["checkpoints"] >= 4, found


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_each_prediction_is_asked_before_it_is_revealed(path: Path) -> None:
    order = [text(c) for c in cells(path) if c["cell_type"] == "code"]
    for n in range(1, 20):
        asked = [i for i, s in enumerate(order) if re.search(rf"^PREDICTION_{n} = ", s, re.M)]
        shown = [i for i, s in enumerate(order) if f"reveal(PREDICTION_{n}," in s]
        if asked or shown:
            assert asked and shown and asked[0] < shown[0], (path.name, n)
