"""Labs 01-03 make the learner think (issue #27): misconceptions are predicted, run and
revealed; each exercise sits next to the step it practises, with three tiers of hints that
give the answer only at the last; the lab keeps its skeleton (outcomes, setup, steps with
exercises, summary, quiz)."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABS = [ROOT / "labs" / f"{name}.ipynb" for name in
        ("01-lambda-invocation", "02-event-sources", "03-api-gateway")]  # fmt: skip
SOLUTION = re.compile(r"# BEGIN SOLUTION[^\n]*\n(.*?)# END SOLUTION", re.S)
TIERS = ["Hint 1 (a nudge)", "Hint 2 (a pointer)", "Hint 3 (the answer)"]


def cells(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(path.read_text())["cells"]
    return found


def text(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def headings(path: Path) -> list[tuple[int, str]]:
    return [(i, text(c).split("\n", 1)[0]) for i, c in enumerate(cells(path))
            if c["cell_type"] == "markdown" and text(c).startswith("## ")]  # fmt: skip


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_misconceptions_are_predicted_run_and_revealed(path: Path) -> None:
    all_cells = cells(path)
    starts = [
        i for i, c in enumerate(all_cells) if text(c).startswith("### Misconception")
    ]  # fmt: skip
    shown = 0
    for start in starts:
        end = next((i for i in range(start + 1, len(all_cells))
                    if all_cells[i]["cell_type"] == "markdown"), len(all_cells))  # fmt: skip
        code = [text(c) for c in all_cells[start + 1 : end] if c["cell_type"] == "code"]
        asked = [n for s in code for n in re.findall(r"^PREDICTION_(\d+) = ", s, re.M)]
        runs = [s for s in code if "PREDICTION_" not in s]
        revealed = [n for s in code for n in re.findall(r"reveal\(PREDICTION_(\d+),", s)]
        if asked and runs and sorted(asked) == sorted(revealed):
            shown += 1
    assert shown >= 2, (path.name, shown)  # plus the demos told in a step's own text


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_exercises_sit_next_to_their_steps(path: Path) -> None:
    marks = headings(path)
    titles = [title for _, title in marks]
    exercises = [n for n, title in enumerate(titles) if title.startswith("## Exercise")]
    assert len(exercises) >= 4, titles
    numbers = [int(re.findall(r"\d+", titles[n])[0]) for n in exercises]
    assert numbers == list(range(1, len(numbers) + 1)), titles  # numbered as they appear
    before_last_step = [n for n in exercises
                        if any(t.startswith("## Step") for t in titles[n + 1 :])]  # fmt: skip
    assert len(before_last_step) >= 3, titles  # not all at the end
    for n in exercises:
        assert titles[n - 1].startswith(("## Step", "## Exercise")), titles[n - 1]
    # the skeleton: outcomes, setup, steps (with exercises), summary, quiz
    first = cells(path)
    assert "**Outcomes**" in text(first[0]) and "lablib.start(fresh=True)" in text(first[1])
    assert titles[0].startswith("## Step 1:") and titles[-2:] == ["## Summary", "## Quiz"]


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_hints_come_in_three_tiers_and_only_the_last_gives_it_away(path: Path) -> None:
    all_cells = cells(path)
    for i, cell in enumerate(all_cells):
        if cell["cell_type"] != "markdown" or not text(cell).startswith("## Exercise"):
            continue
        summaries = re.findall(r"<details><summary>(.*?)</summary>", text(cell))
        assert summaries == TIERS, (path.name, text(cell)[:60])
        bodies = re.findall(r"</summary>(.*?)</details>", text(cell), re.S)
        solution = "".join(
            m for c in all_cells[i + 1 : i + 4] if c["cell_type"] == "code"
            for m in SOLUTION.findall(text(c))
        )  # fmt: skip
        assert solution.strip(), (path.name, text(cell)[:60])
        # the nudge shares no real piece of code with the solution; the pointer may name a call
        for tier, body, limit in zip(TIERS[:2], bodies[:2], (30, 50), strict=True):
            match = difflib.SequenceMatcher(None, body, solution, autojunk=False)
            longest = match.find_longest_match(0, len(body), 0, len(solution))
            given = body[longest.a : longest.a + longest.size]
            assert longest.size < limit, (path.name, tier, given)
