"""Every code block of the README and the site's getting-started page runs as printed.

Python blocks run in order in one real IPython kernel (magics included); console blocks run
their `$ ` commands in one bash shell (on a free port instead of the printed one) and must
print the output lines shown. A block may instead say, in an HTML comment just above it,
which test covers it (`<!-- snippet: covered by tests/... -->`): that file must exist.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.labs.nbrun import kernel_env, text_of

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "site" / "index.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
COVERED = re.compile(r"<!--\s*snippet:\s*covered by (.+?)-->\s*$")


@dataclass
class Block:
    page: Path
    line: int
    language: str
    code: str
    covered_by: str | None


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").splitlines()
        marker = COVERED.search(before[-1]) if before else None
        found.append(
            Block(page, line, match.group(1), match.group(2), marker.group(1) if marker else None)
        )
    return found


ALL = [block for page in PAGES for block in blocks(page)]


def test_every_block_is_run_or_covered() -> None:
    assert ALL, "no code blocks found"
    for block in ALL:
        where = f"{block.page.name}:{block.line}"
        if block.covered_by:
            named = re.findall(r"tests/[\w/]+\.py", block.covered_by)
            assert named, f"{where}: say which test covers this block"
            assert all((ROOT / path).is_file() for path in named), where
        else:
            assert block.language in ("python", "console", "bash", "mermaid"), (
                f"{where}: a ```{block.language} block can neither run nor be covered"
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_run_in_a_kernel(page: Path, tmp_path: Path) -> None:
    code = [b for b in blocks(page) if b.language == "python" and not b.covered_by]
    if not code:
        assert page.name != "README.md", "the README shows Python blocks"
        return
    kernel_env()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(b.code) for b in code]
    client = NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    for block, cell in zip(code, nb.cells, strict=True):
        errors = [o for o in cell.outputs if o["output_type"] == "error"]
        assert not errors, f"{page.name}:{block.line}: {errors[0]['ename']}: {errors[0]['evalue']}"
        assert "UsageError" not in text_of(cell), f"{page.name}:{block.line}: {text_of(cell)}"
    shown = "\n".join(text_of(cell) for cell in nb.cells)
    if page.name == "README.md":
        assert "status 200" in shown  # %invoke
        assert "-> 201" in shown  # %api through the stage
        assert "SUCCEEDED" in shown  # %sfn


def console_script(block: Block, port: int) -> tuple[str, list[str]]:
    """The commands of a console block as a bash script, and the output lines it shows."""
    commands, expected = [], []
    for line in block.code.replace("4566", str(port)).splitlines():
        if line.startswith("$ "):
            commands.append(line[2:])
        elif line.strip():
            expected.append(line.strip())
    # the harness (not the block) stops background jobs however the script ends
    prologue = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
    return prologue + "\n".join(commands) + "\n", expected


@pytest.mark.parametrize(
    "block",
    [b for b in ALL if b.language in ("console", "bash") and not b.covered_by],
    ids=lambda b: f"{b.page.name}:{b.line}",
)
def test_console_blocks_run_in_bash(block: Block, tmp_path: Path) -> None:
    port = free_port()
    script, expected = console_script(block, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),  # no ~/.aws: what a new machine has
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        LABLIB_HOME=str(tmp_path / "lablib-home"),
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    where = f"{block.page.name}:{block.line}"
    assert done.returncode == 0, f"{where}: {done.stderr[-2000:]}"
    for line in expected:
        assert line in done.stdout, f"{where}: expected {line!r} in:\n{done.stdout}"
