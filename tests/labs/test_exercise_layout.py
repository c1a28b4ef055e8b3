"""Labs 01-06 (issue #27): exercises sit next to the step they practise, each with tiered
hints whose first tier gives nothing of the solution away; misconceptions are shown running,
each asked as a prediction before the run that answers it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.labs.test_active_learning import cells, text

ROOT = Path(__file__).resolve().parents[2]
LABS = [p for p in sorted((ROOT / "labs").glob("0[1-6]-*.ipynb"))]
DETAILS = re.compile(r"<details><summary>(.*?)</summary>(.*?)</details>", re.S)


def exercises(path: Path) -> list[tuple[int, str, str]]:
    """(cell index, heading text, the solution region that follows) per exercise."""
    all_cells = cells(path)
    found = []
    for i, cell in enumerate(all_cells):
        if cell["cell_type"] == "markdown" and re.match(r"## Exercise \d+:", text(cell)):
            solution = next(
                text(c)
                for c in all_cells[i + 1 :]
                if c["cell_type"] == "code" and "# BEGIN SOLUTION" in text(c)
            )
            found.append((i, text(cell), solution))
    return found


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_exercises_follow_the_step_they_practise(path: Path) -> None:
    all_cells = cells(path)
    steps = [
        i
        for i, c in enumerate(all_cells)
        if c["cell_type"] == "markdown" and re.match(r"## Step \d+:", text(c))
    ]
    placed = [i for i, _, _ in exercises(path)]
    assert len(placed) >= 4
    # all but the closing design task come before the last step, each after some step
    inside = [i for i in placed if steps[0] < i < steps[-1]]
    assert len(inside) >= len(placed) - 1, (path.name, placed, steps)


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_hints_are_tiered_and_the_first_gives_nothing_away(path: Path) -> None:
    for _, heading, solution in exercises(path):
        hints = DETAILS.findall(heading)
        title = heading.splitlines()[0]
        assert len(hints) >= 3, title
        assert "nudge" in hints[0][0].lower(), title
        region = solution.split("# END SOLUTION")[0].split("\n", 1)[1]
        literals = set(re.findall(r"""["']([^"'\s]{6,})["']""", region)) - {"Version"}
        numbers = {n for n in re.findall(r"\b\d+(?:\.\d+)?\b", region) if len(n) > 1}
        numbers -= {"2012", "10", "17"}
        leaked = [w for w in literals | numbers if w in hints[0][1]]
        assert not leaked, (title, leaked)


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_misconceptions_are_predicted_then_run(path: Path) -> None:
    all_cells = cells(path)
    shown = 0
    for i, cell in enumerate(all_cells):
        if cell["cell_type"] == "markdown" and text(cell).startswith("### Misconception"):
            following = [text(c) for c in all_cells[i + 1 : i + 5] if c["cell_type"] == "code"]
            assert re.search(r"^PREDICTION_\d+ = ", following[0], re.M), text(cell)[:80]
            assert any("reveal(PREDICTION_" in s for s in following[1:]), text(cell)[:80]
            shown += 1
    assert shown >= 2, path.name
