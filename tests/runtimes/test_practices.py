"""Serverless practices, proven on the local AWS: timeouts, retries + DLQ, reserved concurrency."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS

from .test_custom_runtime_exit import NO_RETRY, aws  # noqa: F401 - the module fixture

HANDLERS = Path(__file__).resolve().parents[2] / "labs/functions/serverless-practices/handlers"


def _function(aws: LocalAWS, handler: str, **config: Any) -> str:  # noqa: F811
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{handler}.py", (HANDLERS / f"{handler}.py").read_text())
    role = aws.client("iam").create_role(
        RoleName=f"r-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    name = f"fn-{uuid.uuid4().hex[:8]}"
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler=f"{handler}.handler",
        Code={"ZipFile": buffer.getvalue()},
        **config,
    )
    return name


def test_sp_function_timeout_message(aws: LocalAWS) -> None:  # noqa: F811
    """Verifies: sp.function-timeout-message

    A handler waiting on a slow call past its timeout is stopped with 'Task timed out after
    N seconds' (so every layer's timeout must be shorter than its caller's)."""
    name = _function(aws, "slow_call", Timeout=1)
    reply = aws.client("lambda", config=NO_RETRY).invoke(
        FunctionName=name, Payload=b'{"seconds": 5}'
    )
    body = json.loads(reply["Payload"].read())
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_sp_async_dlq_after_retries(aws: LocalAWS) -> None:  # noqa: F811
    """Verifies: sp.async-dlq-after-retries

    An asynchronous event that keeps failing is tried three times (two retries), then lands
    in the function's DLQ with RequestID, ErrorCode and ErrorMessage attributes."""
    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = _function(aws, "flaky", DeadLetterConfig={"TargetArn": arn})
    lam = aws.client("lambda", config=NO_RETRY)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"bad": true, "id": 7}')
    deadline = time.monotonic() + 30
    messages: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not messages:
        messages = sqs.receive_message(
            QueueUrl=queue, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
    assert messages, "the failed event never reached the DLQ"
    attributes = messages[0]["MessageAttributes"]
    assert {"RequestID", "ErrorCode", "ErrorMessage"} <= set(attributes)
    assert attributes["ErrorMessage"]["StringValue"] == "cannot process order 7"
    assert json.loads(messages[0]["Body"]) == {"bad": True, "id": 7}
    logs = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    starts = [e for e in logs if e["message"].startswith("START RequestId")]
    assert len(starts) == 3


def test_sp_reserved_concurrency_throttle(aws: LocalAWS) -> None:  # noqa: F811
    """Verifies: sp.reserved-concurrency-throttle

    With reserved concurrency N, the N+1th concurrent synchronous call is throttled: 429
    TooManyRequestsException, reason ReservedFunctionConcurrentInvocationLimitExceeded.
    (Each call runs 6 s, so the first two still run when the third arrives on a loaded machine.)"""
    name = _function(aws, "db_writer", Timeout=10)
    lam = aws.client("lambda", config=NO_RETRY)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    results: list[Any] = []

    def call() -> None:
        client = aws.client("lambda", config=NO_RETRY)
        try:
            client.invoke(FunctionName=name, Payload=b'{"seconds": 6}')
            results.append("ok")
        except ClientError as exc:
            results.append(exc.response)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    errors = [r for r in results if r != "ok"]
    assert results.count("ok") == 2 and len(errors) == 1
    assert errors[0]["Error"]["Code"] == "TooManyRequestsException"
    assert errors[0]["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert errors[0]["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_sp_reserved_concurrency_zero(aws: LocalAWS) -> None:  # noqa: F811
    """Verifies: sp.reserved-concurrency-zero

    Reserved concurrency 0 stops every invocation at once, without deleting anything;
    removing it lets calls through again."""
    name = _function(aws, "flaky")
    lam = aws.client("lambda", config=NO_RETRY)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, Payload=b'{"id": 1}')
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    lam.delete_function_concurrency(FunctionName=name)
    reply = lam.invoke(FunctionName=name, Payload=b'{"id": 1}')
    assert json.loads(reply["Payload"].read()) == {"ok": 1}
