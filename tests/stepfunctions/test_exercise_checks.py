"""Lab 05's Retry/Catch exercise check: the answer passes, step 5's values and each typical
wrong answer fail, each with its own diagnosis (the step that failed and its hint)."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.step_functions.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check

BUSY = {"ErrorEquals": ["PaymentBusy"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 3}
CAUGHT = {
    "ErrorEquals": ["CardDeclined", "PaymentBusy"],
    "ResultPath": "$.error",
    "Next": "PaymentFailed",
}
STEP5_RETRY = [dict(BUSY, IntervalSeconds=30)]
STEP5_CATCH = [{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.error", "Next": "PaymentFailed"}]

WRONG: list[tuple[str, Any, Any, str, str]] = [
    ("unfilled (the learner copy)", ..., ..., "PAY_RETRY is filled in", "placeholder"),
    ("a dict, not a list", BUSY, [CAUGHT], "PAY_RETRY has the right type", "list"),
    ("step 5 copied", STEP5_RETRY, STEP5_CATCH, "after the last retry", "catch PaymentBusy"),
    ("no retry on PaymentBusy", [], [CAUGHT], "busy twice succeeds", "MaxAttempts of at least 2"),
    ("too few retries", [dict(BUSY, MaxAttempts=1)], [CAUGHT], "busy twice succeeds", "at least 2"),
    (
        "retried for ever",
        [dict(BUSY, MaxAttempts=8)],
        [CAUGHT],
        "at most 3 retries",
        "PaymentFailed",
    ),
    ("no catch", [BUSY], [], "Catch entry leads to PaymentFailed", "Catch entry"),
    (
        "retries the decline",
        [dict(BUSY, ErrorEquals=["States.ALL"])],
        [CAUGHT],
        "not retried",
        "CardDeclined",
    ),
    (
        "error replaces the order",
        [BUSY],
        [dict(CAUGHT, ResultPath="$")],
        "order plus the error",
        "ResultPath",
    ),
]


def test_the_answer_passes(aws: Any, lab_fn: Any) -> None:
    result = check(
        "step-functions/retry-catch", retry=[BUSY], catch=[CAUGHT], charge_arn=lab_fn("charge_card")
    )
    assert result.passed, repr(result)


@pytest.mark.parametrize(
    ("label", "retry", "catch", "step", "hint"), WRONG, ids=[w[0] for w in WRONG]
)
def test_each_wrong_answer_gets_its_own_diagnosis(
    aws: Any, lab_fn: Any, label: str, retry: Any, catch: Any, step: str, hint: str
) -> None:
    result = check(
        "step-functions/retry-catch", retry=retry, catch=catch, charge_arn=lab_fn("charge_card")
    )
    assert not result.passed, f"{label}: passed"
    failure = result.failure
    assert failure is not None and step in failure.what, (label, repr(result))
    assert hint in failure.hint + failure.got, (label, repr(result))


def test_an_unanswered_approval_is_explained(aws: Any, runner: Any, sfn: Any) -> None:
    """The learner copy starts the approval and answers nothing: the check says the execution
    still waits for its token (no raw ExecutionTimeout)."""
    queue = aws.client("sqs").create_queue(QueueName="sf-check-approvals")["QueueUrl"]
    waiting = {
        "StartAt": "AskManager",
        "States": {
            "AskManager": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                "ResultPath": "$.approval",
                "End": True,
            }
        },
    }
    arn = runner.start(runner.machine(waiting), {"orderId": "o-77"})
    try:
        result = check("step-functions/approve", execution_arn=arn)
    finally:
        sfn.stop_execution(executionArn=arn)
    failure = result.failure
    assert failure is not None and "finished" in failure.what, repr(result)
    assert "still RUNNING" in failure.got and "send_task_success" in failure.hint
    missing = arn + "-missing"
    result = check("step-functions/approve", execution_arn=missing)
    assert result.failure is not None and "is the approval execution" in result.failure.what
