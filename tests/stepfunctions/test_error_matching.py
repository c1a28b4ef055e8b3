"""Which errors Retry and Catch match, as AWS documents them: States.TaskFailed matches every
known error but States.Timeout (States.HeartbeatTimeout included); States.ALL matches every
error but the terminal States.DataLimitExceeded and States.Runtime."""

from __future__ import annotations

from typing import Any

import pytest

from lablib.stepfunctions.semantics import error_matches
from lablib.stepfunctions.wait import wait_for_execution
from tests.stepfunctions.conftest import Runner, output_of, task
from tests.stepfunctions.test_callbacks import approval_machine, receive_token


@pytest.mark.parametrize(
    ("error", "error_equals", "matched"),
    [
        ("ValueError", ["States.TaskFailed"], True),
        ("States.HeartbeatTimeout", ["States.TaskFailed"], True),
        ("States.Permissions", ["States.TaskFailed"], True),
        ("Lambda.Unknown", ["States.TaskFailed"], True),
        ("States.Timeout", ["States.TaskFailed"], False),
        ("States.Timeout", ["States.ALL"], True),
        ("States.Timeout", ["States.Timeout"], True),
        ("States.DataLimitExceeded", ["States.ALL"], False),
        ("States.DataLimitExceeded", ["States.TaskFailed"], False),
        ("States.Runtime", ["States.ALL"], False),
        ("States.Runtime", ["States.Runtime"], False),
        ("ValueError", ["KeyError"], False),
        ("ValueError", ["KeyError", "ValueError"], True),
    ],
)
def test_error_equals_rules(error: str, error_equals: list[str], matched: bool) -> None:
    assert error_matches(error, error_equals) is matched


@pytest.fixture(scope="module")
def queue(aws: Any) -> str:
    url: str = aws.client("sqs").create_queue(QueueName="sf-heartbeat-catch")["QueueUrl"]
    return url


def test_catch_on_task_failed_catches_a_heartbeat_timeout(
    runner: Runner, sfn: Any, aws: Any, queue: str
) -> None:
    """Verifies: sfn.taskfailed-matches-heartbeat (a missed heartbeat is caught by TaskFailed)."""
    definition = approval_machine(queue, heartbeat=1)
    ask = definition["States"]["AskManager"]
    del ask["End"]
    ask["Next"] = "Done"
    ask["Catch"] = [
        {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Escalate"}
    ]
    definition["States"]["Done"] = {"Type": "Pass", "End": True}
    definition["States"]["Escalate"] = {"Type": "Pass", "End": True}
    arn = runner.start(runner.machine(definition), {"orderId": 9})
    receive_token(aws, queue)  # never answered, never heartbeated
    described = wait_for_execution(sfn, arn, timeout=60, progress=False)
    assert output_of(described)["error"]["Error"] == "States.HeartbeatTimeout"


BIG_RESULT = "def handler(event, context):\n    return {'blob': 'x' * 300_000}\n"


@pytest.mark.parametrize("wildcard", ["States.ALL", "States.TaskFailed"])
def test_a_wildcard_does_not_catch_data_limit_exceeded(
    runner: Runner, make_function: Any, lam: Any, wildcard: str
) -> None:
    """Verifies: sfn.data-limit-terminal (over 256 KB fails the run; wildcards do not catch)."""
    name = make_function(BIG_RESULT, Timeout=10)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    definition = {
        "StartAt": "Big",
        "States": {
            "Big": task(arn, Catch=[{"ErrorEquals": [wildcard], "Next": "Caught"}]),
            "Caught": {"Type": "Pass", "Result": "caught", "End": True},
        },
    }
    described, _ = runner.run(definition)
    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")
