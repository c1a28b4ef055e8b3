"""Generate the learner version of a lab notebook: every ``# BEGIN SOLUTION`` ...
``# END SOLUTION`` region becomes a stub, outputs are cleared.

The stub keeps the region's indentation. By default it is
``raise NotImplementedError("Exercise: <title of the exercise heading>")``; a region opened with
``# BEGIN SOLUTION stub: <code>`` gets ``<code>`` instead (e.g. ``MEMORY_MB = ...``). A default
stub at the top level of a plain code cell would stop "Run all", so such cells are tagged
``raises-exception`` (nbval and nbclient then carry on); prefer ``stub:`` placeholders there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?:[ \t]+stub:[ \t]?(?P<stub>.*?))?[ \t]*$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
HEADING = re.compile(r"^##\s+Exercise\s+\d+\s*:\s*(?P<title>.+?)\s*$", re.MULTILINE)


class LearnerError(ValueError):
    """A malformed solution region (names the notebook, cell and line)."""


@dataclass
class Stubbed:
    path: Path
    regions: int
    cells: int

    def __repr__(self) -> str:
        return f"wrote {self.path} ({self.regions} solution region(s) in {self.cells} cell(s))"


def strip_source(source: str, title: str, where: str = "cell") -> tuple[str, int, bool]:
    """Replace the solution regions of one cell's source.

    Returns (new source, number of regions, whether a top-level raise stub was inserted).
    """
    out: list[str] = []
    regions = 0
    top_level_raise = False
    inside: re.Match[str] | None = None
    opened_at = 0
    for number, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if inside is not None:
                raise LearnerError(
                    f"{where} line {number}: '# BEGIN SOLUTION' inside the region opened "
                    f"on line {opened_at}; close it with '# END SOLUTION' first"
                )
            inside, opened_at = begin, number
        elif end:
            if inside is None:
                raise LearnerError(f"{where} line {number}: '# END SOLUTION' without a BEGIN")
            indent, stub = inside["indent"], inside["stub"]
            if stub is None:
                stub = f"raise NotImplementedError({('Exercise: ' + title)!r})"
                top_level_raise = top_level_raise or indent == ""
            out.append(indent + stub)
            regions += 1
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise LearnerError(f"{where} line {opened_at}: '# BEGIN SOLUTION' is never closed")
    return "\n".join(out), regions, top_level_raise


def learner_notebook(nb: Any, name: str = "notebook") -> tuple[Any, int, int]:
    """Strip the solutions of an nbformat notebook in place: (notebook, regions, cells)."""
    title = "fill in this part"
    regions = cells = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found = HEADING.findall(cell.source)
            if found:
                title = found[-1]
            continue
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        where = f"{name}: cell {index}"
        source, count, raises = strip_source(cell.source, title, where)
        if count:
            cell.source = source
            regions += count
            cells += 1
            magic = source.lstrip().startswith("%%")
            if raises and not magic:
                tags = cell.metadata.setdefault("tags", [])
                if "raises-exception" not in tags:
                    tags.append("raises-exception")
    nb.metadata.setdefault("lablib", {})["learner"] = True
    return nb, regions, cells


def make_learner(notebook: str | Path, out_dir: str | Path = "build/learner") -> Stubbed:
    """Write the learner version of ``notebook`` to ``out_dir`` (same file name)."""
    import nbformat

    source = Path(notebook)
    if not source.is_file():
        raise LearnerError(f"no notebook {source}")
    nb = nbformat.read(source, as_version=4)  # type: ignore[no-untyped-call]
    nb, regions, cells = learner_notebook(nb, str(source))
    target = Path(out_dir) / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)  # type: ignore[no-untyped-call]
    return Stubbed(target, regions, cells)


def main(argv: list[str] | None = None) -> int:
    """``make_learner.py [NOTEBOOK ...] [--out DIR]``: default every labs/NN-*.ipynb."""
    import argparse

    parser = argparse.ArgumentParser(description="Generate learner versions of lab notebooks.")
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/learner"))
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(Path("labs").glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        parser.error("no notebooks given and none found in labs/")
    try:
        for path in notebooks:
            print(repr(make_learner(path, args.out)))
            conftest = path.parent / "conftest.py"  # nbval settings of the labs folder
            if conftest.is_file():
                (args.out / "conftest.py").write_text(conftest.read_text())
    except LearnerError as exc:
        print(f"error: {exc}")
        return 2
    return 0
