"""deploy/jupyterhub/jupyterhub_config.py, for real: jupyterhub (dummy authenticator, the
config's shared-uid local spawner, configurable-http-proxy from npm) on loopback with 5
learners who run lab 01 at the same time through the hub's API. Every run passes, same-named
functions and /tmp files of two learners do not see each other, and stopping the hub leaves
no process, listening port or run state behind."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest
import requests

from tests.hub.remote_kernel import RemoteKernel

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
LAB = ROOT / "labs" / "01-lambda-invocation.ipynb"
USERS = [f"learner{i}" for i in range(1, 6)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    root: Path
    log: Path

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs
        )  # type: ignore[arg-type]

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for(what: str, check: object, seconds: float, hub: Hub) -> None:
    """Poll ``check()`` (bounded in time) until it is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert hub.process.poll() is None, f"jupyterhub exited:\n{hub.tail()}"
        try:
            if check():  # type: ignore[operator]
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds} s\n{hub.tail()}")


@pytest.fixture
def hub(chp: Path) -> Iterator[Hub]:
    root = ROOT / "build" / "hub-test" / str(os.getpid())
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    port, token = free_port(), secrets.token_hex(16)
    overlay = root / "test_config.py"
    overlay.write_text(
        f"load_subconfig({str(CONFIG)!r})\n"
        "c.JupyterHub.authenticator_class = 'dummy'\n"
        "c.Authenticator.allow_all = True\n"
        f"c.JupyterHub.port = {port}\n"
        f"c.JupyterHub.hub_port = {free_port()}\n"
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'\n"
        f"c.ConfigurableHTTPProxy.command = [{str(chp)!r}]\n"
        f"c.JupyterHub.services = [{{'name': 'lablib-test', 'api_token': {token!r}}}]\n"
        "c.JupyterHub.load_roles = [{'name': 'lablib-test', 'services': ['lablib-test'],\n"
        "    'scopes': ['admin:users', 'admin:servers', 'access:servers', 'list:users']}]\n"
    )
    env = dict(os.environ)
    env.update(
        LABLIB_HUB_USERS="shared", LABLIB_HUB_ROOT=str(root), LABLIB_HUB_LABS=str(ROOT / "labs")
    )
    log = root / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(overlay)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    hub = Hub(f"http://127.0.0.1:{port}", token, process, root, log)
    try:
        wait_for("the hub answers", lambda: hub.api("GET", "/").ok, 90, hub)
        yield hub
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(process.pid).children(recursive=True):
                    child.kill()
                process.kill()
                process.wait(timeout=10)


def start_server(hub: Hub, user: str) -> str:
    """Create ``user`` and start their server through the hub's API; its URL behind the proxy."""
    assert hub.api("POST", f"/users/{user}").status_code == 201
    started = hub.api("POST", f"/users/{user}/server")
    assert started.status_code in (201, 202), started.text

    def ready() -> bool:
        server = hub.api("GET", f"/users/{user}").json()["servers"].get("", {})
        return bool(server.get("ready"))

    wait_for(f"{user}'s server is ready", ready, 150, hub)
    return f"{hub.url}/user/{user}"


def run_lab(base: str, token: str) -> tuple[RemoteKernel, list[str]]:
    """Upload the reference lab 01 to the learner's server and run each code cell in a kernel."""
    lab = nbformat.read(LAB, as_version=4)
    put = requests.put(
        f"{base}/api/contents/lab01.ipynb",
        json={"type": "notebook", "format": "json", "content": lab},
        headers={"Authorization": f"token {token}"},
        timeout=60,
    )
    assert put.status_code in (200, 201), put.text
    kernel = RemoteKernel(base, token, "lab01.ipynb")
    errors = []
    for index, cell in enumerate(lab.cells):
        if cell.cell_type == "code":
            result = kernel.run(cell.source, index)
            if result.error:
                errors.append(f"cell {index}: {result.error}")
    return kernel, errors


def create_same_named(kernel: RemoteKernel, user: str) -> None:
    code = (
        f"%%lambda hub-same-name --timeout 3\ndef handler(event, context):\n    return {user!r}\n"
    )
    assert not kernel.run(code).error
    probe = f"open('/tmp/hub-probe-{user}', 'w').write('{user}')"
    assert not kernel.run(probe).error


