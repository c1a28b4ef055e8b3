"""Handler code against the machine it runs on, through the public interfaces only (`lablib
serve` in its own process, boto3): real secrets in the server's environment, other processes'
environ and memory, other functions' code and /tmp, lablib's own files, root privileges.
Every attack must fail and the server must keep serving."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import NO_RETRY, zip_of

ROOT = Path(__file__).resolve().parents[2]
SECRET = f"REALSECRET-{uuid.uuid4().hex}"
TOKEN = f"tok-{uuid.uuid4().hex}"
HOME = Path(os.environ["LABLIB_HOME"])

# Walks /proc and reports every environ, memory or signal it could reach beyond its own.
SNOOP = r"""
import json, os, signal

def handler(event, context):
    me = os.getpid()
    found = {"environ": [], "mem": [], "signal": [], "errors": 0, "pids": []}
    own = open("/proc/self/environ", "rb").read().decode("latin-1")
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        pid = int(name)
        found["pids"].append(pid)
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read().decode("latin-1")
            found["environ"].append([pid, environ])
        except OSError:
            found["errors"] += 1
        try:
            with open(f"/proc/{pid}/mem", "rb") as mem:
                found["mem"].append(pid)
        except OSError:
            pass
        if pid != os.getppid():
            continue
        try:
            os.kill(pid, 0)
            found["signal"].append(pid)
        except OSError:
            pass
    return {"own": own, "env": dict(os.environ), "ppid": os.getppid(), "found": found}
"""

PROBE = r"""
import os

def handler(event, context):
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    result = {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "no_new_privs": status["NoNewPrivs"].strip(), "cap_eff": status["CapEff"].strip(),
        "cwd": os.getcwd(), "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "own_code": sorted(os.listdir(os.environ["LAMBDA_TASK_ROOT"])),
        "root": sorted(os.listdir("/")), "marker": MARKER,
    }
    for path in event.get("paths", []):
        result[path] = os.path.exists(path) and (not os.path.isdir(path) or bool(os.listdir(path)))
    attempts = {}
    for target in event.get("write", []):
        try:
            with open(target, "a") as handle:
                handle.write("# tampered\n")
            attempts[target] = "written"
        except OSError as exc:
            attempts[target] = type(exc).__name__
    result["writes"] = attempts
    if event.get("tmp_marker"):
        with open("/tmp/" + event["tmp_marker"], "w") as handle:
            handle.write("mine")
    result["tmp"] = sorted(os.listdir("/tmp"))
    home = event.get("home")
    result["home"] = sorted(os.listdir(home)) if home and os.path.isdir(home) else []
    result["hits"] = []
    if event.get("find"):  # every folder a handler can see but the system ones
        seen = 0
        tops = sorted(set(os.listdir("/")) - {"proc", "sys", "dev", "usr", "etc"})
        for folder, dirs, files in (w for top in tops for w in os.walk("/" + top)):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in event["skip"]]
            seen += 1 + len(files)
            if event["find"] in files or event["find"] in dirs:
                result["hits"].append(folder)
            if seen > 1_000_000:
                result["hits"].append("too many files to search")
                break
        result["searched"] = seen
    return result
