"""Render lab notebooks (labs/NN-<lab-id>.ipynb) as Markdown pages for the study site.

Committed notebooks carry no outputs. With ``execute=True`` (the hook sets it from
LABLIB_DOCS_EXECUTE=1) the notebook runs first with nbclient, so the page shows real output.

Cell tags the renderer understands:
  remove-cell, remove-input, remove-output   leave that part out of the page
  hint, solution                             fold the cell into a collapsed box
  on-real-aws                                the cell differs on real AWS: its first line
                                             ``# On real AWS: ...`` is also shown above it

Exercise cells (``# BEGIN SOLUTION`` ... ``# END SOLUTION``) show the learner's stub in the
clear and the solution folded under "Solution". Cells calling ``quiz_widget(`` become a link to
the lab's quiz page (their output would paste the quiz, answers and all, into the page), and
every page ends with that link.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lablib.aws.cost import TAG as REAL_AWS_TAG
from lablib.aws.cost import note_of
from lablib.exercises.learner import BEGIN, END, HEADING, LearnerError, strip_source
from lablib.quiz.links import CONCEPT_RE, concept_anchor

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NB_LINK_RE = re.compile(r"\]\((?:\.{0,2}/)*(?:labs/)?(\d\d)-[A-Za-z0-9_-]+\.ipynb(#[^)]*)?\)")
_NB_NAME_RE = re.compile(r"^(\d\d)-(.+)\.ipynb$")
_QUIZ_CALL_RE = re.compile(r"\bquiz_widget\(\s*(?:lab\s*=\s*)?[\"']([A-Za-z0-9_-]+)[\"']")
_FOLDS = {"hint": ("tip", "Hint"), "solution": ("success", "Solution")}


class NotebookError(RuntimeError):
    """A notebook that cannot be found unambiguously, read or executed."""


@dataclass(frozen=True)
class Rendered:
    markdown: str
    executed: bool


def find_notebook(labs_dir: Path, lab_ids: tuple[str, ...], lab_id: str) -> Path | None:
    """labs/NN-<lab-id>.ipynb, else the one notebook numbered as the lab's position."""
    number = f"{lab_ids.index(lab_id) + 1:02d}"
    by_number: list[Path] = []
    for path in sorted(labs_dir.glob("*.ipynb")):
        match = _NB_NAME_RE.match(path.name)
        if not match:
            continue
        if match.group(2) == lab_id:
            return path
        if match.group(1) == number and match.group(2) not in lab_ids:
            by_number.append(path)
    if len(by_number) > 1:
        names = ", ".join(p.name for p in by_number)
        raise NotebookError(
            f"{labs_dir}: several notebooks are numbered {number} ({names}); name the one for "
            f"lab {lab_id!r} {number}-{lab_id}.ipynb"
        )
    return by_number[0] if by_number else None


def _fence(body: str, lang: str, title: str | None = None) -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    attrs = f' title="{title}"' if title else ""
    return f"{ticks} {lang}{attrs}\n{body.rstrip()}\n{ticks}"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output(out: Any) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        name = out.get("name", "stdout")
        return _fence(_ANSI_RE.sub("", _text(out.get("text", ""))), "text", name)
    if kind == "error":
        trace = _ANSI_RE.sub("", "\n".join(out.get("traceback", [])))
        body = _fence(trace or f"{out.get('ename')}: {out.get('evalue')}", "text")
        indented = "\n".join("    " + line if line else "" for line in body.splitlines())
        return f'!!! failure "{out.get("ename", "Error")}"\n\n{indented}'
    data = out.get("data", {})
    if "text/markdown" in data:
        return _text(data["text/markdown"]).strip()
    if "image/png" in data:
        b64 = "".join(_text(data["image/png"]).split())
        base64.b64decode(b64, validate=True)  # a corrupt image fails here, not in the browser
        return f'<p class="nb-image"><img alt="cell output" src="data:image/png;base64,{b64}"></p>'
    if "image/svg+xml" in data:
        return f'<div class="nb-output">{_text(data["image/svg+xml"])}</div>'
    if "text/html" in data:
        return f'<div class="nb-output" markdown="0">\n{_text(data["text/html"]).strip()}\n</div>'
    if "application/vnd.jupyter.widget-view+json" in data:
        return '!!! info "Interactive widget"\n\n    Run the notebook (`make lab`) to use it.'
    if "text/plain" in data:
        return _fence(_ANSI_RE.sub("", _text(data["text/plain"])), "text")
    return ""


