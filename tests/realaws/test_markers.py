"""The labs mark the steps that differ on real AWS (issue #26): each such code cell has the
tag ``on-real-aws`` and a first line ``# On real AWS: <what differs>``. Every cell the
heuristics suspect is marked or says in its metadata why it runs the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lablib.aws import cost

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]-*.ipynb"))


def code_cells(path: Path) -> list[dict[str, object]]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_there_are_six_labs() -> None:
    assert len(LABS) == 6


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_every_suspect_cell_is_marked_or_explained(lab: Path) -> None:
    marked = {cell.number for cell in cost.marked(lab)}
    same = cost.same_on_real_aws(lab)
    unexplained = [
        (number, why) for number, why in cost.suspects(lab) if number not in marked | set(same)
    ]
    assert unexplained == [], f"{lab.name}: mark these cells or give a same_on_real_aws reason"
    assert not marked & set(same), "a cell is either marked or the same, not both"
    for number, why in same.items():
        assert len(why.split()) >= 4, (lab.name, number, why)


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_every_marked_cell_says_specifically_what_differs(lab: Path) -> None:
    marked = cost.marked(lab)
    assert marked, f"{lab.name} marks no cell"
    notes = [cell.note for cell in marked]
    for cell in marked:
        assert len(cell.note.split()) >= 6, (lab.name, cell.number, cell.note)
    assert len(set(notes)) == len(notes), f"{lab.name}: two cells share a note"
    assert cost.differences(lab) == [(cell.number, cell.note) for cell in marked]


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_the_note_and_the_tag_go_together(lab: Path) -> None:
    for number, cell in enumerate(code_cells(lab), start=1):
        source = "".join(cell["source"])  # type: ignore[arg-type]
        tags = cell.get("metadata", {}).get("tags", [])  # type: ignore[attr-defined]
        has_note = bool(cost.note_of(source))
        assert has_note == (cost.TAG in tags), (lab.name, number)
        # the note is the only "On real AWS" line of the cell
        assert source.count(cost.NOTE) == has_note, (lab.name, number)


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_the_setup_cell_says_how_to_run_on_real_aws(lab: Path) -> None:
    first = cost.marked(lab)[0]
    assert first.number == 1
    name = lab.stem[3:]
    assert f'lab="{name}"' in first.note and f"lablib cleanup --lab {name}" in first.note


@pytest.mark.parametrize("lab", LABS, ids=lambda p: p.stem)
def test_the_learner_copy_keeps_the_markers(lab: Path, tmp_path: Path) -> None:
    from lablib.exercises.learner import make_learner

    copy = make_learner(lab, tmp_path).path
    assert cost.marked(copy) == cost.marked(lab)


def test_the_site_page_shows_each_note_above_its_cell() -> None:
    from lablib.site.catalog import LAB_IDS
    from lablib.site.notebooks import render_notebook

    lab = ROOT / "labs" / "04-versions-aliases.ipynb"
    page = render_notebook(lab, LAB_IDS).markdown
    shown = [line for line in page.splitlines() if line.startswith('<p class="nb-real-aws"')]
    assert len(shown) == len(cost.marked(lab))
    assert (
        '<p class="nb-real-aws" markdown="1">**On real AWS:** stage\\_url gives the stage URL '
        "https://\\{api\\_id\\}.execute-api.\\{region\\}.amazonaws.com/\\{stage\\}/ there</p>"
        "\n\n``` python\n# On real AWS: stage_url gives the stage URL"
    ) in page