"""


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, str]]:
    """`lablib serve` started from a shell environment holding real-looking secrets."""
    env = dict(os.environ, AWS_SECRET_ACCESS_KEY=SECRET, MY_TOKEN=TOKEN, LABLIB_HOME=str(HOME))
    proc = subprocess.Popen([sys.executable, "-m", "lablib", "serve"], stdout=subprocess.PIPE,
                            env=env, text=True, cwd=ROOT)  # fmt: skip
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().strip().split("=", 1)[1]
        session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                        region_name="us-east-1")  # fmt: skip
        role = session.client("iam", endpoint_url=endpoint).create_role(
            RoleName="sec", AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
        lam = session.client("lambda", endpoint_url=endpoint, config=NO_RETRY)
        lam.role = role
        yield lam, str(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def _create(lam: Any, code: str, **config: Any) -> str:
    name = f"sec-{uuid.uuid4().hex[:10]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=lam.role,
                        Handler="app.handler", Code={"ZipFile": zip_of({"app.py": code})},
                        **config)  # fmt: skip
    return name


def _invoke(lam: Any, name: str, event: Any = None) -> Any:
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    body = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    return body


def _still_serving(lam: Any) -> None:
    name = _create(lam, "def handler(event, context):\n    return {'ok': event['n'] + 1}\n")
    assert _invoke(lam, name, {"n": 41}) == {"ok": 42}


def test_no_real_secret_reaches_handler_code(served: tuple[Any, str]) -> None:
    """/proc/self/environ, the zygote's and the server's environ, any other process's: the
    shell's secrets appear nowhere a handler can read, and it cannot read other processes'
    environment or memory at all."""
    lam, server_pid = served
    name = _create(lam, SNOOP, Environment={"Variables": {"MINE": "visible"}})
    body = _invoke(lam, name)
    everything = json.dumps(body)
    assert SECRET not in everything and TOKEN not in everything
    assert body["env"]["MINE"] == "visible"
    assert body["env"]["AWS_SECRET_ACCESS_KEY"] == "local-lab-fake-secret"
    assert "MY_TOKEN" not in body["env"] and "MY_TOKEN" not in body["own"]
    found = body["found"]
    assert int(server_pid) in found["pids"], "the server is visible in /proc"
    if os.geteuid() == 0:  # handlers run as their own uid: nothing else is readable
        assert found["environ"] == [] and found["mem"] == [], found
        assert found["signal"] == [], "the handler may signal its zygote"
    else:  # same uid: the server and zygote are non-dumpable, so not readable
        readable = {pid for pid, _ in found["environ"]} | set(found["mem"])
        assert int(server_pid) not in readable and body["ppid"] not in readable
    _still_serving(lam)


def test_handler_runs_unprivileged_with_no_new_privs(served: tuple[Any, str]) -> None:
    lam, _ = served
    first = _invoke(lam, _create(lam, PROBE.replace("MARKER", "1")))
    second = _invoke(lam, _create(lam, PROBE.replace("MARKER", "2")))
    if os.geteuid() == 0:
        assert first["uid"] != 0 and first["euid"] != 0 and first["gid"] != 0
        assert first["groups"] == []
        assert first["uid"] != second["uid"], "two environments share a uid"
    else:
        assert first["uid"] == os.geteuid()
    assert first["no_new_privs"] == "1"
    assert int(first["cap_eff"], 16) == 0
    _still_serving(lam)


def test_code_is_read_only_and_at_var_task(served: tuple[Any, str]) -> None:
    lam, _ = served
    name = _create(lam, PROBE.replace("MARKER", "'original'"), MemorySize=128)
    body = _invoke(lam, name, {"write": ["/var/task/app.py", "/var/task/new.py", "/opt/x.py"]})
    assert body["task_root"] == body["cwd"] == "/var/task"
    assert body["own_code"] == ["app.py"]
    assert set(body["writes"].values()) <= {"PermissionError", "OSError"}, body["writes"]
    # A fresh environment (new configuration) still runs the original code.
    lam.update_function_configuration(FunctionName=name, MemorySize=256)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert _invoke(lam, name)["marker"] == "original"
    _still_serving(lam)


def test_other_functions_code_tmp_and_lablib_home_are_invisible(served: tuple[Any, str]) -> None:
    lam, _ = served
    secret_module = f"secret_module_{uuid.uuid4().hex[:8]}"
    tmp_marker = f"tmp-{uuid.uuid4().hex[:8]}"
    victim = _create(lam, PROBE.replace("MARKER", "'victim'"))
    lam.update_function_code(
        FunctionName=victim,
        ZipFile=zip_of({"app.py": PROBE.replace("MARKER", "'victim'"), f"{secret_module}.py": ""}),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=victim)
    assert tmp_marker in _invoke(lam, victim, {"tmp_marker": tmp_marker})["tmp"]
    spy = _create(lam, PROBE.replace("MARKER", "'spy'"), Timeout=120)
    # The Python installation is readable (read-only, root's): searching it proves nothing.
    python_dirs = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)})
    paths = [str(HOME), str(HOME / "run"), str(ROOT / "README.md"), str(ROOT / "pyproject.toml")]
    body = _invoke(lam, spy, {"paths": paths, "home": str(Path.home()),
                              "find": f"{secret_module}.py", "skip": python_dirs, "write": [
        str(HOME / "run" / "x"), str(ROOT / "tampered.py")]})  # fmt: skip
    assert body["hits"] == [] and body["searched"] > 100, body["hits"]
    assert tmp_marker not in body["tmp"]
    assert not any(body[path] for path in paths), {p: body[p] for p in paths}
    # The home folder shows only the way to the Python installation, if it lives there.
    python_homes = {Path(p).relative_to(Path.home()).parts[0] for p in (sys.prefix,
                    sys.base_prefix) if Path(p).is_relative_to(Path.home())}  # fmt: skip
    assert set(body["home"]) <= python_homes, body["home"]
    assert set(body["writes"].values()) <= {"PermissionError", "OSError", "FileNotFoundError"}
    assert not (ROOT / "tampered.py").exists()
    # The victim's own /tmp is intact and it still runs.
    assert tmp_marker in _invoke(lam, victim)["tmp"]
    _still_serving(lam)


def test_in_process_server_keeps_shell_secrets_from_handlers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The notebook case: lablib.start() in the kernel's own process."""
    import ctypes

    import lablib

    monkeypatch.setenv("MY_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    aws = lablib.start()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.prctl(3, 0, 0, 0, 0) == 0, "the server process is still dumpable"
        lam = aws.client("lambda", config=NO_RETRY)
        lam.role = aws.client("iam").create_role(
            RoleName="sec-inproc", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        body = _invoke(lam, _create(lam, SNOOP))
        assert SECRET not in json.dumps(body) and TOKEN not in json.dumps(body)
        readable = {pid for pid, _ in body["found"]["environ"]} | set(body["found"]["mem"])
        assert os.getpid() not in readable and body["ppid"] not in readable
        _still_serving(lam)
    finally:
        lablib.stop()


ESCAPE = r"""
import ctypes, os

def handler(event, context):
    libc = ctypes.CDLL(None, use_errno=True)
    seen = {}
    def look(step):
        try:
            seen[step] = sorted(os.listdir("/.old-root"))
        except OSError as exc:
            seen[step] = type(exc).__name__
    look("covered")
    seen["umount"] = libc.umount2(b"/.old-root", 2)
    look("after umount")
    # A user namespace of its own gives every capability inside it: try again from there.
    seen["unshare"] = libc.unshare(0x10000000 | 0x00020000)
    if seen["unshare"] == 0:
        seen["umount in userns"] = libc.umount2(b"/.old-root", 2)
        seen["remount rw"] = libc.mount(None, b"/var/task", None, 32 | 4096, None)
        look("in userns")
        seen["chroot escape"] = os.path.exists("/.old-root/etc")
    return seen
"""


def test_old_root_cannot_be_uncovered(served: tuple[Any, str]) -> None:
    """The host's root stays attached under an empty cover: neither umount nor a user
    namespace of the handler's own reveals it, and /var/task stays read-only there."""
    lam, _ = served
    seen = _invoke(lam, _create(lam, ESCAPE))
    assert seen["covered"] in ([], "PermissionError"), seen
    assert seen["umount"] != 0 and seen["after umount"] == seen["covered"], seen
    if seen["unshare"] == 0:
        assert seen["umount in userns"] != 0 and seen["remount rw"] != 0, seen
        assert seen["in userns"] == seen["covered"] and not seen["chroot escape"], seen
    _still_serving(lam)
