"""Concept map: every concept of a lab that has a notebook is taught in a marked section.

A markdown cell carries ``<!-- concept: ID -->`` for each concept it teaches; a hands-on
concept's marker must be followed by a code cell before the next markdown heading.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LABS = ROOT / "labs"
MARKER = re.compile(r"<!--\s*concept:\s*([a-z0-9.-]+)\s*-->")
HEADING = re.compile(r"^#{1,6}\s", re.MULTILINE)


def syllabus() -> dict[str, Any]:
    path = ROOT / "quizzes" / "concepts.yaml"
    if not path.exists():
        path = ROOT.parent / "shared" / "curriculum.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def lab_notebooks() -> dict[str, Path]:
    found = {}
    for lab in syllabus()["labs"]:
        matches = sorted(LABS.glob(f"[0-9][0-9]-{lab}.ipynb"))
        if matches:
            found[lab] = matches[0]
    return found


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else str(text)


def taught(path: Path) -> tuple[set[str], set[str]]:
    """(concepts with a marker, concepts whose marker is followed by a code cell in time)."""
    cells = json.loads(path.read_text())["cells"]
    marked: set[str] = set()
    shown: set[str] = set()
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        ids = MARKER.findall(source(cell))
        marked.update(ids)
        for later in cells[index + 1 :]:
            if later["cell_type"] == "code" and source(later).strip():
                shown.update(ids)
                break
            if later["cell_type"] == "markdown" and HEADING.search(source(later)):
                break
    return marked, shown


def test_lab_01_exists() -> None:
    assert "lambda-invocation" in lab_notebooks()


@pytest.mark.parametrize("lab", sorted(lab_notebooks()))
def test_every_concept_has_a_section(lab: str) -> None:
    concepts = {cid: c for cid, c in syllabus()["concepts"].items() if c["lab"] == lab}
    marked, shown = taught(lab_notebooks()[lab])
    missing = sorted(set(concepts) - marked)
    assert not missing, f"{lab}: no '<!-- concept: ID -->' marker for {missing}"
    not_run = sorted(c for c in concepts if concepts[c].get("hands_on") and c not in shown)
    assert not not_run, f"{lab}: hands-on concepts without a code cell after the marker: {not_run}"
    unknown = sorted(marked - set(syllabus()["concepts"]))
    assert not unknown, f"{lab}: markers name unknown concept ids {unknown}"


def test_detects_a_missing_code_cell(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "source": "## Step 1\n<!-- concept: a.b -->", "metadata": {}},
        {"cell_type": "markdown", "source": "## Step 2\n<!-- concept: c.d -->", "metadata": {}},
        {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []},
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    marked, shown = taught(path)
    assert marked == {"a.b", "c.d"} and shown == {"c.d"}


@pytest.mark.parametrize("lab", sorted(lab_notebooks()))
def test_skeleton(lab: str) -> None:
    cells = json.loads(lab_notebooks()[lab].read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown" and source(cells[0]).startswith("# ")
    assert "Outcomes" in source(cells[0])
    assert cells[1]["cell_type"] == "code" and "lablib.start(" in source(cells[1])
    headings = [source(c).splitlines()[0] for c in cells if c["cell_type"] == "markdown"]
    steps = [h for h in headings if h.startswith("## Step ")]
    assert steps and headings.index("## Summary") > headings.index(steps[-1])
    assert headings[-1] == "## Quiz" and f'quiz_widget("{lab}"' in source(cells[-1])
    for cell in cells:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{lab}: commit notebooks without outputs"
