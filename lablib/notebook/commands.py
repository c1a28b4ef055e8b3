"""`lablib lab`: JupyterLab on the learner's workspace, with a local AWS one cell away."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT_NOTICE = (
    "lablib lab: running as root, so JupyterLab is started with --allow-root "
    "(listening on 127.0.0.1 only, token required)."
)


def register(sub: Any) -> None:
    lab = sub.add_parser("lab", help="open JupyterLab on your lab workspace")
    lab.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: 8888 or free)"
    )
    lab.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="where your notebooks live (default: ./workspace beside labs/)",
    )
    lab.add_argument(
        "--solutions", action="store_true", help="open the reference solutions instead"
    )
    lab.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    lab.set_defaults(handler=cmd_lab)


def find_labs(start: Path) -> Path:
    """The project's ``labs/`` folder: from ``start`` upwards, else beside the package."""
    for parent in [start, *start.parents]:
        if (parent / "labs").is_dir() and any((parent / "labs").glob("[0-9][0-9]-*.ipynb")):
            return parent / "labs"
    packaged = Path(__file__).resolve().parents[2] / "labs"
    if packaged.is_dir():
        return packaged
    raise FileNotFoundError(
        "cannot find the labs/ folder; run `lablib lab` from the project folder"
    )


def jupyter_command(root_dir: Path, port: int, no_browser: bool) -> list[str]:
    """The JupyterLab command line: loopback only, token on, ``--allow-root`` as root."""
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if port:
        command.append(f"--ServerApp.port={port}")
    if no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


WIDGET_SETTINGS = "@jupyter-widgets/jupyterlab-manager:plugin"


def save_widget_state(prefix: Path) -> Path | None:
    """Have JupyterLab save widget state in notebooks (so a reopened quiz or calculator shows
    as it was), as a default of this environment only: ``overrides.json`` of a virtual
    environment's JupyterLab. A learner's own setting still wins; outside a venv nothing is
    written."""
    if prefix == Path(sys.base_prefix):
        return None
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    try:
        current = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return None  # somebody else's file we cannot read: leave it alone
    if not isinstance(current, dict):
        return None
    plugin = current.setdefault(WIDGET_SETTINGS, {})
    if not isinstance(plugin, dict) or plugin.get("saveState") is not None:
        return path
    plugin["saveState"] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def cmd_lab(args: argparse.Namespace) -> int:
    from lablib.notebook.workspace import prepare, prepare_solutions

    try:
        labs = find_labs(Path.cwd())
    except FileNotFoundError as exc:
        print(f"lablib lab: {exc}", file=sys.stderr)
        return 2
    workspace = args.workspace or labs.parent / "workspace"
    solutions = workspace / ".solutions"
    made = prepare(labs, workspace)
    save_widget_state(Path(sys.prefix))
    print(made.summary())
    root = workspace
    if args.solutions:
        prepare_solutions(labs, solutions)
        root = solutions
        print(f"Opening the reference solutions in {solutions} (your work is in {workspace}).")
    if os.geteuid() == 0:
        print(ROOT_NOTICE)
    print("In a notebook, `aws = lablib.start()` starts the local AWS. Ctrl-C stops JupyterLab.")
    sys.stdout.flush()
    child = subprocess.Popen(
        jupyter_command(root, args.port, args.no_browser),
        cwd=root,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - single-threaded CLI process
    )

    def forward(signum: int, frame: Any) -> None:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        code = child.wait()
    finally:
        if child.poll() is None:  # pragma: no cover - wait() interrupted
            child.kill()
            child.wait()
    # JupyterLab exits 0 on SIGTERM; a stop asked for by a signal is a clean exit.
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
