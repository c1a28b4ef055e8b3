"""The memory watchdog costs nothing while no invocation runs (issue 26: idle footprint) and
still enforces the memory limit as soon as one starts."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable

import pytest

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, zip_of

HOST_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
HOG = """
import time
def handler(event, context):
    print("allocating")
    hog = []
    for _ in range(2000):
        hog.append(bytearray(1024 * 1024))
        time.sleep(0.002)
    return len(hog)
"""
WAIT = """
import socket
def handler(event, context):
    if event.get("port"):  # wait until the test says go (loopback is shared)
        with socket.create_connection(("127.0.0.1", event["port"])) as sock:
            sock.settimeout(100)
            sock.recv(2)
    return "done"
"""


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def test_watchdog_sleeps_while_idle_and_wakes_for_an_invocation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LABLIB_WARM", "0")
    local = LocalAWS().start()  # its own server: nothing else may be in flight here
    try:
        scheduler = local.scheduler
        lam = local.client("lambda", config=NO_RETRY)
        iam = local.client("iam")
        role = iam.create_role(RoleName="wd", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

        def create(code: str, **config: object) -> str:
            name = f"wd-{uuid.uuid4().hex[:8]}"
            lam.create_function(
                FunctionName=name, Runtime=HOST_RUNTIME, Role=role, Handler="app.handler",
                Code={"ZipFile": zip_of({"app.py": code})}, **config,
            )  # fmt: skip
            return name

        waiter = create(WAIT, Timeout=120)
        assert lam.invoke(FunctionName=waiter)["StatusCode"] == 200
        assert scheduler.environments == 1  # one warm environment, idle

        # Idle: the watchdog waits on a condition, it does not poll. Asserting "no pass at
        # all" over any stretch holds however loaded the machine is.
        wait_for(lambda: scheduler.watchdog_parked, "the watchdog to park")
        passes = scheduler.watchdog_passes
        time.sleep(0.5)
        assert scheduler.watchdog_parked
        assert scheduler.watchdog_passes == passes

        # An invocation in flight wakes it: it samples while the handler runs.
        listener = socket.create_server(("127.0.0.1", 0))
        payload = json.dumps({"port": listener.getsockname()[1]}).encode()
        result: list[bytes] = []
        thread = threading.Thread(
            target=lambda: result.append(
                lam.invoke(FunctionName=waiter, Payload=payload)["Payload"].read()
            )
        )
        thread.start()
        wait_for(lambda: scheduler.busy_environments == 1, "the invocation to start")
        wait_for(lambda: scheduler.watchdog_passes >= passes + 3, "the watchdog to sample")
        listener.settimeout(60)
        connection, _ = listener.accept()
        connection.sendall(b"go")
        thread.join(120)
        connection.close()
        listener.close()
        assert result == [b'"done"']
        wait_for(lambda: scheduler.watchdog_parked, "the watchdog to park again")

        # Woken from its parked state, it still kills an environment over its memory size.
        hog = create(HOG, MemorySize=128, Timeout=60)
        response = lam.invoke(FunctionName=hog)
        body = json.loads(response["Payload"].read())
        assert response["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.ExitError"
        assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    finally:
        local.stop()
