"""The learner's workspace: learner copies of the labs, made once and never overwritten.

``lablib lab`` opens JupyterLab here rather than on ``labs/`` (whose exercise cells hold the
reference solutions). A learner's notebook is written only when it does not exist yet, so
their answers survive upgrades; the reference notebooks are written to a separate
``solutions`` folder that ``lablib lab --solutions`` opens on purpose. Test helpers
(``conftest.py``, ``nbval_sanitize.cfg``) stay out of both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

README = """# Your lab workspace

These notebooks are yours: `lablib lab` made them once from the project's labs and never
overwrites them, so your answers survive. Each exercise cell raises `NotImplementedError`
until you write your answer; run its check cell to get feedback.

- Start again with a fresh copy of one lab: delete (or rename) it here and run `lablib lab`.
- Reference solutions: `lablib lab --solutions` opens them (try the exercise first).
"""


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _with_kernel(path: Path) -> None:
    """Name the kernel in the notebook, so JupyterLab opens it without asking which one."""
    import nbformat

    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    if nb.metadata.get("kernelspec"):
        return
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(nb, path)  # type: ignore[no-untyped-call]


@dataclass
class Workspace:
    """What :func:`prepare` found and wrote."""

    root: Path
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        made = f"{len(self.created)} new" if self.created else "nothing new"
        return f"workspace {self.root}: {made}, {len(self.kept)} kept as you left them"


def lab_notebooks(labs: Path) -> list[Path]:
    """The lab notebooks of ``labs`` in curriculum order (``NN-name.ipynb``)."""
    return sorted(labs.glob("[0-9][0-9]-*.ipynb"))


def prepare(labs: Path, workspace: Path) -> Workspace:
    """Write learner copies of every lab in ``labs`` that ``workspace`` lacks."""
    from lablib.exercises.learner import make_learner

    notebooks = lab_notebooks(labs)
    if not notebooks:
        raise FileNotFoundError(f"no lab notebooks (NN-*.ipynb) in {labs}")
    workspace.mkdir(parents=True, exist_ok=True)
    result = Workspace(workspace)
    for notebook in notebooks:
        target = workspace / notebook.name
        if target.exists():
            result.kept.append(target)
            continue
        make_learner(notebook, workspace)
        _with_kernel(target)
        result.created.append(target)
    readme = workspace / "README.md"
    if not readme.exists():
        readme.write_text(README)
    return result


def prepare_solutions(labs: Path, folder: Path) -> list[Path]:
    """Copy the reference notebooks (outputs cleared) to ``folder``; refreshed every time."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook in lab_notebooks(labs):
        nb = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata.setdefault("kernelspec", dict(KERNELSPEC))
        target = folder / notebook.name
        nbformat.write(nb, target)  # type: ignore[no-untyped-call]
        written.append(target)
    return written
