"""`lablib lab` for a browser test: its own Jupyter folders and settings, a token, a free port,
and a stop that reports any process of its tree still alive and whether the port is free."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import children_of

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "jupyterlab"
LAB = "01-lambda-invocation.ipynb"
TOKEN = "lablib-browser-test"
MATH_CONTROL = "lablib maths control: $x^2 + y^2 = z^2$"

# JupyterLab user settings for the test only (JUPYTERLAB_SETTINGS_DIR): every cell attached to
# the page (JupyterLab 4 otherwise renders cells near the viewport only), the notebook's
# kernel started without asking, no news or update checks (no network).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class LabServer:
    proc: subprocess.Popen[bytes]
    port: int
    workspace: Path
    log: Path
    tree: dict[int, str] = field(default_factory=dict)  # pid -> start time, under lablib lab
    stopped: tuple[list[int], bool] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_lablib_lab(tmp: Path, workspace: Path, seconds: float = 300) -> LabServer:
    """`lablib lab --no-browser` on a free port, answering /api (bounded wait)."""
    settings = tmp / "lab-settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = dict(
        os.environ,
        HOME=str(tmp),
        JUPYTER_TOKEN=TOKEN,
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
        LABLIB_HOME=str(tmp / "lablib-home"),
    )
    port = free_port()
    log = tmp / "lablib-lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lablib", "lab", "--port", str(port), "--no-browser",
             "--workspace", str(workspace)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = LabServer(proc, port, workspace, log)
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/api", timeout=10) as response:
                json.loads(response.read())
            return server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_lablib_lab(server)
                raise AssertionError(f"JupyterLab did not start:\n{log.read_text()}") from None
            time.sleep(1)


def stop_lablib_lab(server: LabServer, seconds: float = 120) -> tuple[list[int], bool]:
    """SIGTERM to `lablib lab` (as Ctrl-C); then which processes of its tree are still alive
    (kernel, its workers, JupyterLab) and whether the port is free. Idempotent; whatever is
    left after the report is killed, so a failure leaks nothing."""
    if server.stopped is not None:
        return server.stopped
    server.tree.update({pid: _started(pid) for pid in children_of(server.proc.pid)})
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    deadline = time.monotonic() + seconds
    while _alive(server.tree) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = _alive(server.tree)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 30
    while not port_free(server.port) and time.monotonic() < deadline:
        time.sleep(0.5)
    server.stopped = (left, port_free(server.port))
    return server.stopped


def _started(pid: int) -> str:
    """A process's start time (field 22 of /proc/PID/stat): tells a reused pid apart."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(tree: dict[int, str]) -> list[int]:
    """The processes of ``tree`` still running (not zombies, not a new process on the pid)."""
    alive = []
    for pid, started in sorted(tree.items()):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if started and _started(pid) == started and "zombie" not in status.lower():
            alive.append(pid)
    return alive
