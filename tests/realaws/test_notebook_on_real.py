"""The notebook helpers run on a real target: ``lablib.start(target="aws")`` makes the RealAWS
the current target, so ``nb.deploy``, ``nb.invoke`` and ``check()`` use its (tagging, counted)
clients. The "real" account is the local AWS reached as if it were remote (its endpoint given
to the RealAWS, its STS answering the account lookup); nothing reaches real AWS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import boto3
import pytest

import lablib
import lablib.labs.lambda_invocation.checks  # noqa: F401  (registers the checks)
from lablib import notebook as nb
from lablib.aws import target
from lablib.aws.server import LocalAWS
from lablib.exercises import check
from lablib.labs.api_gateway import views as ag_lab
from lablib.notebook import _aws

BATCH = """\
import time

def process(item):
    time.sleep(0.2)
    return item * 2

def handler(event, context):
    done, left = [], list(event["items"])
    while left and context.get_remaining_time_in_millis() > 400:
        done.append(process(left.pop(0)))
    return {"done": done, "left": left}
"""


@pytest.fixture
def real(aws: LocalAWS, monkeypatch: pytest.MonkeyPatch) -> Iterator[target.RealAWS]:
    """A confirmed RealAWS (account by STS, answered locally) pointed at the local AWS."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)
    monkeypatch.delenv(target.CONFIRM_ENV, raising=False)
    monkeypatch.delenv(target.TARGET_ENV, raising=False)
    account = target.sts_account(None, aws.region)  # the local STS: 123456789012
    real = lablib.start(target="aws", confirm=f"{account}/{aws.region}", lab="lambda-invocation")
    real.endpoint = aws.endpoint
    try:
        yield real
    finally:
        lablib.stop()


def test_start_on_aws_makes_it_the_current_target(real: target.RealAWS) -> None:
    assert lablib._current is real
    assert _aws.current() is real
    assert isinstance(real, target.Target)
    lablib.stop()
    assert lablib._current is None
    assert real.running is False


def test_local_aws_is_a_target_too(aws: LocalAWS) -> None:
    assert isinstance(aws, target.Target)
    assert aws.account == target.sts_account(None, aws.region)


def test_deploy_and_invoke_through_the_real_target(real: target.RealAWS) -> None:
    deployment = nb.deploy_code("rr-echo", "def handler(event, context):\n    return event\n")
    assert deployment.name == "rr-echo"
    view = nb.invoke("rr-echo", {"hello": "real"})
    assert view.payload == {"hello": "real"}
    # created by the RealAWS's client, so tagged for `lablib cleanup`
    lam = real.client("lambda")
    arn = lam.get_function(FunctionName="rr-echo")["Configuration"]["FunctionArn"]
    assert lam.list_tags(Resource=arn)["Tags"].get("lablib:lab") == "lambda-invocation"
    assert real.budget is not None and real.budget.calls > 0


def test_a_lab_01_check_passes_against_the_real_target(real: target.RealAWS) -> None:
    nb.deploy_code("li-batch", BATCH, timeout=1)
    result = check("lambda-invocation/timeout")
    assert result.passed, result


def test_stage_url_follows_the_target(aws: LocalAWS, real: target.RealAWS) -> None:
    local_form = f"{aws.endpoint}/restapis/abc123/dev/_user_request_/orders"
    assert ag_lab.stage_url("abc123", "dev", "/orders") == local_form
    assert nb.stage_url("abc123", "dev", "/orders") == local_form
    real.endpoint = None  # AWS's own endpoints: the execute-api host
    real_form = f"https://abc123.execute-api.{real.region}.amazonaws.com/dev/orders"
    assert ag_lab.stage_url("abc123", "dev", "/orders") == real_form
    assert nb.stage_url("abc123", "dev", "orders") == real_form
    assert (
        nb.stage_url("abc123", "dev")
        == f"https://abc123.execute-api.{real.region}.amazonaws.com/dev/"
    )


def test_account_and_region_come_from_the_target(real: target.RealAWS) -> None:
    real.account, real.region = "210987654321", "eu-west-1"
    assert nb.account() == "210987654321"
    uri = ag_lab.lambda_uri("ag-apiname")
    assert "arn:aws:lambda:eu-west-1:210987654321:function:ag-apiname" in uri
    assert uri.startswith("arn:aws:apigateway:eu-west-1:lambda:path/")


def test_local_account_without_a_real_target(aws: LocalAWS) -> None:
    assert lablib._current is None or not isinstance(lablib._current, target.RealAWS)
    assert nb.account() == target.sts_account(None, aws.region)


def test_the_clock_of_a_real_target_runs_in_real_time(real: target.RealAWS) -> None:
    clock = real.clock
    assert clock.scale == 1
    assert clock.real_seconds(90) == 90
    assert "real time" in clock.describe()
    began = time.monotonic()
    assert clock.sleep(0.2) is True
    assert time.monotonic() - began >= 0.2
    stop = threading.Event()
    stop.set()
    assert clock.sleep(60, stop) is False
    assert abs(clock.now() - time.time()) < 5
