"""Callbacks (.waitForTaskToken): success, failure, heartbeat, and wrong or reused tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.stepfunctions.history import history
from lablib.stepfunctions.wait import wait_for_execution
from tests.stepfunctions.conftest import Runner, output_of
from tests.support import wait_until


@pytest.fixture(scope="module")
def queue(aws: Any) -> str:
    url: str = aws.client("sqs").create_queue(QueueName="sf-approvals")["QueueUrl"]
    return url


def approval_machine(queue_url: str, heartbeat: int | None = None) -> dict[str, Any]:
    ask: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": queue_url,
            "MessageBody": {"token.$": "$$.Task.Token", "orderId.$": "$.orderId"},
        },
        "ResultPath": "$.approval",
        "End": True,
    }
    if heartbeat:
        ask["HeartbeatSeconds"] = heartbeat
    return {"StartAt": "AskManager", "States": {"AskManager": ask}}


def receive_token(aws: Any, queue_url: str) -> dict[str, Any]:
    sqs = aws.client("sqs")

    def received() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=queue_url, WaitTimeSeconds=0
        ).get("Messages", [])
        return found

    messages = wait_until(received, every=0.02, what="an approval request on the queue")
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    body: dict[str, Any] = json.loads(messages[0]["Body"])
    return body


def test_send_task_success_resumes_the_execution(
    runner: Runner, sfn: Any, aws: Any, queue: str
) -> None:
    arn = runner.start(runner.machine(approval_machine(queue)), {"orderId": 5})
    body = receive_token(aws, queue)
    assert body["orderId"] == 5
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    sfn.send_task_heartbeat(taskToken=body["token"])
    sfn.send_task_success(taskToken=body["token"], output=json.dumps({"approved": True}))
    described = wait_for_execution(sfn, arn, timeout=60, progress=False)
    assert output_of(described) == {"orderId": 5, "approval": {"approved": True}}
    types = [r.type for r in history(sfn, arn).rows]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")


def test_send_task_failure_fails_the_task_with_its_error(
    runner: Runner, sfn: Any, aws: Any, queue: str
) -> None:
    arn = runner.start(runner.machine(approval_machine(queue)), {"orderId": 6})
    token = receive_token(aws, queue)["token"]
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="manager said no")
    described = wait_for_execution(sfn, arn, timeout=60, progress=False)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "Rejected",
        "manager said no",
    )


def test_wrong_token_is_invalid_token(sfn: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sfn.send_task_success(taskToken="not-a-token", output="{}")
    assert caught.value.response["Error"]["Code"] == "InvalidToken"
    with pytest.raises(ClientError) as caught:
        sfn.send_task_heartbeat(taskToken="not-a-token")
    assert caught.value.response["Error"]["Code"] == "InvalidToken"


def test_reused_token_is_task_timed_out(runner: Runner, sfn: Any, aws: Any, queue: str) -> None:
    arn = runner.start(runner.machine(approval_machine(queue)), {"orderId": 7})
    token = receive_token(aws, queue)["token"]
    sfn.send_task_success(taskToken=token, output="{}")
    wait_for_execution(sfn, arn, timeout=60, progress=False)
    for call in (
        lambda: sfn.send_task_success(taskToken=token, output="{}"),
        lambda: sfn.send_task_failure(taskToken=token, error="Late"),
        lambda: sfn.send_task_heartbeat(taskToken=token),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "TaskTimedOut"


def test_missed_heartbeat_fails_with_heartbeat_timeout(
    runner: Runner, sfn: Any, aws: Any, queue: str
) -> None:
    arn = runner.start(runner.machine(approval_machine(queue, heartbeat=1)), {"orderId": 8})
    token = receive_token(aws, queue)["token"]
    described = wait_for_execution(sfn, arn, timeout=60, progress=False)
    assert described["error"] == "States.HeartbeatTimeout"
    with pytest.raises(ClientError) as caught:
        sfn.send_task_success(taskToken=token, output="{}")
    assert caught.value.response["Error"]["Code"] == "TaskTimedOut"


def test_lambda_callback_pattern(runner: Runner, sfn: Any, lab_fn: Any) -> None:
    """A function receives the token in its payload (here it simply returns it)."""
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": lab_fn("check_fraud"),
                    "Payload": {"total": 10, "token.$": "$$.Task.Token"},
                },
                "End": True,
            }
        },
    }
    arn = runner.start(runner.machine(definition))
    scheduled = wait_until(
        lambda: [r for r in history(sfn, arn).events if r["type"] == "TaskScheduled"],
        every=0.02,
        what="TaskScheduled in the history",
    )
    token = json.loads(scheduled[0]["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
    sfn.send_task_success(taskToken=token, output='"ok"')
    assert output_of(wait_for_execution(sfn, arn, timeout=60, progress=False)) == "ok"
