"""Handlers that fork: the children belong to the environment. Retiring it, stopping the
local AWS, or passing the memory limit kills the whole tree, and memory counts all of it."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from lablib.aws.server import LocalAWS
from tests.faults.conftest import descendants, gone, wait_for
from tests.support import NO_RETRY, zip_of

FORKS = """
import os, subprocess, sys, time

def daemon():
    # The classic double fork: the grandchild leaves the group and the session.
    read, write = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        second = os.fork()
        if second == 0:
            os.write(write, str(os.getpid()).encode())
            time.sleep(600)
            os._exit(0)
        os._exit(0)
    os.waitpid(first, 0)
    os.close(write)
    return int(os.read(read, 32))

def handler(event, context):
    if event.get("hog"):
        hog = "import time; x = bytearray(300 << 20); x[::4096] = b'x' * (len(x) // 4096)"
        child = subprocess.Popen([sys.executable, "-c", hog + "; time.sleep(120)"])
        print(f"child {child.pid}", flush=True)
        time.sleep(60)
        return "not reached"
    plain = subprocess.Popen(["sleep", "600"]).pid
    return {"plain": plain, "daemon": daemon(), "worker": os.getpid()}
"""


def test_retiring_an_environment_kills_what_its_handler_forked(
    aws: LocalAWS, lam: Any, make_function: Any
) -> None:
    name = make_function(FORKS, Timeout=30)
    pids = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    below = descendants(pids["worker"])
    assert {pids["plain"], pids["daemon"]} <= below  # the daemon stayed in the tree
    lam.update_function_configuration(FunctionName=name, Description="retire the old one")
    for pid in (pids["worker"], pids["plain"], pids["daemon"]):
        wait_for(lambda pid=pid: gone(pid), what=f"process {pid} to end")


def test_memory_limit_counts_forked_children(aws: LocalAWS, lam: Any, make_function: Any) -> None:
    name = make_function(FORKS, Timeout=60, MemorySize=128)
    response = lam.invoke(FunctionName=name, Payload=b'{"hog": true}', LogType="Tail")
    body = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: signal: killed")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "Max Memory Used: 128 MB" in log
    child = int(re.search(r"child (\d+)", log).group(1))  # type: ignore[union-attr]
    wait_for(lambda: gone(child), what="the memory-hungry child to end")


def test_stopping_the_local_aws_kills_forked_children(fresh_aws: LocalAWS) -> None:
    lam = fresh_aws.client("lambda", config=NO_RETRY)
    role = fresh_aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    lam.create_function(
        FunctionName="forks", Runtime="python3.12", Role=role["Role"]["Arn"],
        Handler="app.handler", Code={"ZipFile": zip_of({"app.py": FORKS})},
    )  # fmt: skip
    pids = json.loads(lam.invoke(FunctionName="forks")["Payload"].read())
    zygote = fresh_aws.executor.pid
    fresh_aws.stop()
    for pid in (zygote, pids["worker"], pids["plain"], pids["daemon"]):
        wait_for(lambda pid=pid: gone(pid), what=f"process {pid} to end")