def _link_labs(source: str, lab_ids: tuple[str, ...]) -> str:
    """Links between notebooks become links between the lab pages."""

    def repl(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        if not 0 <= index < len(lab_ids):
            return match.group(0)
        return f"](../{lab_ids[index]}/notebook.md{match.group(2) or ''})"

    return _NB_LINK_RE.sub(repl, source)


def _indent(block: str) -> str:
    return "\n".join("    " + line if line else "" for line in block.splitlines())


def _quiz_link(source: str, lab: str | None, lab_ids: tuple[str, ...]) -> str:
    """A quiz_widget cell on the site: a link to the lab's quiz page (no code, no output)."""
    called = _QUIZ_CALL_RE.search(source)
    target = called.group(1) if called and called.group(1) in lab_ids else lab
    if target is None:
        return ""
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    if first.startswith("# Checkpoint"):
        what = first.lstrip("# ").split(":")[0]
        return (
            f'<p class="nb-checkpoint" markdown="1">**{what}:** answer the questions on this '
            f"step in the [lab quiz](../../quizzes/{target}.md).</p>"
        )
    return f"[Take the {target} quiz](../../quizzes/{target}.md){{ .md-button .nb-quiz-link }}"


def _exercise(source: str, title: str, outputs: str) -> str:
    """The learner's stub in the clear, the solution (and its output) folded."""
    try:
        stub, _, _ = strip_source(source, title)
    except LearnerError:
        return ""
    kept = "\n".join(
        line for line in source.splitlines() if not (BEGIN.match(line) or END.match(line))
    )
    solution = _fence(kept, "python") + (f"\n\n{outputs}" if outputs else "")
    return f'{_fence(stub, "python")}\n\n??? success "Solution"\n\n{_indent(solution)}'


def _real_aws_note(source: str) -> str:
    """A marked cell's ``# On real AWS:`` note, shown above its code (issue #26)."""
    note = note_of(source) or "this step behaves differently on a real account"
    # Markdown outside `code` spans: escape what would start emphasis, attributes or HTML
    parts = re.split(r"(`[^`]*`)", note)
    text = "".join(
        part
        if part.startswith("`")
        else re.sub(r"([_*{}\[\]\\])", r"\\\1", part).replace("<", "&lt;")
        for part in parts
    )
    return f'<p class="nb-real-aws" markdown="1">**On real AWS:** {text}</p>'


def _cell(
    cell: Any, lab_ids: tuple[str, ...], lab: str | None = None, exercise: str = "exercise"
) -> str:
    tags = set(cell.get("metadata", {}).get("tags", []))
    if "remove-cell" in tags:
        return ""
    source = _text(cell.get("source", ""))
    if cell.get("cell_type") == "markdown":
        # each <!-- concept: ID --> becomes an anchor above the step, the target of the
        # quizzes' "see it run" links (lablib.quiz.links)
        anchors = [
            f'<div id="{concept_anchor(c)}" class="lablib-concept-anchor"></div>\n\n'
            for c in dict.fromkeys(CONCEPT_RE.findall(source))
        ]
        # notebooks escape currency (\\$) for JupyterLab's maths; Markdown here has no maths
        source = source.replace("\\$", "&#36;")
        # a hint in raw <details> gets its Markdown rendered and the tip's folded style
        source = source.replace("<details>", '<details class="tip" markdown="1">')
        return "".join(anchors) + _link_labs(source, lab_ids).strip()
    if cell.get("cell_type") != "code":
        return ""
    if "quiz_widget(" in source:
        return _quiz_link(source, lab, lab_ids)
    if any(BEGIN.match(line) for line in source.splitlines()):
        shown = "remove-output" not in tags
        outs = [_output(o) for o in cell.get("outputs", [])] if shown else []
        block = _exercise(source, exercise, "\n\n".join(p for p in outs if p))
        if block and REAL_AWS_TAG in tags:
            return f"{_real_aws_note(source)}\n\n{block}"
        if block:
            return block
    parts: list[str] = [_real_aws_note(source)] if REAL_AWS_TAG in tags else []
    if "remove-input" not in tags and source.strip():
        parts.append(_fence(source, "python"))
    if "remove-output" not in tags:
        parts.extend(p for p in (_output(o) for o in cell.get("outputs", [])) if p)
    block = "\n\n".join(parts)
    for tag, (kind, title) in _FOLDS.items():
        if tag in tags and block:
            return f'??? {kind} "{title}"\n\n{_indent(block)}'
    return block


def _execute(nb: Any, path: Path, timeout: int) -> None:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookError(f"{path}: a cell failed while executing for the site:\n{exc}") from exc


def render_notebook(
    path: Path, lab_ids: tuple[str, ...], *, execute: bool = False, timeout: int = 600
) -> Rendered:
    """The notebook as a Markdown page (outputs included when executed or already present)."""
    import nbformat  # slow to import (~1 s): only when a notebook exists

    try:
        nb = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises several unrelated types for a bad file
        raise NotebookError(f"{path}: not a readable notebook: {exc}") from exc
    if execute:
        _execute(nb, path, timeout)
    named = _NB_NAME_RE.match(path.name)
    lab: str | None = None
    if named and named.group(2) in lab_ids:
        lab = named.group(2)
    elif named and 0 < int(named.group(1)) <= len(lab_ids):
        lab = lab_ids[int(named.group(1)) - 1]
    blocks: list[str] = []
    exercise = "fill in this part"
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            found = HEADING.findall(_text(cell.get("source", "")))
            exercise = found[-1] if found else exercise
        block = _cell(cell, lab_ids, lab, exercise)
        if block:
            blocks.append(block)
    if lab is not None:
        blocks.append(
            '<div class="nb-next" markdown="1">\n\n**Done with the lab?** Check yourself: '
            f"[take the lab quiz](../../quizzes/{lab}.md){{ .md-button .md-button--primary }}"
            "\n\n</div>"
        )
    if execute:
        note = "The outputs below come from running it during the site build."
    else:
        note = "It is shown as committed, without outputs: run it yourself with `make lab`."
    banner = f'!!! note "Lab notebook"\n\n    This page is `labs/{path.name}`. {note}'
    if blocks and blocks[0].startswith("# "):
        title, _, rest = blocks[0].partition("\n")
        blocks[0] = f"{title}\n\n{banner}\n\n{rest.strip()}".rstrip()
    else:
        blocks.insert(0, f"# Lab notebook\n\n{banner}")
    return Rendered(markdown="\n\n".join(blocks) + "\n", executed=execute)


def coming_soon(lab_id: str, title: str) -> str:
    """The page for a lab whose notebook is not written yet."""
    return (
        f"# {title}: lab notebook\n\n"
        '!!! info "Coming soon"\n\n'
        f"    The notebook for this lab (`labs/NN-{lab_id}.ipynb`) is being written. Until it "
        "lands, read the notes and try the quiz.\n\n"
        f"[Notes](notes.md) · [Quiz](../../quizzes/{lab_id}.md)\n"
    )
