"""lablib.start(), the context-manager form, the environment it sets, and the loopback guard."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
import pytest

import lablib
from lablib.aws.clock import ClockError, LabClock
from lablib.aws.guard import NotLoopbackError, is_loopback


def test_context_manager_sets_and_restores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with lablib.LocalAWS() as aws:
        assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint
        assert aws.endpoint.startswith("http://127.0.0.1:")
        assert "AWS_PROFILE" not in os.environ
        # A plain boto3 client with no endpoint reaches the local AWS.
        sqs = boto3.client("sqs")
        sqs.create_queue(QueueName="plain-client")
        assert any("plain-client" in url for url in sqs.list_queues()["QueueUrls"])
        assert "lab clock" in repr(aws)
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert os.environ["AWS_PROFILE"] == "someone-real"
    assert not aws.running


def test_start_is_idempotent_and_stop_stops() -> None:
    first = lablib.start()
    try:
        assert lablib.start() is first
        assert first.started_in_s > 0  # measured (benchmarks/invoke.py reports it)
    finally:
        lablib.stop()
    assert not first.running


FRESH = """
import lablib
first = lablib.start()
first.client("sqs").create_queue(QueueName="left-from-run-one")
second = lablib.start(fresh=True)  # a lab's setup cell run again
assert second is not first and not first.running and second.running
print(second.client("sqs").list_queues().get("QueueUrls", []))
lablib.stop()
"""


def test_fresh_start_begins_again_from_nothing(tmp_path: Path) -> None:
    """As in a notebook kernel (its own process, one local AWS at a time)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=180,
        env={**os.environ, "LABLIB_HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


FRESH_FUNCTION = """
import io, json, zipfile
import lablib

def code(value):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", f"def handler(event, context):\\n    return {value}\\n")
    return buffer.getvalue()

def run(aws, value):
    role = aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    lam = aws.client("lambda")
    lam.create_function(FunctionName="same-name", Runtime="python3.12", Handler="app.handler",
                        Role=role["Role"]["Arn"], Code={"ZipFile": code(value)})
    lam.get_waiter("function_active_v2").wait(FunctionName="same-name")
    return [json.load(lam.invoke(FunctionName="same-name")["Payload"]) for _ in range(3)]

print(run(lablib.start(), 1))
print(run(lablib.start(fresh=True), 2))  # the same name in a new, empty local AWS
lablib.stop()
"""


def test_a_fresh_start_never_answers_from_the_old_state(tmp_path: Path) -> None:
    """moto's backends are looked up through a cache on the hot path: after a fresh start
    (moto's reset) the same function name runs the new code, never the old one."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FRESH_FUNCTION], capture_output=True, text=True, timeout=180,
        env={**os.environ, "LABLIB_HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-2:] == ["[1, 1, 1]", "[2, 2, 2]"]


def test_loopback_guard(aws: Any) -> None:
    with pytest.raises(NotLoopbackError, match="only talks to 127.0.0.1"):
        aws.client("s3", endpoint_url="https://s3.amazonaws.com")
    assert aws.client("s3", endpoint_url="https://s3.amazonaws.com", allow_remote=True)
    assert is_loopback("http://localhost:4566") and is_loopback("http://[::1]:1")
    assert not is_loopback("http://10.0.0.1:4566")


def test_lab_clock_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABLIB_CLOCK_SCALE", "1")
    assert LabClock().real_seconds(60) == 60
    assert "real time" in LabClock().describe()
    monkeypatch.setenv("LABLIB_CLOCK_SCALE", "fast")
    with pytest.raises(ClockError, match="not a number"):
        LabClock()
    assert LabClock(60).real_seconds(120) == 2
