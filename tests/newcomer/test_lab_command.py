"""`lablib lab` (what `make lab` runs): a learner workspace, JupyterLab as root, clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

from lablib.notebook.commands import ROOT_NOTICE, WIDGET_SETTINGS, save_widget_state
from lablib.notebook.workspace import prepare, prepare_solutions
from tests.support import children_of

ROOT = Path(__file__).resolve().parents[2]
LABS = ROOT / "labs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def solution_markers(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return sum("# BEGIN SOLUTION" in cell.source for cell in nb.cells)


def test_workspace_holds_learner_copies_made_once(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    first = prepare(LABS, workspace)
    names = sorted(p.name for p in workspace.glob("*.ipynb"))
    assert names == sorted(p.name for p in LABS.glob("[0-9][0-9]-*.ipynb"))
    assert len(first.created) == 6 and not first.kept
    assert not (workspace / "conftest.py").exists()
    assert not (workspace / "nbval_sanitize.cfg").exists()
    lab01 = workspace / "01-lambda-invocation.ipynb"
    assert solution_markers(lab01) == 0
    assert '"learner": true' in lab01.read_text()
    # JupyterLab opens it without a "Select Kernel" dialog
    assert nbformat.read(lab01, as_version=4).metadata["kernelspec"]["name"] == "python3"
    # the learner's work survives: a second prepare keeps their file as it is
    lab01.write_text(
        lab01.read_text().replace('"learner": true', '"learner": true, "x": "MyAnswer"')
    )
    second = prepare(LABS, workspace)
    assert not second.created and len(second.kept) == 6
    assert "MyAnswer" in lab01.read_text()
    # a deleted notebook comes back fresh
    lab01.unlink()
    assert prepare(LABS, workspace).created == [lab01]
    assert "MyAnswer" not in lab01.read_text()


def test_solutions_are_the_reference_notebooks(tmp_path: Path) -> None:
    written = prepare_solutions(LABS, tmp_path / "solutions")
    assert len(written) == 6
    assert all(solution_markers(path) > 0 for path in written)


def wait_for_http(url: str, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "lablib lab exited early"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                json.loads(response.read())
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer {url} within {seconds} s")


def start_lab(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int, Path]:
    """`lablib lab` on a free port with its own Jupyter folders: (process, port, workspace)."""
    port = free_port()
    workspace = tmp_path / "workspace"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"), HOME=str(tmp_path))
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "cfg")
    command = [sys.executable, "-m", "lablib", "lab", "--port", str(port), "--no-browser"]
    proc = subprocess.Popen(
        [*command, "--workspace", str(workspace), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    return proc, port, workspace


def test_lab_serves_workspace_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc, port, workspace = start_lab(tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api", proc)
        children = children_of(proc.pid)
        assert children, "JupyterLab should run as a child of lablib lab"
        assert sorted(p.name for p in workspace.glob("*.ipynb"))[0] == "01-lambda-invocation.ipynb"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert "workspace" in out
    if os.geteuid() == 0:
        assert ROOT_NOTICE in out
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [
        pid
        for pid in children
        if Path(f"/proc/{pid}").exists()
        and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    ]
    assert not left, f"JupyterLab processes left after SIGTERM: {left}"
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
        sock.bind(("127.0.0.1", port))  # nobody listens on the port any more


def test_solutions_flag_opens_reference_copies(tmp_path: Path) -> None:
    proc, port, workspace = start_lab(tmp_path, "--solutions")
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api", proc)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "reference solutions" in out
    assert solution_markers(workspace / ".solutions" / "01-lambda-invocation.ipynb") > 0
    assert solution_markers(workspace / "01-lambda-invocation.ipynb") == 0


def test_learner_facing_text_never_mentions_the_seed_notes() -> None:
    """Learners never saw the seed notes: say "older course notes" or give today's value."""
    import re

    pattern = re.compile(r"\bseed notes\b|\bthe seeds\b|\bseeds'", re.IGNORECASE)
    files = [
        *LABS.glob("*.ipynb"),
        *(ROOT / "site").rglob("*.md"),
        *(ROOT / "quizzes").glob("*.yaml"),
    ]
    found = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "\n".join(found)


def test_widget_state_is_saved_in_notebooks_by_default_in_a_venv(tmp_path: Path) -> None:
    path = save_widget_state(tmp_path)
    assert path == tmp_path / "share/jupyter/lab/settings/overrides.json"
    assert json.loads(path.read_text())[WIDGET_SETTINGS] == {"saveState": True}
    # a learner's own choice stays
    path.write_text(json.dumps({WIDGET_SETTINGS: {"saveState": False}, "other": {"x": 1}}))
    save_widget_state(tmp_path)
    assert json.loads(path.read_text()) == {
        WIDGET_SETTINGS: {"saveState": False},
        "other": {"x": 1},
    }
    assert save_widget_state(Path(sys.base_prefix)) is None  # never outside a venv
