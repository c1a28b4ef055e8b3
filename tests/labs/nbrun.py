"""Run a notebook in a real kernel with nbclient and collect what each code cell showed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def kernel_env() -> None:
    """Kernels import this checkout's lablib and keep lablib's files under build/."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    os.environ.setdefault("LABLIB_HOME", str(ROOT / "build" / "test-home"))


def run_notebook(path: Path, timeout: int = 180) -> Any:
    """Execute ``path`` (errors allowed, so every cell runs) and return the notebook."""
    import nbformat
    from nbclient import NotebookClient

    kernel_env()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def text_of(cell: Any) -> str:
    """The plain-text output of a code cell (streams and text/plain results)."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif output["output_type"] == "error":
            parts.append(f"ERROR {output['ename']}: {output['evalue']}")
    return "\n".join(parts)


def errors(nb: Any) -> list[str]:
    return [
        f"cell {i}: {o['ename']}: {o['evalue']}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o["output_type"] == "error"
    ]
