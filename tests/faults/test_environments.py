"""Workers that die while idle, and a zygote that dies: the runtime notices at once,
restarts what it must, answers in AWS's shapes and leaks nothing."""

from __future__ import annotations

import json
import os
import signal
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from tests.faults.conftest import env_dirs, gone, resources, wait_for
from tests.support import NO_RETRY, zip_of

PID = """
import os, time
def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"pid": os.getpid()}
"""


def call(lam: Any, name: str, event: dict[str, Any] | None = None) -> dict[str, Any]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    body: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body


def test_worker_dead_while_idle_gives_a_cold_start(
    aws: LocalAWS, lam: Any, make_function: Any
) -> None:
    name = make_function(PID, Timeout=60)
    first = call(lam, name)["pid"]
    assert first in aws.scheduler.worker_pids()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: gone(first), what="the killed worker to end")
    # The next invoke must not wait for the function timeout on the dead worker: it is a
    # fresh cold start in a new process (REPORT shows an Init Duration).
    response = lam.invoke(FunctionName=name, LogType="Tail")
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    assert body["pid"] != first
    import base64

    assert "Init Duration" in base64.b64decode(response["LogResult"]).decode()


def test_dead_idle_worker_is_dropped_from_the_pool_at_once(
    aws: LocalAWS, lam: Any, make_function: Any
) -> None:
    name = make_function(PID)
    pid = call(lam, name)["pid"]
    before = aws.scheduler.environments
    os.kill(pid, signal.SIGKILL)
    # The exit notification alone removes it (no invoke needed), and its folder goes too.
    wait_for(lambda: pid not in aws.scheduler.worker_pids(), what="the pool to drop the worker")
    assert aws.scheduler.environments == before - 1


def test_zygote_death_restarts_it_and_fails_in_flight_invokes(
    aws: LocalAWS, lam: Any, make_function: Any, capfd: Any
) -> None:
    name = make_function(PID, Timeout=60)
    call(lam, name)  # a warm environment exists
    old = aws.executor.zygote_pid("python3.12")  # the zygote of its Python version
    outcome: list[Any] = []

    def slow() -> None:
        try:
            outcome.append(lam.invoke(FunctionName=name, Payload=b'{"sleep": 50}'))
        except ClientError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    # the slow invoke runs in the warm environment (other tests' environments may exist too)
    wait_for(lambda: aws.scheduler.busy_environments >= 1, what="the slow invoke to start")
    os.kill(old, signal.SIGKILL)
    thread.join(60)
    assert not thread.is_alive()
    [failure] = outcome
    assert isinstance(failure, ClientError)
    assert failure.response["Error"]["Code"] == "ServiceException"
    assert failure.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    wait_for(
        lambda: aws.executor.restarts >= 1 and aws.executor.zygote_pid("python3.12") != old,
        what="a restart",
    )
    # Invokes work again, on the new zygote.
    assert call(lam, name)["pid"] in aws.scheduler.worker_pids()
    assert f"zygote process (pid {old}) died" in capfd.readouterr().err
    cloudwatch = aws.client("cloudwatch")
    metrics = cloudwatch.list_metrics(Namespace="LabLib/Runtime")["Metrics"]
    assert "ZygoteRestarts" in {metric["MetricName"] for metric in metrics}


def test_failed_invokes_leak_nothing_when_the_zygote_stays_down(fresh_aws: LocalAWS) -> None:
    aws = fresh_aws
    lam = aws.client("lambda", config=NO_RETRY)
    role = aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    lam.create_function(
        FunctionName="down",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": PID})},
    )
    aws.executor.restart_limit = 0  # the zygote is not restarted: every invoke now fails
    old = aws.executor.zygote_pid("python3.12")  # the zygote of its Python version
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: gone(old), what="the zygote to end")

    def failing() -> None:
        with pytest.raises(ClientError) as caught:
            lam.invoke(FunctionName="down")
        assert caught.value.response["Error"]["Code"] == "ServiceException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    for _ in range(5):  # warms boto3's connection pool, the server's threads, lazy plugins
        failing()
    before, dirs = resources(), env_dirs(aws)
    for _ in range(30):
        failing()
    after = resources()
    # A leak per failed invoke would show 30 more of each; allow a few for the process's
    # other work (a server thread still finishing, the other local AWS of this module).
    for kind in ("fds", "sockets", "threads"):
        assert after[kind] - before[kind] <= 3, (kind, before, after)
    assert env_dirs(aws) == dirs == 0
