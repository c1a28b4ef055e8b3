"""Settings a class on one server uses (deploy/jupyterhub/): unused warm environments stop
after LABLIB_ENV_IDLE_SECONDS, and LABLIB_WARM=0 starts no background import."""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid

import pytest

from lablib.aws.server import LocalAWS
from tests.support import children_of, zip_of

# The host's Python: its environments fork from the main zygote (another version's zygote
# is a process of its own that stays).
HOST_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def test_unused_environments_stop_after_the_configured_idle_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LABLIB_ENV_IDLE_SECONDS", "1")
    monkeypatch.setenv("LABLIB_WARM", "0")
    local = LocalAWS().start()
    try:
        assert local.scheduler.idle_seconds == 1.0
        assert not [t for t in threading.enumerate() if t.name == "lablib-warm" and t.is_alive()]
        lam = local.client("lambda")
        name = f"idle-{uuid.uuid4().hex[:8]}"
        iam = local.client("iam")
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = {"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return 1\n"})}
        lam.create_function(
            FunctionName=name, Runtime=HOST_RUNTIME, Role=role, Handler="app.handler", Code=code
        )
        before = children_of(os.getpid())
        assert lam.invoke(FunctionName=name)["StatusCode"] == 200
        started = children_of(os.getpid()) - before
        assert started  # the warm environment's process(es)
        deadline = time.monotonic() + 60  # reaped 1 s after its last use, on a loaded machine
        while started & children_of(os.getpid()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started & children_of(os.getpid()) == set()
        lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName=name)
    finally:
        local.stop()
