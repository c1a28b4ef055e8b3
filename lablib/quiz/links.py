"""The study loop's links: from a question to the place that teaches it and shows it run.

Every question leads to its lab's study notes (``site/labs/<lab>/notes.md#<anchor>``, from
``lab_ref``, else the notes page of the question's lab) and, when the lab notebook exists, to
the notebook step that shows the behaviour: the first markdown cell of
``labs/NN-<lab>.ipynb`` carrying ``<!-- concept: ID -->`` for one of the question's concepts
(a step of the question's own lab preferred). The study site renders each such comment as an
anchor ``concept-<ID>`` on the notebook page (lablib/site/notebooks.py), so the browser's
"see it run" lands on that step; the terminal prints the notebook file and step title.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .schema import Question

CONCEPT_RE = re.compile(r"<!--\s*concept:\s*([A-Za-z0-9._-]+)\s*-->")
_NB_RE = re.compile(r"^\d\d-(.+)\.ipynb$")
_HEADING_RE = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def concept_anchor(concept: str) -> str:
    """The HTML id of a concept's step on a rendered notebook page."""
    return f"concept-{concept}"


def default_labs_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "labs"


@dataclass(frozen=True)
class Step:
    """A notebook step that teaches ``concept``."""

    lab: str
    notebook: str  # file name, e.g. 01-lambda-invocation.ipynb
    title: str  # the step's heading, e.g. "Step 3: Synchronous and asynchronous calls"
    concept: str


def notebook_steps(labs_dir: Path | str | None = None) -> dict[str, list[Step]]:
    """Concept id -> the notebook steps that carry its ``<!-- concept: ID -->`` comment.

    A notebook that cannot be read is skipped (the links then fall back to the notes)."""
    root = Path(labs_dir) if labs_dir is not None else default_labs_dir()
    found = sorted(root.glob("*.ipynb")) if root.is_dir() else []
    paths = [p for p in found if _NB_RE.match(p.name)]
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _scan(paths)
    return _CACHE[key]


_CACHE: dict[tuple[tuple[str, int, int], ...], dict[str, list[Step]]] = {}


def _scan(paths: list[Path]) -> dict[str, list[Step]]:
    out: dict[str, list[Step]] = {}
    for path in paths:
        match = _NB_RE.match(path.name)
        assert match is not None
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        for cell in cells if isinstance(cells, list) else []:
            if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
                continue
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            heading = _HEADING_RE.search(text)
            title = heading.group(1) if heading else path.stem
            for concept in dict.fromkeys(CONCEPT_RE.findall(text)):
                out.setdefault(concept, []).append(Step(match.group(1), path.name, title, concept))
    return out


@dataclass(frozen=True)
class StudyLinks:
    lab: str
    notes_anchor: str  # "" = the top of the notes page
    step: Step | None

    @property
    def notes(self) -> str:
        """The notes section, as a repository path."""
        anchor = f"#{self.notes_anchor}" if self.notes_anchor else ""
        return f"site/labs/{self.lab}/notes.md{anchor}"

    def describe(self) -> str:
        """One line for the terminal: where to see it run and where to read about it."""
        if self.step is None:
            return f"Read about it: {self.notes}"
        return f"See it run: labs/{self.step.notebook}, {self.step.title} (notes: {self.notes})"


def pick_step(
    concepts: list[str] | tuple[str, ...], labs: tuple[str, ...], steps: dict[str, list[Step]]
) -> Step | None:
    """The first step teaching one of ``concepts``, preferring the labs in ``labs`` order."""
    candidates = [s for c in concepts for s in steps.get(c, [])]
    candidates.sort(key=lambda s: labs.index(s.lab) if s.lab in labs else len(labs))
    return candidates[0] if candidates else None


def study_links(question: Question, steps: dict[str, list[Step]]) -> StudyLinks:
    """The notes section and the notebook step (if any) for ``question``."""
    lab, _, anchor = question.lab_ref.partition("#") if question.lab_ref else (question.lab, "", "")
    step = pick_step(question.concepts, (lab, question.lab), steps)
    return StudyLinks(lab or question.lab, anchor, step)