def what_it_sees(kernel: RemoteKernel) -> dict[str, object]:
    code = (
        "import glob, json, os\n"
        "print(json.dumps({'who': json.loads(lam.invoke(FunctionName='hub-same-name')"
        "['Payload'].read()), 'endpoint': aws.endpoint, 'home': os.environ['LABLIB_HOME'],"
        " 'probes': sorted(glob.glob('/tmp/hub-probe-*')),"
        " 'functions': len(lam.list_functions()['Functions'])}))"
    )
    result = kernel.run(code)
    assert not result.error, result.error
    lines = [line for line in "".join(result.text).splitlines() if line.startswith("{")]
    assert len(lines) == 1, result
    seen: dict[str, object] = json.loads(lines[0])
    return seen


def alive(pid: int, created: float) -> bool:
    try:
        process = psutil.Process(pid)
        return process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def check_learners(
    hub: Hub, kernels: list[RemoteKernel], runs: list[tuple[RemoteKernel, list[str]]]
) -> tuple[dict[int, float], set[int]]:
    """Every run passed; learners are apart; what runs now (processes and listening ports)."""
    assert {user: errors for user, (_, errors) in zip(USERS, runs, strict=True)} == {
        user: [] for user in USERS
    }

    # Every learner creates a function of the same name, then every learner calls it.
    for kernel, user in zip(kernels, USERS, strict=True):
        create_same_named(kernel, user)
    seen = {user: what_it_sees(kernel) for kernel, user in zip(kernels, USERS, strict=True)}
    for user in USERS:
        assert seen[user]["who"] == user
        assert seen[user]["home"] == str(hub.root / "learners" / user / ".lablib")
        if os.geteuid() == 0:  # a private /tmp needs a mount namespace (root)
            assert seen[user]["probes"] == [f"/tmp/hub-probe-{user}"]
    assert len({seen[user]["endpoint"] for user in USERS}) == len(USERS)
    assert not list(Path("/tmp").glob("hub-probe-learner*")) or os.geteuid() != 0

    # What is running now: the hub, the proxy, 5 servers, their kernels and local AWSs
    # (function workers come and go: one that ended meanwhile is simply not counted).
    started: dict[int, float] = {}
    ports: set[int] = set()
    hub_process = psutil.Process(hub.process.pid)
    for process in [hub_process, *hub_process.children(recursive=True)]:
        try:
            started[process.pid] = process.create_time()
            ports |= {
                c.laddr.port
                for c in process.net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN
            }
        except psutil.NoSuchProcess:
            continue
    assert len(started) >= 1 + 1 + 2 * len(USERS) and len(ports) >= 2 + 2 * len(USERS)

    return started, ports


@pytest.mark.timeout(600)  # 5 labs at once, 2 cores: 4.5 min at load average 20, 7 at 35
def test_five_learners_run_lab_01_at_once_through_the_hub(hub: Hub) -> None:
    with ThreadPoolExecutor(len(USERS)) as pool:
        bases = list(pool.map(lambda user: start_server(hub, user), USERS))
        runs = list(pool.map(lambda base: run_lab(base, hub.token), bases))
    kernels = [kernel for kernel, _ in runs]
    try:
        started, ports = check_learners(hub, kernels, runs)
    finally:
        for kernel in kernels:
            kernel.close()
    for user in USERS:
        assert hub.api("DELETE", f"/users/{user}/server").status_code in (202, 204)
    hub.process.send_signal(signal.SIGTERM)
    assert hub.process.wait(timeout=60) == 0, hub.tail()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(*item) for item in started.items()):
        time.sleep(0.5)
    assert [pid for pid, created in started.items() if alive(pid, created)] == []
    listening = {
        c.laddr.port
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in started and c.laddr.port in ports
    }
    assert listening == set()
    for user in USERS:  # each local AWS removed its run state when its kernel stopped
        run = hub.root / "learners" / user / ".lablib" / "run"
        assert not run.exists() or list(run.iterdir()) == []
    shutil.rmtree(hub.root)
